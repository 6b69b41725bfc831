"""Plotly figures of the lessons. No model runs here, and no Streamlit.

Every label that may hold user text (tokens, words, item titles) is HTML-escaped with
``plots.token_labels`` before it reaches a figure, and titles (translated, possibly
holding a typed word) with ``html.escape``.
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go
import torch

from attnviz.plots.maps import HEAD_COLOURS, token_labels


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


# Lesson 9: a positive preference (the first candidate) is red, a negative one (the second) blue.
PREFERENCE_COLOURS = {"first": "#b2182b", "none": "#f7f7f7", "second": "#2166ac"}
PREFERENCE_SCALE = [[0.0, PREFERENCE_COLOURS["second"]], [0.5, PREFERENCE_COLOURS["none"]], [1.0, PREFERENCE_COLOURS["first"]]]
SHIFT_COLOURS = {"right": "#1a9850", "wrong": "#d95f02", "small": "#bdbdbd"}


def grid_map(values, title: str = "", x_title: str = "", y_title: str = "", **heatmap_args) -> go.Figure:
    """``matrix_heatmap`` (layer × head, head × head, position × dimension …) with its x axis at the bottom.

    The title then stands alone at the top; a top axis title would run into it.
    """
    fig = matrix_heatmap(values, title=title, x_title=x_title, y_title=y_title, **heatmap_args)
    fig.update_xaxes(side="bottom")
    fig.update_layout(margin={"t": 60})
    return fig


def preference_map(
    values,
    limit: float,
    first: str,
    second: str,
    title: str = "",
    layer_title: str = "",
    head_title: str = "",
    right: list[tuple[int, int]] = (),
    wrong: list[tuple[int, int]] = (),
) -> go.Figure:
    """A preference per head ``[layer, head]`` (weight on ``first`` − weight on ``second``) as a heatmap.

    The colour range is ``[-limit, limit]`` (pass the same limit to every map that is compared):
    red (``PREFERENCE_COLOURS["first"]``) for a positive preference, blue for a negative one. The
    colour bar names the word each end stands for. ``right`` heads get a solid black frame,
    ``wrong`` heads a dashed one.

    Raises:
        ValueError: for a limit that is not positive.
    """
    if not limit > 0:
        raise ValueError(f"the colour range limit must be positive, not {limit}")
    z = _numpy(values)
    fig = grid_map(z, title=title, x_title=head_title, y_title=layer_title, colorscale=PREFERENCE_SCALE, zmin=-limit, zmax=limit)
    fig.update_traces(
        colorbar={
            "tickvals": [-limit, 0, limit],
            "ticktext": [f"{_escape(second)} {-limit:.2f}", "0", f"{_escape(first)} +{limit:.2f}"],
        }
    )
    for heads, dash in ((right, "solid"), (wrong, "dot")):
        for layer, head in heads:
            fig.add_shape(type="rect", x0=head - 0.5, x1=head + 0.5, y0=layer - 0.5, y1=layer + 0.5, line={"color": "black", "width": 3, "dash": dash})
    fig.update_layout(height=160 + 45 * z.shape[0])
    return fig


def shift_chart(shift, threshold: float, title: str = "", x_title: str = "", y_title: str = "") -> go.Figure:
    """Every head's shift ``[layer, head]`` as one bar, sorted, with dashed lines at ±``threshold``.

    Bars at or beyond +threshold are green (towards the right referent), at or beyond
    −threshold orange (the wrong way), the rest grey. The hover names the head ("L3 H1").
    """
    values = _numpy(shift)
    names = [f"L{l} H{h}" for l in range(values.shape[0]) for h in range(values.shape[1])]
    flat = values.ravel()
    order = np.argsort(flat)
    margin = max(threshold, 1e-12)
    colours = [SHIFT_COLOURS["right"] if v >= margin else SHIFT_COLOURS["wrong"] if v <= -margin else SHIFT_COLOURS["small"] for v in flat[order]]
    fig = go.Figure(
        go.Bar(
            x=list(range(len(flat))), y=flat[order], marker_color=colours, customdata=[names[i] for i in order],
            hovertemplate="%{customdata}: %{y:.4f}<extra></extra>",
        )
    )  # fmt: skip
    for level in (threshold, -threshold):
        fig.add_hline(y=level, line={"dash": "dash", "color": "#555", "width": 1})
    fig.update_xaxes(title=_escape(x_title), showticklabels=False)
    fig.update_yaxes(title=_escape(y_title), zeroline=True)
    fig.update_layout(title=_escape(title), height=360)
    return fig


# Lesson 7: the boxes of Vaswani et al. 2017, Figure 1: id -> (column, row, inside the N× stack).
# Column 0 is the encoder, 1 the decoder; rows count upwards from the input.
DIAGRAM_BOXES = {
    "enc_embed": (0, 0, False), "enc_pos": (0, 1, False),
    "enc_attn": (0, 2.2, True), "enc_norm1": (0, 3.2, True), "enc_ffn": (0, 4.2, True), "enc_norm2": (0, 5.2, True),
    "dec_embed": (1, 0, False), "dec_pos": (1, 1, False),
    "dec_masked": (1, 2.2, True), "dec_norm1": (1, 3.2, True), "dec_cross": (1, 4.2, True), "dec_norm2": (1, 5.2, True),
    "dec_ffn": (1, 6.2, True), "dec_norm3": (1, 7.2, True),
    "dec_linear": (1, 8.4, False), "dec_softmax": (1, 9.4, False),
}  # fmt: skip
DIAGRAM_X = {0: 0.0, 1: 2.6}
_HALF_WIDTH, _HALF_HEIGHT = 0.85, 0.32
_FILL = {"attn": "#fee6ce", "masked": "#fee6ce", "cross": "#fee6ce", "norm": "#f0f0f0", "ffn": "#deebf7"}


def _fill(box: str) -> str:
    """A box's colour by its kind: attention orange, Add & Norm grey, feed-forward blue, the rest white."""
    return _FILL.get(box.split("_")[1].rstrip("0123456789"), "white")


