"""Minimal pairs: two sentences that differ in one word, and how every head's pattern changes.

Linguists test a system with pairs that differ in one place ("The keys to the cabinet
is/are …"; Linzen et al. 2016; Warstadt et al. 2020, BLiMP). Here the two sentences must
tokenize to the same number of tokens, so that position i of one faces position i of the
other; each head's change is the total variation distance between its two patterns,
averaged over the query rows:

    TV(l, h) = mean_i ½ Σ_j |A_{l,h}[i, j] − B_{l,h}[i, j]|   (0: the same, 1: disjoint)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float

from attnviz.errors import CaptureMismatchError, PairLengthError
from attnviz.model.capture import Capture


@dataclass(frozen=True)
class PairDifference:
    """How two aligned captures' patterns differ.

    Attributes:
        tokens_a, tokens_b: the two token lists (same length).
        differing: the positions whose tokens differ.
        change: float32 ``[layer, head]``, the mean total variation distance per head.
    """

    tokens_a: list[str]
    tokens_b: list[str]
    differing: list[int]
    change: Float[torch.Tensor, "layer head"]

    def top(self, k: int = 5) -> list[tuple[int, int, float]]:
        """The ``k`` heads whose pattern changes most, as (layer, head, change), largest first."""
        flat = self.change.flatten()
        order = flat.argsort(descending=True)[:k]
        n_heads = self.change.shape[1]
        return [(int(i) // n_heads, int(i) % n_heads, float(flat[i])) for i in order]


def pattern_difference(cap_a: Capture, cap_b: Capture) -> PairDifference:
    """Every head's pattern change between two captures of the same model, position by position.

    Computes one layer's heads at a time (``[head, query_pos, key_pos]`` each).

    Raises:
        PairLengthError: when the two inputs have different token counts (reword one so
            that the changed word is as many tokens as the word it replaces).
        CaptureMismatchError: for captures of models of different sizes.
    """
    if cap_a.n_tokens != cap_b.n_tokens:
        raise PairLengthError(n_a=cap_a.n_tokens, n_b=cap_b.n_tokens)
    for field in ("n_layers", "n_heads"):
        if getattr(cap_a, field) != getattr(cap_b, field):
            raise CaptureMismatchError(field=field, capture=getattr(cap_a, field), model=getattr(cap_b, field))
    change = torch.stack([0.5 * (cap_a.pattern[layer] - cap_b.pattern[layer]).abs().sum(-1).mean(-1) for layer in range(cap_a.n_layers)])
    differing = [i for i, (a, b) in enumerate(zip(cap_a.token_ids.tolist(), cap_b.token_ids.tolist(), strict=True)) if a != b]
    return PairDifference(list(cap_a.tokens), list(cap_b.tokens), differing, change)
