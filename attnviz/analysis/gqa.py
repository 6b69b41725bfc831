"""Grouped-query attention: which query heads share a key/value head, and how alike their patterns are.

In grouped-query attention (Ainslie et al. 2023) the query heads of one group read the
same keys and values; only their queries differ. Whether they then attend alike is a
question for the captured patterns: these functions compare them.
"""

from __future__ import annotations

import torch
from jaxtyping import Bool, Float, Int


def group_matrix(kv_head_of: Int[torch.Tensor, "head"]) -> Bool[torch.Tensor, "kv_head head"]:
    """True where query head h (column) uses key/value head g (row)."""
    n_kv = int(kv_head_of.max()) + 1
    return torch.arange(n_kv)[:, None] == kv_head_of[None, :]


def pattern_similarity(pattern: Float[torch.Tensor, "head query_pos key_pos"]) -> Float[torch.Tensor, "head head"]:
    """How alike two heads attend: 1 − the total-variation distance of their rows, averaged over queries.

    For heads a and b: mean over query positions i of 1 − ½ Σ_j |pattern[a, i, j] − pattern[b, i, j]|.
    1 means the same weights everywhere, 0 that they never put weight on the same keys.
    Symmetric, float32, with ones on the diagonal.
    """
    rows = pattern.float()
    distance = torch.stack([0.5 * (rows[a] - rows).abs().sum(-1).mean(-1) for a in range(len(rows))])  # [head, head]
    return 1 - distance


def within_and_across(
    similarity: Float[torch.Tensor, "head head"], kv_head_of: Int[torch.Tensor, "head"]
) -> tuple[float, float]:
    """Mean similarity of distinct heads in the same group, and of heads in different groups.

    Either is NaN where no such pair exists (one head per group, or one group).
    """
    same = kv_head_of[:, None] == kv_head_of[None, :]
    distinct = ~torch.eye(len(kv_head_of), dtype=torch.bool)
    within, across = similarity[same & distinct], similarity[~same]
    nan = float("nan")
    return (float(within.mean()) if within.numel() else nan, float(across.mean()) if across.numel() else nan)
