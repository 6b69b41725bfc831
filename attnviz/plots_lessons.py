"""Plotly figures of the lessons. No model runs here, and no Streamlit.

Every label that may hold user text (tokens, words, item titles) is HTML-escaped with
``plots.token_labels`` before it reaches a figure, and titles (translated, possibly
holding a typed word) with ``html.escape``.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
import torch

from attnviz.plots import HEAD_COLOURS, token_labels


def _escape(text: str) -> str:
    """HTML-escape &, < and > (plotly shows a named entity such as &quot; literally in titles)."""
    return html.escape(text, quote=False)


def _numpy(values) -> np.ndarray:
    return values.detach().float().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values, dtype=float)


def matrix_heatmap(
    z,
    row_labels: list[str] | None = None,
    col_labels: list[str] | None = None,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    colorscale: str = "Blues",
    zmid: float | None = None,
    zmin: float | None = None,
    zmax: float | None = None,
    colorbar_title: str = "",
    annotate: bool = False,
) -> go.Figure:
    """A matrix ``[rows, cols]`` as a heatmap, row 0 at the top.

    Args:
        row_labels, col_labels: tick labels (raw text; escaped and made unique here), or None
            for plain indices (e.g. positions and dimensions).
        zmid: centre of a diverging colour scale (e.g. 0 for "RdBu").
        annotate: write each cell's value (for small matrices).
    """
    values = _numpy(z)
    rows, cols = values.shape
    trace = go.Heatmap(
        z=values,
        x=list(range(cols)),
        y=list(range(rows)),
        colorscale=colorscale,
        zmid=zmid,
        zmin=zmin,
        zmax=zmax,
        colorbar={"title": _escape(colorbar_title)},
        hovertemplate="%{y}, %{x}: %{z:.4f}<extra></extra>",
    )
    if annotate:
        trace.update(text=np.vectorize(lambda v: f"{v:.2f}")(values), texttemplate="%{text}")
    fig = go.Figure(trace)
    for axis, labels, n in ((fig.update_xaxes, col_labels, cols), (fig.update_yaxes, row_labels, rows)):
        if labels is not None:
            axis(tickmode="array", tickvals=list(range(n)), ticktext=token_labels(labels))
    fig.update_xaxes(title=_escape(x_title), side="top", showgrid=False)
    fig.update_yaxes(title=_escape(y_title), autorange="reversed", showgrid=False)
    fig.update_layout(title=_escape(title), height=min(900, 220 + 24 * max(rows, 8)), margin={"t": 110})
    return fig


def bar_chart(labels: list[str], values, title: str = "", x_title: str = "", y_title: str = "", highlight: int | None = None) -> go.Figure:
    """Vertical bars, one per label (escaped), the ``highlight``-th drawn in a second colour."""
    heights = _numpy(values)
    colours = [HEAD_COLOURS[1] if i == highlight else HEAD_COLOURS[0] for i in range(len(heights))]
    fig = go.Figure(go.Bar(x=token_labels(labels), y=heights, marker_color=colours, hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    fig.update_layout(title=_escape(title), xaxis_title=_escape(x_title), yaxis_title=_escape(y_title), height=360)
    return fig


def actual_vs_shared(actual, shared, title: str = "", x_title: str = "", y_title: str = "", hover: list[str] | None = None) -> go.Figure:
    """One point per head: x the actual value, y the value with a shared W, and the line y = x."""
    x, y = _numpy(actual).ravel(), _numpy(shared).ravel()
    hover = None if hover is None else [_escape(h) for h in hover]
    top = float(max(x.max(), y.max(), 1e-9))
    fig = go.Figure(
        [
            go.Scatter(x=x, y=y, mode="markers", text=hover, hovertemplate="%{text}: %{x:.3f} → %{y:.3f}<extra></extra>", showlegend=False),
            go.Scatter(x=[0, top], y=[0, top], mode="lines", line={"dash": "dot", "color": "grey"}, hoverinfo="skip", showlegend=False),
        ]
    )
    fig.update_layout(title=_escape(title), xaxis_title=_escape(x_title), yaxis_title=_escape(y_title), height=420)
    return fig