def stack_frames() -> dict[int, tuple[float, float]]:
    """The (bottom, top) of each column's N× frame around its repeated boxes, in diagram rows."""
    frames = {}
    for col in DIAGRAM_X:
        rows = [row for c, row, in_stack in DIAGRAM_BOXES.values() if c == col and in_stack]
        frames[col] = (min(rows) - _HALF_HEIGHT - 0.25, max(rows) + _HALF_HEIGHT + 0.25)
    return frames


def transformer_diagram(labels: dict[str, str], encoder_title: str, decoder_title: str, cross_label: str, repeat_label: str) -> go.Figure:
    """The encoder and the decoder as in Vaswani et al. 2017, Figure 1, input at the bottom.

    Each column's repeated block is drawn inside a frame marked ``repeat_label`` ("N ×");
    the decoder's final linear layer and softmax sit above its frame, outside the repetition.
    The red arrow carries the encoder's output into the decoder's cross-attention (its keys
    and values).

    Args:
        labels: a (translated) label for every id of ``DIAGRAM_BOXES``.
    """
    fig = go.Figure()
    frames = stack_frames()
    for col, (bottom, top) in frames.items():
        x = DIAGRAM_X[col]
        fig.add_shape(type="rect", x0=x - _HALF_WIDTH - 0.15, x1=x + _HALF_WIDTH + 0.15, y0=bottom, y1=top, line={"color": "#888", "width": 2}, fillcolor="rgba(0,0,0,0)", layer="below", name=f"stack{col}")
        side = -1 if col == 0 else 1
        fig.add_annotation(x=x + side * (_HALF_WIDTH + 0.45), y=(bottom + top) / 2, text=f"<b>{_escape(repeat_label)}</b>", showarrow=False, font={"size": 15})
        fig.add_annotation(x=x, y=-0.9, text=f"<b>{_escape(encoder_title if col == 0 else decoder_title)}</b>", showarrow=False)
    for box, (col, row, _) in DIAGRAM_BOXES.items():
        x = DIAGRAM_X[col]
        fig.add_shape(type="rect", x0=x - _HALF_WIDTH, x1=x + _HALF_WIDTH, y0=row - _HALF_HEIGHT, y1=row + _HALF_HEIGHT, fillcolor=_fill(box), line={"color": "#555"}, name=box)
        fig.add_annotation(x=x, y=row, text=_escape(labels[box]), showarrow=False, name=box)
    for col in DIAGRAM_X:
        rows = sorted(row for c, row, _ in DIAGRAM_BOXES.values() if c == col)
        x = DIAGRAM_X[col]
        for below, above in zip(rows, rows[1:]):
            fig.add_annotation(x=x, y=above - _HALF_HEIGHT, ax=x, ay=below + _HALF_HEIGHT, xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, text="")
    enc_top = DIAGRAM_BOXES["enc_norm2"][1] + _HALF_HEIGHT
    cross = DIAGRAM_BOXES["dec_cross"][1]
    fig.add_annotation(
        x=DIAGRAM_X[1] - _HALF_WIDTH, y=cross, ax=DIAGRAM_X[0], ay=frames[0][1] + 0.5, xref="x", yref="y", axref="x", ayref="y",
        showarrow=True, arrowhead=2, arrowwidth=2, arrowcolor="#d62728", text="",
    )  # fmt: skip
    fig.add_shape(type="line", x0=DIAGRAM_X[0], x1=DIAGRAM_X[0], y0=enc_top, y1=frames[0][1] + 0.5, line={"color": "#d62728", "width": 2})
    fig.add_annotation(x=(DIAGRAM_X[0] + DIAGRAM_X[1]) / 2, y=frames[0][1] + 0.75, text=_escape(cross_label), showarrow=False, font={"color": "#d62728"})
    fig.update_xaxes(visible=False, range=[-1.9, 4.5])
    fig.update_yaxes(visible=False, range=[-1.3, 10.0])
    fig.update_layout(height=640, plot_bgcolor="white", margin={"t": 20, "b": 20, "l": 10, "r": 10}, showlegend=False)
    return fig


