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


def layer_head_map(values, title: str = "", layer_title: str = "", head_title: str = "", marked: list[tuple[int, int]] = (), diverging: bool = False) -> go.Figure:
    """A value per head, ``[layer, head]``, as a heatmap; ``marked`` heads get a black frame."""
    z = _numpy(values)
    fig = matrix_heatmap(z, title=title, x_title=head_title, y_title=layer_title, colorscale="RdBu" if diverging else "Blues", zmid=0 if diverging else None)
    for layer, head in marked:
        fig.add_shape(type="rect", x0=head - 0.5, x1=head + 0.5, y0=layer - 0.5, y1=layer + 0.5, line={"color": "black", "width": 2})
    fig.update_layout(height=140 + 45 * z.shape[0])
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


def cost_loglog(series: dict[str, tuple[list[int], list[float]]], fits: dict[str, float], title: str = "", x_title: str = "", y_title: str = "") -> go.Figure:
    """Measured cost against n on log-log axes, one line per layer; the legend names the fitted exponent."""
    fig = go.Figure()
    for i, (name, (ns, values)) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=ns, y=values, mode="lines+markers", name=f"{_escape(name)} (p ≈ {fits[name]:.2f})",
                line={"color": HEAD_COLOURS[i % len(HEAD_COLOURS)]},
            )
        )  # fmt: skip
    fig.update_xaxes(type="log", title=_escape(x_title))
    fig.update_yaxes(type="log", title=_escape(y_title))
    fig.update_layout(title=_escape(title), height=420)
    return fig


# Boxes of the Transformer diagram: id -> (column, row); column 0 is the encoder, 1 the decoder.
DIAGRAM_BOXES = {
    "enc_embed": (0, 0), "enc_pos": (0, 1), "enc_attn": (0, 2), "enc_norm1": (0, 3), "enc_ffn": (0, 4), "enc_norm2": (0, 5),
    "dec_embed": (1, 0), "dec_pos": (1, 1), "dec_masked": (1, 2), "dec_cross": (1, 3), "dec_ffn": (1, 4), "dec_out": (1, 5),
}  # fmt: skip


def transformer_diagram(labels: dict[str, str], encoder_title: str, decoder_title: str, cross_label: str) -> go.Figure:
    """The encoder and decoder stacks as boxes, input at the bottom, with the cross-attention arrow.

    Args:
        labels: a (translated) label for every id of ``DIAGRAM_BOXES``.
    """
    fig = go.Figure()
    x_of = {0: 0.0, 1: 2.0}
    for box, (col, row) in DIAGRAM_BOXES.items():
        x, y = x_of[col], row
        fig.add_shape(type="rect", x0=x - 0.8, x1=x + 0.8, y0=y - 0.35, y1=y + 0.35, fillcolor="#deebf7" if col == 0 else "#fee6ce", line={"color": "#555"})
        fig.add_annotation(x=x, y=y, text=_escape(labels[box]), showarrow=False)
        if row:
            fig.add_annotation(x=x, y=y - 0.35, ax=x, ay=y - 0.65, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, text="")
    fig.add_annotation(x=1.2, y=3, ax=0.8, ay=5, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=2, arrowcolor="#d62728", text="")
    fig.add_annotation(x=1.0, y=4.2, text=_escape(cross_label), showarrow=False, font={"color": "#d62728"})
    for col, text in ((0, encoder_title), (1, decoder_title)):
        fig.add_annotation(x=x_of[col], y=6, text=f"<b>{_escape(text)}</b>", showarrow=False)
    fig.update_xaxes(visible=False, range=[-1, 3])
    fig.update_yaxes(visible=False, range=[-0.6, 6.4])
    fig.update_layout(height=520, plot_bgcolor="white", margin={"t": 20, "b": 20}, showlegend=False)
    return fig
