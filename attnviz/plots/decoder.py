"""Plotly figures for the decoder pages: next-token bars, the newest token's attention, RoPE, GQA.

Arrays and tokens in, ``go.Figure`` out; no model runs here and no Streamlit. Tokens are
escaped with ``plots.token_labels``.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch

from attnviz.i18n import t
from attnviz.plots.maps import HEAD_COLOURS, token_labels


def next_token_bars(tokens: list[str], probs: torch.Tensor, title: str = "", lang: str = "en", highlight: int | None = None) -> go.Figure:
    """The top-k next tokens as horizontal bars, most probable at the top.

    Args:
        tokens: the k candidate tokens (raw; escaped and quoted here).
        probs: float ``[k]``, their probabilities.
        highlight: the index of a bar to draw in orange (the chosen token), or None.
    """
    labels = [f"“{label}”" for label in token_labels(tokens)]  # quoted: a leading space is part of the token
    values = probs.detach().float().numpy()
    fig = go.Figure(
        go.Bar(
            x=values, y=labels, orientation="h", marker_color=["#ff7f0e" if i == highlight else "#1f77b4" for i in range(len(labels))],
            text=[f"{v:.1%}" for v in values], textposition="outside",
            hovertemplate=f"%{{y}}<br>{t('dec_probability', lang)}: %{{x:.4f}}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", title=t("dec_candidate", lang))
    fig.update_xaxes(title=t("dec_probability", lang), range=[0, min(1.0, float(values.max()) * 1.25 + 1e-6)])
    fig.update_layout(title=title, height=140 + 26 * len(tokens), margin={"t": 60, "l": 140})
    return fig


def newest_token_rows(rows: torch.Tensor, tokens: list[str], title: str = "", lang: str = "en") -> go.Figure:
    """The newest token's attention row in every layer: rows are layers, columns the keys (all earlier tokens).

    Args:
        rows: float ``[layer, key_pos]``, each row a softmax row (sums to 1).
        tokens: the n tokens; the last is the newest (the query).
    """
    n_layers, n = rows.shape
    if n != len(tokens):
        raise ValueError(f"rows cover {n} keys but there are {len(tokens)} tokens")
    labels = token_labels(tokens)
    weights = rows.detach().float().numpy()
    hover = [[f"{t('layer', lang)} {layer}<br>{t('key', lang)}: {labels[j]}<br>{t('weight', lang)}: {weights[layer, j]:.4f}" for j in range(n)] for layer in range(n_layers)]
    fig = go.Figure(go.Heatmap(z=weights, x=list(range(n)), y=list(range(n_layers)), zmin=0, colorscale="Blues", text=hover, hovertemplate="%{text}<extra></extra>", colorbar={"title": t("weight", lang)}))
    fig.update_xaxes(tickmode="array", tickvals=list(range(n)), ticktext=labels, title=t("key_token", lang), tickangle=-60)
    fig.update_yaxes(title=t("layer", lang), autorange="reversed", dtick=1 if n_layers <= 12 else 2)
    fig.update_layout(title=title, height=260 + 18 * n_layers, margin={"t": 60, "b": 120})
    return fig


def rope_angles(angles: torch.Tensor, tokens: list[str], title: str = "", lang: str = "en", positions: range | None = None) -> go.Figure:
    """Each dimension pair's rotation angle at each position, wrapped to [0°, 360°), as a heatmap.

    Args:
        angles: float ``[pos, pair]`` in radians (``attention.rope_angles``), one row per position drawn.
        tokens: the n tokens at those positions (or all tokens of the text, with ``positions``).
        positions: the positions of ``angles``' rows (a long prompt's window; default ``0 … n − 1``).
    """
    n, pairs = angles.shape
    positions = range(n) if positions is None else positions
    raw = angles.detach().double().numpy()
    wrapped = np.degrees(np.mod(raw, 2 * math.pi))
    labels = token_labels(tokens)
    hover = [
        [f"{t('dec_position', lang)} {m} ({labels[m]})<br>{t('dec_pair', lang)} {i}<br>{t('dec_angle', lang)}: {raw[r, i]:.3f} rad = {wrapped[r, i]:.1f}°" for i in range(pairs)]
        for r, m in enumerate(positions)
    ]
    fig = go.Figure(go.Heatmap(z=wrapped, zmin=0, zmax=360, colorscale="Twilight", text=hover, hovertemplate="%{text}<extra></extra>", colorbar={"title": "°"}))
    fig.update_xaxes(title=t("dec_pair", lang))
    fig.update_yaxes(tickmode="array", tickvals=list(range(n)), ticktext=[f"{m} {labels[m]}" for m in positions], title=t("dec_position", lang), autorange="reversed")
    fig.update_layout(title=title, height=min(900, 220 + 20 * n))
    return fig


def score_heatmap(
    scores: torch.Tensor, tokens: list[str], attn_mask: torch.Tensor | None = None, title: str = "", lang: str = "en", zmax: float | None = None,
    window: range | None = None,
) -> go.Figure:
    """Raw attention scores (before the softmax) on a diverging scale centred at 0; masked cells grey.

    Args:
        scores: float ``[query_pos, key_pos]``.
        attn_mask: optional bool ``[query_pos, key_pos]``; False cells are drawn grey and
            their hover says "masked".
        zmax: the colour scale's half-width (default: the largest |score| shown), so two
            figures can share one scale.
        window: the query and key positions drawn (a long prompt's window; default all).
    """
    n = len(tokens)
    if tuple(scores.shape) != (n, n):
        raise ValueError(f"scores have shape {tuple(scores.shape)} but there are {n} tokens")
    labels = token_labels(tokens)
    values = scores.detach().float().numpy()
    allowed = np.ones((n, n), dtype=bool) if attn_mask is None else attn_mask.numpy()
    if window is not None:  # labels keep their positions in the whole text
        cut = slice(window.start, window.stop)
        labels, values, allowed, n = labels[cut], values[cut, cut], allowed[cut, cut], len(window)
    shown = np.where(allowed, values, np.nan)
    half = zmax if zmax is not None else float(np.nanmax(np.abs(shown))) if allowed.any() else 1.0
    masked = t("masked", lang)
    hover = [
        [f"{t('query', lang)}: {labels[i]}<br>{t('key', lang)}: {labels[j]}<br>" + (f"{t('raw_score', lang)}: {values[i, j]:.4f}" if allowed[i, j] else masked) for j in range(n)]
        for i in range(n)
    ]
    fig = go.Figure(go.Heatmap(z=shown, zmin=-half, zmax=half, colorscale="RdBu_r", text=hover, hovertemplate="%{text}<extra></extra>", colorbar={"title": t("raw_score", lang)}))
    axis = {"tickmode": "array", "tickvals": list(range(n)), "ticktext": labels, "showgrid": False}
    fig.update_xaxes(**axis, title=t("key_token", lang), side="top", tickangle=-60)
    fig.update_yaxes(**axis, title=t("query_token", lang), autorange="reversed")
    fig.update_layout(title=title, height=min(800, 260 + 20 * n), plot_bgcolor="#d9d9d9", margin={"t": 120})
    return fig


def gqa_groups(kv_head_of: torch.Tensor, lang: str = "en") -> go.Figure:
    """Which query heads (columns) read which key/value head (rows): one coloured cell per pair."""
    groups = kv_head_of.tolist()
    n_kv = max(groups) + 1
    cells = np.full((n_kv, len(groups)), np.nan)
    for head, group in enumerate(groups):
        cells[group, head] = group
    colours = [HEAD_COLOURS[g % len(HEAD_COLOURS)] for g in range(n_kv)]
    scale = [[g / max(1, n_kv - 1), c] for g, c in enumerate(colours)] if n_kv > 1 else [[0, colours[0]], [1, colours[0]]]
    hover = [[f"{t('dec_query_head', lang)} {h} → {t('dec_kv_head', lang)} {g}" if groups[h] == g else "" for h in range(len(groups))] for g in range(n_kv)]
    fig = go.Figure(go.Heatmap(z=cells, zmin=0, zmax=max(1, n_kv - 1), colorscale=scale, showscale=False, xgap=3, ygap=3, text=hover, hovertemplate="%{text}<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(groups))), title=t("dec_query_head", lang), side="top")
    fig.update_yaxes(tickmode="array", tickvals=list(range(n_kv)), title=t("dec_kv_head", lang), autorange="reversed")
    fig.update_layout(height=140 + 50 * n_kv, margin={"t": 70}, plot_bgcolor="white")
    return fig


def similarity_heatmap(similarity: torch.Tensor, kv_head_of: torch.Tensor, title: str = "", lang: str = "en") -> go.Figure:
    """Head × head pattern similarity in [0, 1], with each key/value group outlined."""
    values = similarity.detach().float().numpy()
    groups = kv_head_of.tolist()
    n = len(groups)
    names = [f"{h} (kv {g})" for h, g in enumerate(groups)]
    hover = [[f"{t('head', lang)} {names[a]} · {t('head', lang)} {names[b]}<br>{t('dec_similarity', lang)}: {values[a, b]:.3f}" for b in range(n)] for a in range(n)]
    fig = go.Figure(go.Heatmap(z=values, zmin=0, zmax=1, colorscale="Viridis", text=hover, hovertemplate="%{text}<extra></extra>", colorbar={"title": t("dec_similarity", lang)}))
    for g in sorted(set(groups)):
        members = [h for h in range(n) if groups[h] == g]
        lo, hi = min(members) - 0.5, max(members) + 0.5
        fig.add_shape(type="rect", x0=lo, x1=hi, y0=lo, y1=hi, line={"color": HEAD_COLOURS[g % len(HEAD_COLOURS)], "width": 3})
    axis = {"tickmode": "array", "tickvals": list(range(n)), "ticktext": names}
    fig.update_xaxes(**axis, title=t("head", lang))
    fig.update_yaxes(**axis, title=t("head", lang), autorange="reversed")
    fig.update_layout(title=title, height=460)
    return fig


def within_across_lines(within: list[float], across: list[float], lang: str = "en") -> go.Figure:
    """Per layer: mean similarity of heads sharing a key/value head vs heads in different groups."""
    layers = list(range(len(within)))
    fig = go.Figure(
        [
            go.Scatter(x=layers, y=within, mode="lines+markers", name=t("dec_within", lang)),
            go.Scatter(x=layers, y=across, mode="lines+markers", name=t("dec_across", lang)),
        ]
    )
    fig.update_xaxes(title=t("layer", lang), dtick=1 if len(layers) <= 12 else 2)
    fig.update_yaxes(title=t("dec_similarity", lang), range=[0, 1])
    fig.update_layout(height=340, margin={"t": 30}, legend={"orientation": "h", "y": 1.12})
    return fig
