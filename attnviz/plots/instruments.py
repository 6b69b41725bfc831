"""Plotly figures of the instruments: the head finder's layer × head map and examples, the logit lens.

Arrays and strings in, ``go.Figure`` out; no model runs here and no Streamlit. Every token
is escaped (``plots.maps.token_labels``, or ``html.escape`` for cell text) before it reaches
a figure.
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go
import torch

from attnviz.i18n import t
from attnviz.plots.maps import token_labels

CELL_CHARS = 8  # a lens cell shows at most this many characters of its token
LABELLED_MAX = 30  # a head card's example names its tokens on the axes up to this many


def metric_map_height(n_layers: int) -> int:
    """The head finder map's height in pixels for ``n_layers`` rows (the table beside it takes the same)."""
    return 130 + (44 if n_layers <= 12 else 24) * n_layers


def metric_map(values: np.ndarray, metric: str, title: str = "", lang: str = "en", selected: tuple[int, int] | None = None) -> go.Figure:
    """One metric of every head as a layer × head heatmap; clicking a cell selects that head.

    Args:
        values: float ``[layer, head]`` (NaN cells are left blank).
        metric: the metric's name as shown (already translated).
        selected: the (layer, head) drawn with an outline.

    An invisible marker at each cell's centre carries ``customdata = [layer, head]``, so a
    point selection (Streamlit ``on_select``) tells which head was clicked.
    """
    n_layers, n_heads = values.shape
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 1.0
    zmax = 1.0 if 0 <= top <= 1 else top  # a weight is on 0 … 1; entropy and distances on their own range
    cells = [(layer, head) for layer in range(n_layers) for head in range(n_heads)]
    where = f"{t('layer', lang)} %{{customdata[0]}}, {t('head', lang)} %{{customdata[1]}}"
    traces = [
        go.Heatmap(z=values, x=list(range(n_heads)), y=list(range(n_layers)), zmin=0, zmax=zmax, colorscale="Blues", colorbar={"title": html.escape(metric)}, hoverinfo="skip"),
        go.Scatter(
            x=[h for _, h in cells], y=[l for l, _ in cells], customdata=[[l, h, float(values[l, h])] for l, h in cells],
            mode="markers", marker={"size": 18, "opacity": 0.01, "symbol": "square"}, showlegend=False,
            hovertemplate=f"{where}<br>{html.escape(metric)}: %{{customdata[2]:.3f}}<extra></extra>",
        ),
    ]  # fmt: skip
    if selected is not None:
        traces.append(go.Scatter(x=[selected[1]], y=[selected[0]], mode="markers", hoverinfo="skip", showlegend=False, marker={"size": 20, "symbol": "square-open", "color": "#d62728", "line": {"width": 3}}))
    fig = go.Figure(traces)
    fig.update_xaxes(title=t("head", lang), range=[-0.5, n_heads - 0.5], dtick=1, tickangle=0, showgrid=False, zeroline=False)
    fig.update_yaxes(title=t("layer", lang), range=[n_layers - 0.5, -0.5], dtick=1 if n_layers <= 12 else 2, showgrid=False, zeroline=False)
    fig.update_layout(title=title, height=metric_map_height(n_layers), margin={"t": 60, "l": 60, "r": 20, "b": 50}, plot_bgcolor="white", dragmode=False)
    return fig


def example_map(pattern: torch.Tensor, tokens: list[str], attn_mask: torch.Tensor | None = None, title: str = "", lang: str = "en") -> go.Figure:
    """One head's pattern on one probe input as a small heatmap (a head card's example).

    Args:
        pattern: float ``[query_pos, key_pos]``.
        tokens: the n tokens (raw; escaped here).
        attn_mask: optional bool ``[query_pos, key_pos]``; masked cells are drawn grey.

    Up to ``LABELLED_MAX`` tokens the axes name them; above, only the hover does.

    Raises:
        ValueError: if the pattern is not n × n for the n tokens.
    """
    n = len(tokens)
    if tuple(pattern.shape) != (n, n):
        raise ValueError(f"pattern has shape {tuple(pattern.shape)} but there are {n} tokens; pass one head's [query_pos, key_pos] map")
    weights = pattern.detach().float().numpy()
    shown = weights if attn_mask is None else np.where(attn_mask.numpy(), weights, np.nan)
    labels = token_labels(tokens)
    hover = [[f"{t('query', lang)}: {labels[i]}<br>{t('key', lang)}: {labels[j]}<br>{t('weight', lang)}: {weights[i, j]:.3f}" for j in range(n)] for i in range(n)]
    fig = go.Figure(go.Heatmap(z=shown, zmin=0, zmax=1, colorscale="Blues", text=hover, hovertemplate="%{text}<extra></extra>", showscale=False))
    named = n <= LABELLED_MAX  # a longer input's labels would overprint each other: its tokens show on hover
    axis = {"tickmode": "array", "tickvals": list(range(n)), "ticktext": labels, "tickfont": {"size": 8 if n > 24 else 10}, "showgrid": False, "showticklabels": named}
    fig.update_xaxes(**axis, side="top", tickangle=-90, constrain="domain", title=None if named else t("key_token", lang))
    fig.update_yaxes(**axis, autorange="reversed", scaleanchor="x", constrain="domain", title=None if named else t("query_token", lang))  # square cells, no background margin
    fig.update_layout(title={"text": title, "font": {"size": 13}}, height=420, margin={"t": 110, "l": 10, "r": 10, "b": 10}, plot_bgcolor="#d9d9d9")
    return fig


