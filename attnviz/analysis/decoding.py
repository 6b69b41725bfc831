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


def top_p(probs: Float[torch.Tensor, "d_vocab"], p: float) -> tuple[Int[torch.Tensor, "kept"], Float[torch.Tensor, "kept"]]:
    """Nucleus sampling's set: the smallest set of most probable tokens whose probabilities sum to ≥ ``p``.

    Holtzman et al. 2020 (The Curious Case of Neural Text Degeneration), section 3.1, Eq. 2–3:
    the set V⁽ᵖ⁾ is the smallest with Σ P(x) ≥ p; its probabilities are divided by their
    sum. ``p = 1`` keeps every token (also when the float32 sum of all falls short of 1).

    Args:
        probs: float ``[d_vocab]``, a distribution (e.g. ``next_token_probs``).
        p: the mass to keep, in (0, 1].

    Returns:
        ``(ids, renormalised)``: the kept token ids, most probable first, and their
        probabilities divided by their sum (they sum to 1).

    Raises:
        ValueError: for ``p`` outside (0, 1].
    """
    if not 0 < p <= 1:
        raise ValueError(f"top-p must lie in (0, 1], got {p}; p = 1 keeps every token")
    values, ids = torch.sort(probs.float(), descending=True)
    if p >= 1:
        n_keep = len(values)
    else:
        cumulative = torch.cumsum(values, dim=0)
        n_keep = min(int(torch.searchsorted(cumulative, torch.tensor([p]))[0]) + 1, len(values))  # first prefix with sum ≥ p
    kept = values[:n_keep]
    return ids[:n_keep], kept / kept.sum()


def choose_next(
    logits: Float[torch.Tensor, "d_vocab"],
    strategy: Strategy = "greedy",
    temperature: float = 1.0,
    k: int | None = None,
    seed: int = 0,
    step: int = 0,
    p: float = 1.0,
) -> int:
    """The next token id: the most probable one (greedy), or a draw from softmax(logits / T).

    Sampling draws among the ``k`` most probable tokens (all when ``k`` is None), then among
    the nucleus of mass ``p`` of those (``top_p``; 1 keeps them all), their probabilities
    renormalised (the order of Hugging Face's warpers: temperature, top-k, top-p), with a
    generator seeded by ``seed`` and ``step``: the same seed and step always give the same
    token, so stepping back and forward is reproducible.

    Raises:
        ValueError: for an unknown strategy, a bad temperature or k.
    """
    if strategy == "greedy":
        return int(logits.argmax())
    if strategy != "sample":
        raise ValueError(f"strategy must be 'greedy' or 'sample', got {strategy!r}")
    ids, kept = sampling_set(logits, temperature, k, p)
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    return int(ids[torch.multinomial(kept, 1, generator=generator)])


def sampling_set(
    logits: Float[torch.Tensor, "d_vocab"], temperature: float = 1.0, k: int | None = None, p: float = 1.0
) -> tuple[Int[torch.Tensor, "kept"], Float[torch.Tensor, "kept"]]:
    """The tokens a draw chooses among and their renormalised probabilities, most probable first:
    softmax(logits / T), its ``k`` most probable (all when None), then their nucleus of mass ``p``.

    Raises:
        ValueError: for a bad temperature, k or p.
    """
    probs = next_token_probs(logits, temperature)
    ids, kept = top_k(probs, k or probs.shape[-1])
    nucleus, renormalised = top_p(kept / kept.sum(), p)
    return ids[nucleus], renormalised


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
    return position_rows(cap, cap.n_tokens - 1, head)


def position_rows(cap: Capture, position: int, head: int | None = None) -> Float[torch.Tensor, "layer key_pos"]:
    """What the token at ``position`` attends to in every layer, keys 0 … position (a decoder's query sees no later key):
    ``pattern[:, head, position, :position + 1]``, or the mean over the layer's heads (head None).

    Raises:
        IndexError: for a position outside the capture.
    """
    if not 0 <= position < cap.n_tokens:
        raise IndexError(f"position {position} is outside the {cap.n_tokens} tokens; pick one from 0 to {cap.n_tokens - 1}")
    rows = cap.pattern[:, :, position, : position + 1]  # [layer, head, key_pos]
    return rows.mean(dim=1) if head is None else rows[:, head]


def candidates(logits: Float[torch.Tensor, "d_vocab"], chosen: int, k: int = 10, temperature: float = 1.0) -> tuple[Int[torch.Tensor, "k"], Float[torch.Tensor, "k"], int]:
    """The ``k`` most probable next tokens under softmax(logits / T), and the chosen token's rank (1 = most probable).

    Returns:
        ``(ids, probs, rank)``; a token tied with others gets the best rank of the tie.

    Raises:
        ValueError: for a bad temperature or k.
    """
    probs = next_token_probs(logits, temperature)
    ids, values = top_k(probs, min(k, probs.shape[-1]))
    return ids, values, int((probs > probs[chosen]).sum()) + 1
