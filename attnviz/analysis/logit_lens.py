"""The logit lens: each layer's residual stream read through the final norm and unembedding.

nostalgebraist (2020), "interpreting GPT: the logit lens": apply the model's own last step,
logits = Norm_final(x)·W_U, to the residual stream after every block, not only the last,
and see how early the final prediction appears. The last layer's reading is the model's own
output (``cap.logits``). Decoders only: an encoder has no unembedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int

from attnviz.errors import NoUnembeddingError
from attnviz.model.capture import Capture


def _unembed(cap: Capture):
    if cap.unembed is None:
        raise NoUnembeddingError(model=cap.model_name or "this model")
    return cap.unembed


def _positions(cap: Capture, positions: Sequence[int] | range | None) -> list[int]:
    if positions is None:
        return list(range(cap.n_tokens))
    return [range(cap.n_tokens)[int(p)] for p in positions]  # negative positions count from the end; IndexError outside


def logit_lens(cap: Capture, positions: Sequence[int] | range | None = None) -> Float[torch.Tensor, "layer pos d_vocab"]:
    """Log-probabilities of the next token read from every layer's residual stream.

    ``log_softmax(Norm_final(resid_post[l, i])·W_U)`` for every layer ``l`` and position ``i``
    (nostalgebraist 2020), with the model's own final norm and unembedding (``cap.unembed``);
    the last layer equals ``cap.logits.log_softmax(-1)``.

    Args:
        cap: a decoder's capture.
        positions: the positions to read (default: every one). The whole tensor is
            ``layer × pos × d_vocab`` float32: SmolLM2 at 8,192 tokens would be 48 GB, so read
            a few positions of a long input (or use ``lens_summary``).

    Returns:
        float32 ``[layer, len(positions), d_vocab]``.

    Raises:
        NoUnembeddingError: for an encoder's capture (no unembedding to read through).
        IndexError: for a position outside the capture.
    """
    unembed = _unembed(cap)
    rows = _positions(cap, positions)
    # one layer at a time, each read exactly as ``cap.logits`` reads the last: [pos, d_model] -> [pos, d_vocab]
    return torch.stack([unembed(cap.resid_post[layer, rows]).log_softmax(-1) for layer in range(cap.n_layers)])


@dataclass(frozen=True)
class LensSummary:
    """What a logit-lens view shows, per layer and position, without the whole ``[layer, pos, d_vocab]`` tensor.

    Attributes:
        positions: the positions read, ``[pos]``.
        top_ids: int64 ``[layer, pos, k]``, each layer's k most probable next tokens, most probable first.
        top_logprobs: float32 ``[layer, pos, k]``, their log-probabilities.
        final_ids: int64 ``[pos]``, the model's own prediction (the last layer's most probable token).
        final_rank: int64 ``[layer, pos]``, that token's rank in each layer's reading (1 = most probable).
        final_logprobs: float32 ``[layer, pos]``, its log-probability there.
    """

    positions: list[int]
    top_ids: Int[torch.Tensor, "layer pos k"]
    top_logprobs: Float[torch.Tensor, "layer pos k"]
    final_ids: Int[torch.Tensor, "pos"]
    final_rank: Int[torch.Tensor, "layer pos"]
    final_logprobs: Float[torch.Tensor, "layer pos"]

    def settled_layer(self) -> Int[torch.Tensor, "pos"]:
        """int64 ``[pos]``: the first layer from which the final prediction stays the top token (rank 1) up to the last layer."""
        on_top_from_the_end = (self.final_rank.flip(0) == 1).long().cumprod(0)  # [layer, pos]: 1 while every later layer has it on top
        return self.final_rank.shape[0] - on_top_from_the_end.sum(0)


def lens_summary(cap: Capture, positions: Sequence[int] | range | None = None, k: int = 5) -> LensSummary:
    """The logit lens reduced to top-k tokens and the final prediction's rank, one layer at a time.

    Holds one layer's ``[pos, d_vocab]`` reading at a time. The rank of token t is
    1 + the number of tokens with a strictly higher log-probability.

    Raises:
        NoUnembeddingError: for an encoder's capture.
        ValueError: for k < 1.
    """
    unembed = _unembed(cap)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rows = _positions(cap, positions)
    final = unembed(cap.resid_post[-1, rows]).log_softmax(-1)  # [pos, d_vocab]
    final_ids = final.argmax(-1)
    tops, top_ids, ranks, chosen = [], [], [], []
    for layer in range(cap.n_layers):
        reading = final if layer == cap.n_layers - 1 else unembed(cap.resid_post[layer, rows]).log_softmax(-1)
        value, index = reading.topk(min(k, reading.shape[-1]), dim=-1)
        own = reading.gather(-1, final_ids[:, None])  # [pos, 1]
        tops.append(value)
        top_ids.append(index)
        chosen.append(own[:, 0])
        ranks.append((reading > own).sum(-1) + 1)
    return LensSummary(rows, torch.stack(top_ids), torch.stack(tops), final_ids, torch.stack(ranks), torch.stack(chosen))
