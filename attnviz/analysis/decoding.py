"""Next-token prediction and generation, one token at a time, from a decoder's captured logits.

A decoder's logits at position i score every token of the vocabulary as the token after
i. The next-token distribution is softmax(logits / T) (the temperature T sharpens it below
1 and flattens it above); generation appends the chosen token and runs the model again.
Nothing here runs a model except ``generate``, which calls a given capture function.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable, Literal

import torch
from jaxtyping import Float, Int

from attnviz.model.capture import Capture

Strategy = Literal["greedy", "sample"]


def next_token_probs(logits: Float[torch.Tensor, "d_vocab"], temperature: float = 1.0) -> Float[torch.Tensor, "d_vocab"]:
    """softmax(logits / T) over the vocabulary, float32; the probabilities sum to 1.

    Raises:
        ValueError: for a temperature that is not a positive number.
    """
    if not temperature > 0:
        raise ValueError(f"the temperature must be positive, got {temperature}; use greedy choice for T → 0")
    return torch.softmax(logits.float() / temperature, dim=-1)


def top_k(probs: Float[torch.Tensor, "d_vocab"], k: int) -> tuple[Int[torch.Tensor, "k"], Float[torch.Tensor, "k"]]:
    """The ``k`` most probable token ids and their probabilities, most probable first.

    Raises:
        ValueError: for ``k`` outside ``[1, d_vocab]``.
    """
    if not 1 <= k <= probs.shape[-1]:
        raise ValueError(f"k must lie in [1, {probs.shape[-1]}], got {k}")
    values, ids = torch.topk(probs, k)
    return ids, values


def choose_next(
    logits: Float[torch.Tensor, "d_vocab"],
    strategy: Strategy = "greedy",
    temperature: float = 1.0,
    k: int | None = None,
    seed: int = 0,
    step: int = 0,
) -> int:
    """The next token id: the most probable one (greedy), or a draw from softmax(logits / T).

    Sampling draws among the ``k`` most probable tokens (all when ``k`` is None), their
    probabilities renormalised, with a generator seeded by ``seed`` and ``step``: the same
    seed and step always give the same token, so stepping back and forward is reproducible.

    Raises:
        ValueError: for an unknown strategy, a bad temperature or k.
    """
    if strategy == "greedy":
        return int(logits.argmax())
    if strategy != "sample":
        raise ValueError(f"strategy must be 'greedy' or 'sample', got {strategy!r}")
    probs = next_token_probs(logits, temperature)
    ids, kept = top_k(probs, k or probs.shape[-1])
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    return int(ids[torch.multinomial(kept / kept.sum(), 1, generator=generator)])


def generate(
    capture_tokens: Callable[[list[int]], Capture],
    prompt_ids: list[int],
    n_new: int,
    strategy: Strategy = "greedy",
    temperature: float = 1.0,
    k: int | None = None,
    seed: int = 0,
    chosen: Sequence[int] = (),
) -> list[int]:
    """Append ``n_new`` tokens to ``prompt_ids``, each chosen from the capture of the sequence so far.

    Args:
        capture_tokens: runs the model on a list of token ids and returns its capture
            (e.g. ``model.run_tokens_with_capture``, or a cached version of it).
        chosen: tokens an earlier call with the same arguments chose: they are kept and only
            the tokens after them are chosen (step i is seeded by i, so the result is the same
            as generating all ``n_new`` at once). The app's stepping passes what it has.

    Returns:
        The ``n_new`` chosen ids (step i is the token after ``prompt_ids + chosen[:i]``).

    Raises:
        ValueError: for an unknown strategy, a bad temperature or k (``choose_next``).
    """
    chosen = list(chosen[:n_new])
    for step in range(len(chosen), n_new):
        logits = capture_tokens([*prompt_ids, *chosen]).logits[-1]
        chosen.append(choose_next(logits, strategy, temperature, k, seed, step))
    return chosen


def choice_probability(logits: Float[torch.Tensor, "d_vocab"], token_id: int, strategy: Strategy = "greedy", temperature: float = 1.0) -> float:
    """The probability the model gave the chosen token: softmax(logits / T) when sampling (the
    distribution drawn from, before top-k), softmax(logits) for a greedy choice.

    Raises:
        ValueError: for a temperature that is not a positive number.
    """
    return float(next_token_probs(logits, temperature if strategy == "sample" else 1.0)[token_id])


def newest_token_rows(cap: Capture, head: int | None = None) -> Float[torch.Tensor, "layer key_pos"]:
    """What the last token attends to in every layer: ``pattern[:, head, -1, :]``, or the mean over heads.

    Args:
        head: one head, or None for the mean over the layer's heads.
    """
    rows = cap.pattern[:, :, -1, :]  # [layer, head, key_pos]
    return rows.mean(dim=1) if head is None else rows[:, head]
