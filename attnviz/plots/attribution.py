"""Figures of the instruments that test attention: per-token attributions, layer × head maps, the completeness check.

Plotly only; every token is HTML-escaped before it reaches a figure.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import torch

from attnviz.i18n import t
from attnviz.plots.maps import token_labels


def method_heatmap(scores: dict[str, torch.Tensor], tokens: list[str], title: str, lang: str = "en") -> go.Figure:
    """One row per method, one column per token: colour = the row scaled by its largest |value|, text = the value.

    Args:
        scores: method name (``attnviz.analysis.attribution.METHODS``) -> float ``[pos]``.
        tokens: the n token strings (raw; escaped here).
    """
    names = [t(f"attr_method_{name}", lang) for name in scores]
    rows = torch.stack([s.float() for s in scores.values()])  # [method, pos]
    scaled = rows / rows.abs().amax(-1, keepdim=True).clamp_min(1e-12)
    labels = token_labels(tokens)
    fig = go.Figure(
        go.Heatmap(
            z=scaled.numpy(),
            x=labels,
            y=names,
            text=[[f"{v:.3g}" for v in row] for row in rows.tolist()],
            texttemplate="%{text}",
            colorscale="RdBu",
            zmid=0,
            zmin=-1,
            zmax=1,
            colorbar={"title": t("attr_scaled", lang)},
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=140 + 48 * len(names), yaxis={"autorange": "reversed"}, xaxis={"type": "category"}, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def completeness_bars(total: float, change: float, gap: float, steps: int, lang: str = "en") -> go.Figure:
    """Σ integrated-gradients attributions beside f(x) − f(baseline), the gap in the title."""
    fig = go.Figure(
        go.Bar(
            x=[t("attr_sum", lang), t("attr_change", lang)],
            y=[total, change],
            text=[f"{total:.4g}", f"{change:.4g}"],
            textposition="auto",
            marker_color=["#1f77b4", "#ff7f0e"],
        )
    )
    fig.update_layout(title=t("attr_complete_title", lang, gap=f"{gap:.2%}", steps=steps), height=320, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def head_map(values: torch.Tensor, title: str, colorbar: str, lang: str = "en", diverging: bool = True) -> go.Figure:
    """A ``[layer, head]`` map (layers as rows, top to bottom), each cell's (layer, head) in ``customdata``.

    ``diverging``: a red-blue scale centred on 0 (changes of either sign); else a sequential one from 0.
    """
    n_layers, n_heads = values.shape
    custom = [[[layer, head] for head in range(n_heads)] for layer in range(n_layers)]
    layer_word, head_word = t("instr_layer", lang), t("instr_head", lang)
    fig = go.Figure(
        go.Heatmap(
            z=values.float().numpy(),
            x=list(range(n_heads)),
            y=list(range(n_layers)),
            customdata=custom,
            colorscale="RdBu" if diverging else "Viridis",
            zmid=0 if diverging else None,
            colorbar={"title": colorbar},
            hovertemplate=f"{html.escape(layer_word)} %{{y}}, {html.escape(head_word)} %{{x}}: %{{z:.4g}}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        height=max(320, 24 * n_layers + 120),
        xaxis={"title": head_word, "dtick": 1},
        yaxis={"title": layer_word, "autorange": "reversed", "dtick": 1 if n_layers <= 12 else 5},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig
