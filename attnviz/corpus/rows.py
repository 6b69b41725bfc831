"""One batch of texts -> the output rows: one per (text, layer, head), in that order.

Each row holds the head's metrics on that text alone (``attnviz.analysis.head_metrics``:
the mean over the queries each metric applies to; null where it applies to none) and its
sparse attention: for every query the ``top_k`` keys of highest weight, kept where the
weight is at least ``threshold`` (HeadVis's storage of a pattern), as three aligned lists
``query``, ``key``, ``weight`` ordered by query, then by weight, highest first. A text's
tokens and ids are on each of its rows, so one row says everything about its head.

The batch runs once, padded at the end to its longest text with the padding mask
(``run_batch_with_capture``); only each text's real tokens are read, so a row equals the
run of its text alone (within float rounding: the padded batch sums in another order).
Patterns are derived a block of query rows of one layer at a time (``head_metrics.ROW_BUDGET``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import torch

from attnviz.analysis import head_metrics
from attnviz.model.capture import Capture

ID_COLUMNS = ("text_index", "layer", "head")


@dataclass(frozen=True)
class Settings:
    """What defines a run's rows: the cut (``max_tokens``, None for the model's maximum), the batch size, the sparse attention's ``top_k`` and ``threshold``, the shard size."""

    max_tokens: int | None = None
    batch_size: int = 8
    top_k: int = 8
    threshold: float = 0.01
    shard_size: int = 1000


def schema(metric_names: tuple[str, ...]) -> pa.Schema:
    """The output's columns for these metrics (``head_metrics.metric_names``)."""
    return pa.schema(
        [pa.field("text_index", pa.int64()), pa.field("layer", pa.int16()), pa.field("head", pa.int16())]
        + [pa.field(name, pa.float32()) for name in metric_names]
        + [
            pa.field("query", pa.list_(pa.int32())),
            pa.field("key", pa.list_(pa.int32())),
            pa.field("weight", pa.list_(pa.float32())),
            pa.field("n_tokens", pa.int32()),
            pa.field("n_truncated", pa.int32()),
            pa.field("tokens", pa.list_(pa.string())),
            pa.field("token_ids", pa.list_(pa.int32())),
        ]
    )


def batch_rows(model, indices: list[int], texts: list[str], settings: Settings) -> pa.Table:
    """The rows of a batch of texts (``indices`` their corpus indices), as one table with ``schema(metric_names)``.

    Raises:
        EmptyTextError, InvalidTextError: for a blank or invalid text (the reader sets those aside first).
    """
    names = head_metrics.metric_names(model.config.is_decoder)
    columns: dict[str, list] = {name: [] for name in schema(names).names}
    tok = model.tokenizer
    ids = dict(
        special_ids=set(tok.all_special_ids),
        cls_id=None if model.config.is_decoder else tok.cls_token_id,
        sep_id=None if model.config.is_decoder else tok.sep_token_id,
    )
    for index, cap in zip(indices, model.run_batch_with_capture(texts, max_tokens=settings.max_tokens), strict=True):
        _text_rows(cap, index, names, settings, ids, columns)
    return pa.table(columns, schema=schema(names))


def _text_rows(cap: Capture, index: int, names: tuple[str, ...], settings: Settings, ids: dict, columns: dict[str, list]) -> None:
    """Append one text's rows (every layer, every head) to ``columns``."""
    n = int(cap.attn_mask.any(0).sum())  # its real tokens: the padded keys are hidden from every query
    n_heads = cap.n_heads
    token_ids = cap.token_ids[:n]
    tokens, id_list = cap.tokens[:n], token_ids.to(torch.int32).numpy()
    step = max(1, head_metrics.ROW_BUDGET // (n_heads * n))
    for layer in range(cap.n_layers):
        totals = {name: (torch.zeros(n_heads), 0) for name in names}
        sparse = [[] for _ in range(n_heads)]  # per head: (query, key, weight) arrays of each block
        for start in range(0, n, step):
            stop = min(n, start + step)
            rows = torch.arange(start, stop)
            block = cap.pattern[layer, :, start:stop][..., :n]  # [head, row, key_pos]: real queries and keys only
            for name, (total, count) in head_metrics.row_sums(block, rows, cap.attn_mask[rows, :n], token_ids, names, **ids).items():
                totals[name] = (totals[name][0] + total, totals[name][1] + count)
            _top_keys(block, rows, settings, sparse)
        for head in range(n_heads):
            columns["text_index"].append(index)
            columns["layer"].append(layer)
            columns["head"].append(head)
            for name, (total, count) in totals.items():
                columns[name].append(float(total[head]) / count if count else None)
            query, key, weight = (np.concatenate(part) for part in zip(*sparse[head], strict=True))
            columns["query"].append(query)
            columns["key"].append(key)
            columns["weight"].append(weight)
            columns["n_tokens"].append(n)
            columns["n_truncated"].append(cap.n_truncated)
            columns["tokens"].append(tokens)
            columns["token_ids"].append(id_list)


def _top_keys(block: torch.Tensor, rows: torch.Tensor, settings: Settings, sparse: list[list]) -> None:
    """Each head's top-k keys per query row of ``block`` ``[head, row, key_pos]`` with weight ≥ threshold, appended per head as (query, key, weight) arrays."""
    weight, key = block.float().topk(min(settings.top_k, block.shape[-1]), dim=-1)  # [head, row, k], highest first
    keep = weight >= settings.threshold
    query = rows[:, None].expand_as(key[0])  # [row, k]
    for head in range(block.shape[0]):
        chosen = keep[head]
        sparse[head].append((query[chosen].to(torch.int32).numpy(), key[head][chosen].to(torch.int32).numpy(), weight[head][chosen].numpy()))
