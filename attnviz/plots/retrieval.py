"""Plotly figures for the needle-in-a-haystack page: retrieval scores per head, one query's attention over a long context.

Arrays and tokens in, ``go.Figure`` out; no model runs here and no Streamlit. Tokens are
escaped with ``maps.token_labels``.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch

from attnviz.i18n import t
from attnviz.plots.maps import token_labels

CONTEXT_BARS = 512  # a query's attention over more keys than this is max-pooled into at most this many bars


def score_heatmap(scores: torch.Tensor, title: str = "", lang: str = "en") -> go.Figure:
    """Every head's retrieval score as a layer × head heatmap, colour from 0 to 1.

    Args:
        scores: float ``[layer, head]``, each in [0, 1] (``retrieval.retrieval_scores``).
    """
    values = scores.detach().float().numpy()
    n_layers, n_heads = values.shape
    hover = [[f"{t('layer', lang)} {l}, {t('head', lang)} {h}<br>{t('needle_score', lang)}: {values[l, h]:.3f}" for h in range(n_heads)] for l in range(n_layers)]
    fig = go.Figure(
        go.Heatmap(
            z=values, x=list(range(n_heads)), y=list(range(n_layers)), zmin=0, zmax=1, colorscale="Viridis",
            text=hover, hovertemplate="%{text}<extra></extra>", colorbar={"title": t("needle_score", lang)},
        )
    )  # fmt: skip
    fig.update_xaxes(title=t("head", lang), dtick=1)
    fig.update_yaxes(title=t("layer", lang), autorange="reversed", dtick=1 if n_layers <= 12 else 2)
    fig.update_layout(title=title, height=200 + 16 * n_layers, margin={"t": 60})
    return fig


def context_attention(
    row: torch.Tensor, tokens: list[str], needle: range, title: str = "", lang: str = "en", bars: int = CONTEXT_BARS
) -> go.Figure:
    """One query's attention over every key, as bars; the needle's keys shaded.

    Up to ``bars`` keys each get a bar; a longer context is max-pooled: each bar is the
    largest weight in a block of ``⌈n / bars⌉`` keys (a mean would hide the one key a
    retrieval head picks), its hover naming the block and its strongest key.

    Args:
        row: float ``[key_pos]``, a softmax row (the query's pattern over every key).
        tokens: the n tokens (raw; escaped here).
        needle: the needle's key positions (shaded).
    """
    n = row.shape[0]
    if n != len(tokens):
        raise ValueError(f"the row covers {n} keys but there are {len(tokens)} tokens")
    labels = token_labels(tokens)
    weights = row.detach().float().numpy()
    block = max(1, math.ceil(n / bars))
    starts = np.arange(0, n, block)
    padded = np.full(len(starts) * block, -np.inf, dtype=np.float32)
    padded[:n] = weights
    strongest = starts + padded.reshape(len(starts), block).argmax(axis=1)  # [bar]: the key with the largest weight
    heights = weights[strongest]
    key, weight = t("key", lang), t("weight", lang)
    if block == 1:
        hover = [f"{key} {j}: {labels[j]}<br>{weight}: {weights[j]:.4f}" for j in strongest]
    else:
        hover = [
            f"{t('needle_block', lang, lo=s, hi=min(n, s + block) - 1)}<br>{key} {j}: {labels[j]}<br>{weight}: {weights[j]:.4f}"
            for s, j in zip(starts, strongest, strict=True)
        ]
    fig = go.Figure(go.Bar(x=starts + (block - 1) / 2, y=heights, width=block, marker_color="#1f77b4", text=hover, hovertemplate="%{text}<extra></extra>", textposition="none"))
    fig.add_vrect(  # at least 1/150 of the axis wide, or a short needle in a long context would vanish
        x0=needle.start - 0.5, x1=max(needle.stop, needle.start + n / 150) - 0.5, fillcolor="#d62728", opacity=0.18, line_width=0,
        annotation_text=t("needle_marker", lang), annotation_position="top left",
    )  # fmt: skip
    fig.update_xaxes(title=t("needle_key_position", lang), range=[-0.5, n - 0.5])
    fig.update_yaxes(title=t("weight", lang) if block == 1 else t("needle_block_max", lang, b=block), rangemode="tozero")
    fig.update_layout(title=title, height=360, margin={"t": 70}, bargap=0)
    return fig