# Lesson 8: decade tick labels on the log axes.
_UNITS = {
    "seconds": ((1e-9, "ns"), (1e-6, "µs"), (1e-3, "ms"), (1.0, "s")),
    "peak_bytes": ((1.0, "B"), (1e3, "kB"), (1e6, "MB"), (1e9, "GB")),
}


def decade_ticks(low: float, high: float, unit: str) -> tuple[list[float], list[str]]:
    """Tick values at every power of ten from below ``low`` to above ``high``, labelled with a unit ("10 µs", "1 MB").

    Args:
        unit: "seconds" or "peak_bytes".
    """
    values, labels = [], []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        value = 10.0**power
        scale, name = max((u for u in _UNITS[unit] if u[0] <= value * (1 + 1e-9)), default=_UNITS[unit][0])
        values.append(value)
        labels.append(f"{value / scale:.3g} {name}")
    return values, labels


def cost_loglog(
    series: dict[str, tuple[list[int], list[float]]], labels: dict[str, str], unit: str, title: str = "", x_title: str = "", y_title: str = ""
) -> go.Figure:
    """Measured cost against n on log-log axes: one line per layer, named by ``labels`` (e.g. with its fitted p).

    The n axis is ticked at the measured lengths, the cost axis at powers of ten with units.

    Args:
        series: layer name -> (lengths, costs); layers without points are left out.
        unit: "seconds" or "peak_bytes".
    """
    fig = go.Figure()
    values = [v for _, ys in series.values() for v in ys if v > 0]
    lengths = sorted({n for ns, _ in series.values() for n in ns})
    for i, (name, (ns, ys)) in enumerate(series.items()):
        if not ns:
            continue
        fig.add_trace(
            go.Scatter(x=ns, y=ys, mode="lines+markers", name=_escape(labels[name]), line={"color": HEAD_COLOURS[i % len(HEAD_COLOURS)]})
        )
    fig.update_xaxes(type="log", title=_escape(x_title), tickmode="array", tickvals=lengths, ticktext=[str(n) for n in lengths])
    if values:
        tickvals, ticktext = decade_ticks(min(values), max(values), unit)
        fig.update_yaxes(tickmode="array", tickvals=tickvals, ticktext=ticktext)
    fig.update_yaxes(type="log", title=_escape(y_title))
    fig.update_layout(title=_escape(title), height=440, legend={"orientation": "h", "y": -0.2})
    return fig
