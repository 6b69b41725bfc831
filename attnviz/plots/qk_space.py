"""Plotly figure of a head's query/key space (AttentionViz): queries and keys as points in one plane.

Arrays and strings in, ``go.Figure`` out; no model runs here and no Streamlit. Every token
and context is HTML-escaped before it reaches the figure.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from attnviz.analysis.qk_space import Projection
from attnviz.i18n import t

COLOUR_BY = ("kind", "position")
KIND_COLOURS = {"query": "#2ca02c", "key": "#e377c2"}  # AttentionViz's colours: queries green, keys pink
SYMBOLS = {"query": "circle", "key": "diamond"}


def qk_scatter(proj: Projection, title: str, lang: str = "en", colour_by: str = "kind", height: int = 640) -> go.Figure:
    """The projection's points, one trace for the queries and one for the keys.

    Args:
        proj: ``qk_space.project(...)``: coordinates ``[2n, 2]``, queries first.
        title: the figure title (already translated).
        lang: language of the axis titles, legend and hover text.
        colour_by: "kind" (queries green, keys pink, as AttentionViz) or "position" (a colour
            scale over each token's position in its input, shared by queries and keys).
        height: the figure's height in pixels.

    Queries are circles and keys diamonds in both colourings; hover shows the token, its
    position and its context (the token in ⟦ ⟧).

    Raises:
        ValueError: for a ``colour_by`` other than "kind" or "position".
    """
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by={colour_by!r}: use 'kind' or 'position'")
    top = int(proj.positions.max()) if len(proj.positions) else 0
    traces = []
    for kind in ("query", "key"):
        chosen = (proj.is_key if kind == "key" else ~proj.is_key).nonzero().flatten().tolist()
        hover = [f"{t(kind, lang)}: {html.escape(proj.tokens[i], quote=False)}<br>{t('qk_position', lang)} {int(proj.positions[i])}<br>{html.escape(proj.contexts[i], quote=False)}" for i in chosen]
        if colour_by == "kind":
            marker = {"color": KIND_COLOURS[kind], "size": 6, "opacity": 0.7, "symbol": SYMBOLS[kind]}
        else:
            colour_bar = {"title": t("qk_position", lang)} if kind == "query" else None
            marker = {"color": proj.positions[chosen].tolist(), "colorscale": "Viridis", "cmin": 0, "cmax": max(1, top), "size": 6, "opacity": 0.75, "symbol": SYMBOLS[kind], "showscale": kind == "query", "colorbar": colour_bar}
        traces.append(
            go.Scatter(
                x=proj.coords[chosen, 0].tolist(), y=proj.coords[chosen, 1].tolist(), mode="markers", name=t(f"qk_{kind}_points", lang),
                marker=marker, text=hover, hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip
    fig = go.Figure(traces)
    axis_titles = [t("qk_axis_pc", lang, n=i + 1, share=100 * float(proj.explained[i])) for i in range(2)] if proj.explained is not None else [t("qk_axis_umap", lang, n=i + 1) for i in range(2)]
    fig.update_xaxes(title=axis_titles[0], zeroline=False)
    fig.update_yaxes(title=axis_titles[1], zeroline=False, scaleanchor="x", scaleratio=1)  # one unit is as long on both axes: distances read true
    fig.update_layout(title=title, height=height, plot_bgcolor="white", legend={"orientation": "h", "y": -0.15}, margin={"t": 70})
    return fig