def _cell(token: str) -> str:
    """A lens cell's text: the token escaped and cut to ``CELL_CHARS``; spaces-only tokens as ␣ (blank otherwise)."""
    token = "␣" * len(token) if token and not token.strip(" ") else token
    shown = token if len(token) <= CELL_CHARS else token[: CELL_CHARS - 1] + "…"
    return html.escape(shown, quote=False)


def lens_map(
    top_tokens: list[list[list[str]]],
    top_probs: np.ndarray,
    final_tokens: list[str],
    final_rank: np.ndarray,
    final_probs: np.ndarray,
    input_tokens: list[str],
    colour: str = "probability",
    title: str = "",
    lang: str = "en",
) -> go.Figure:
    """The logit lens as a layer × position heatmap, each cell showing the top token read there.

    Args:
        top_tokens: ``[layer][pos][k]`` strings, each layer's k most probable next tokens (raw; escaped here).
        top_probs: float ``[layer, pos, k]``, their probabilities.
        final_tokens: ``[pos]``, the model's final prediction after each position.
        final_rank: int ``[layer, pos]``, that prediction's rank in each layer's reading (1 = top).
        final_probs: float ``[layer, pos]``, its probability there.
        input_tokens: ``[pos]``, the input token at each position (the x axis).
        colour: ``"probability"`` (of the final prediction, 0 … 1) or ``"rank"`` (log₁₀ of its rank, 1 darkest).

    Raises:
        ValueError: for an unknown ``colour``.
    """
    if colour not in ("probability", "rank"):
        raise ValueError(f"colour must be 'probability' or 'rank', got {colour!r}")
    n_layers, n_pos = final_rank.shape
    finals = [html.escape(tok, quote=False) for tok in final_tokens]
    hover = [
        [
            f"{t('layer', lang)} {layer} · {t('lens_input', lang)}: {html.escape(input_tokens[p], quote=False)}<br>"
            + "<br>".join(f"“{html.escape(tok, quote=False)}” {prob:.3f}" for tok, prob in zip(top_tokens[layer][p], top_probs[layer, p], strict=True))
            + f"<br>{t('lens_final', lang)} “{finals[p]}”: {t('lens_rank', lang)} {int(final_rank[layer, p])}, {t('lens_probability', lang)} {final_probs[layer, p]:.3f}"
            for p in range(n_pos)
        ]
        for layer in range(n_layers)
    ]
    if colour == "probability":
        z, scale = final_probs, {"zmin": 0, "zmax": 1, "colorscale": "Blues", "colorbar": {"title": t("lens_probability", lang)}}
    else:
        top = max(1.0, math.log10(float(final_rank.max())))
        ticks = [v for v in range(int(top) + 1)]
        z = np.log10(final_rank.astype(float))
        scale = {"zmin": 0, "zmax": top, "colorscale": "Blues", "reversescale": True, "colorbar": {"title": t("lens_rank", lang), "tickvals": ticks, "ticktext": [f"{10**v:,}" for v in ticks]}}
    text = [[_cell(top_tokens[layer][p][0]) for p in range(n_pos)] for layer in range(n_layers)]
    fig = go.Figure(go.Heatmap(z=z, x=list(range(n_pos)), y=list(range(n_layers)), text=text, texttemplate="%{text}", textfont={"size": 9}, customdata=hover, hovertemplate="%{customdata}<extra></extra>", **scale))
    fig.update_xaxes(tickmode="array", tickvals=list(range(n_pos)), ticktext=token_labels(input_tokens), title=t("lens_input", lang), tickangle=-60, showgrid=False)
    fig.update_yaxes(title=t("layer", lang), dtick=1 if n_layers <= 12 else 2, showgrid=False)
    fig.update_layout(title=title, height=200 + 24 * n_layers, margin={"t": 60, "b": 120})
    return fig


def rank_by_layer(ranks: np.ndarray, title: str = "", lang: str = "en") -> go.Figure:
    """The final prediction's rank in each layer's reading (1 = top), on a log axis.

    Args:
        ranks: int ``[layer]``.
    """
    layers = list(range(len(ranks)))
    fig = go.Figure(go.Scatter(x=layers, y=ranks.tolist(), mode="lines+markers", hovertemplate=f"{t('layer', lang)} %{{x}}<br>{t('lens_rank', lang)} %{{y:,}}<extra></extra>"))
    fig.update_xaxes(title=t("layer", lang), dtick=1 if len(layers) <= 12 else 2)
    fig.update_yaxes(title=t("lens_rank", lang), type="log", autorange="reversed")
    fig.update_layout(title=title, height=340, margin={"t": 60})
    return fig
