"""Measures of attention weights that every page and lesson share."""

from __future__ import annotations

import math

import torch
from jaxtyping import Float


def entropy_bits(weights: Float[torch.Tensor, "... key_pos"]) -> Float[torch.Tensor, "..."]:
    """Shannon entropy −Σ_j w_j·log₂ w_j of each distribution over the last axis, in bits (Shannon 1948).

    0·log 0 counts as 0 (``torch.special.xlogy``): 0 bits for a one-hot row, log₂(n) for a row
    spread evenly over n keys. float32 in, float32 out (float64 stays float64).
    """
    return -torch.special.xlogy(weights, weights).sum(-1) / math.log(2)


def max_entropy_bits(n_keys: int) -> float:
    """log₂(n): the entropy of a row spread evenly over ``n_keys`` keys, the most a row over them can have."""
    return math.log2(n_keys)
