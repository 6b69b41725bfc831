"""Maps of long inputs without the whole pattern: pooled overviews and full-resolution windows.

A capture derives each head's pattern on access (``attnviz.model.capture``); here the
rows are derived a block at a time, so an overview of a 8,192-token input never holds
more than one block of rows of one layer. An overview cell is the largest weight in its
block of b × b (query, key) pairs (max-pooling keeps a single strong weight visible,
where a mean would wash it out); its largest cell is therefore the map's largest weight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from jaxtyping import Float

from attnviz.model.capture import Capture, Lazy

ROW_BUDGET = 1 << 22  # floats of pattern rows derived at once (16 MiB)


def layer_map(cap: Capture, layer: int, heads: slice, kind: str = "pattern") -> Lazy:
    """The pattern (``kind="raw"``: the scores before the mask) of ``layer`` averaged over
    ``heads`` (one head: ``slice(h, h + 1)``), ``[query_pos, key_pos]``, derived only for
    the query rows it is indexed with."""
    n = cap.n_tokens
    maps = cap.pattern if kind == "pattern" else cap.attn_scores_raw
    return Lazy((n, n), 1, lambda rows: maps[layer, heads, rows].mean(0))


def layer_heads(cap: Capture, layer: int) -> Lazy:
    """Every head's pattern of ``layer``, ``[head, query_pos, key_pos]``, derived only for the heads and rows indexed."""
    n = cap.n_tokens
    return Lazy((cap.n_heads, n, n), 2, lambda heads, rows: torch.stack([cap.pattern[layer, h, rows] for h in heads]))


def pooled_map(
    cap: Capture, layer: int, heads: slice, block: int, hidden_keys: Sequence[int] = ()
) -> Float[np.ndarray, "cell cell"]:
    """The map of ``layer_map(cap, layer, heads)`` max-pooled over ``block`` × ``block`` cells.

    Cells with no allowed (query, key) pair, and the ``hidden_keys`` columns, are NaN.
    Rows are derived a few blocks at a time (about ``ROW_BUDGET`` floats).

    Returns:
        float32 ``[⌈n/block⌉, ⌈n/block⌉]``.
    """
    n, n_heads = cap.n_tokens, len(range(cap.n_heads)[heads])
    cells = math.ceil(n / block)
    step = block * max(1, ROW_BUDGET // (n * n_heads * block))
    whole = layer_map(cap, layer, heads)
    pooled = np.empty((cells, cells), dtype=np.float32)
    hidden = list(hidden_keys)
    for start in range(0, n, step):
        rows = slice(start, min(n, start + step))
        weights = whole[rows].masked_fill(~cap.attn_mask[rows], -math.inf)  # [rows, key_pos]
        weights[:, hidden] = -math.inf
        pooled[start // block : math.ceil(rows.stop / block)] = _max_pool(weights, block).numpy()
    return np.where(np.isfinite(pooled), pooled, np.nan)


def largest(pooled: Float[np.ndarray, "cell cell"]) -> float:
    """The largest weight of a pooled map (= of the map itself: max-pooling keeps it); 1.0 if every cell is empty."""
    return float(np.nanmax(pooled)) if np.isfinite(pooled).any() else 1.0


def pooled_maps(cap: Capture, block: int) -> Float[np.ndarray, "layer head cell cell"]:
    """``pooled_map`` of every head of every layer: ``[layer, head, ⌈n/block⌉, ⌈n/block⌉]`` float32."""
    return np.stack([np.stack([pooled_map(cap, layer, slice(h, h + 1), block) for h in range(cap.n_heads)]) for layer in range(cap.n_layers)])


def _max_pool(weights: Float[torch.Tensor, "rows key_pos"], block: int) -> Float[torch.Tensor, "row_cells key_cells"]:
    """Max over ``block`` × ``block`` cells, the edges padded with −∞."""
    rows, cols = weights.shape
    padded = torch.nn.functional.pad(weights, (0, -cols % block, 0, -rows % block), value=-math.inf)
    return padded.unflatten(0, (-1, block)).unflatten(2, (-1, block)).amax(dim=(1, 3))  # [row_cells, block, key_cells, block] -> max
