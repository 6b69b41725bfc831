"""Plotly figures from captured arrays and tokens. No model runs here, and no Streamlit.

Every token is HTML-escaped before it reaches a figure (plotly renders a subset of HTML
in labels and hover text), so ``<img src=x onerror=...>`` shows as text.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
import torch

from attnviz.i18n import t

HEAD_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
]  # fmt: skip


def token_labels(tokens: list[str]) -> list[str]:
    """Escaped axis labels, made unique by position where a token repeats.

    Only ``&``, ``<`` and ``>`` are escaped: plotly decodes those entities but would show
    ``&quot;`` literally, and quotes cannot open a tag.
    """
    labels = [html.escape(tok, quote=False) for tok in tokens]
    return [f"{label} ·{i}" if tokens.count(tok) > 1 else label for i, (tok, label) in enumerate(zip(tokens, labels, strict=True))]


def attention_heatmap(
    pattern: torch.Tensor,
    tokens: list[str],
    scores_raw: torch.Tensor | None = None,
    attn_mask: torch.Tensor | None = None,
    title: str = "",
    lang: str = "en",
) -> go.Figure:
    """One attention pattern as a heatmap: rows are query tokens, columns key tokens.

    Args:
        pattern: float ``[query_pos, key_pos]``, softmax weights in [0, 1].
        tokens: the n token strings (raw; they are escaped here).
        scores_raw: optional float ``[query_pos, key_pos]``, shown on hover.
        attn_mask: optional bool ``[query_pos, key_pos]``; masked cells are drawn grey
            and their hover says "masked".
        title: figure title (already translated).
        lang: language of axis titles and hover text.

    Raises:
        ValueError: if the shapes do not match the number of tokens.
    """
    n = len(tokens)
    if tuple(pattern.shape) != (n, n):
        raise ValueError(f"pattern has shape {tuple(pattern.shape)} but there are {n} tokens; pass one head's [query_pos, key_pos] map")
    labels = token_labels(tokens)
    weights = pattern.detach().float().numpy()
    allowed = np.ones((n, n), dtype=bool) if attn_mask is None else attn_mask.numpy()
    shown = np.where(allowed, weights, np.nan)  # masked cells are gaps, drawn in the background grey
    raw = scores_raw.detach().float().numpy() if scores_raw is not None else np.full((n, n), np.nan)
    masked_word = t("masked", lang)
    hover = np.array(
        [
            [
                f"{t('query', lang)}: {labels[i]}<br>{t('key', lang)}: {labels[j]}<br>"
                + (
                    f"{t('weight', lang)}: {weights[i, j]:.4f}<br>{t('raw_score', lang)}: {raw[i, j]:.4f}"
                    if allowed[i, j]
                    else f"{masked_word} ({t('weight', lang)} 0)"
                )
                for j in range(n)
            ]
            for i in range(n)
        ]
    )
    fig = go.Figure(
        go.Heatmap(
            z=shown,
            x=list(range(n)),
            y=list(range(n)),
            zmin=0,
            zmax=float(np.nanmax(shown)) if np.isfinite(shown).any() else 1.0,
            colorscale="Blues",
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            colorbar={"title": t("weight", lang)},
        )
    )
    axis = {"tickmode": "array", "tickvals": list(range(n)), "ticktext": labels, "showgrid": False}
    fig.update_xaxes(**axis, title=t("key_token", lang), side="top", tickangle=-60)
    fig.update_yaxes(**axis, title=t("query_token", lang), autorange="reversed")
    size = min(900, 260 + 22 * n)
    fig.update_layout(title=title, height=size, plot_bgcolor="#d9d9d9", margin={"t": 120})
    return fig


def model_view(pattern: torch.Tensor, tokens: list[str], lang: str = "en", max_tokens: int = 48) -> go.Figure:
    """All layers × heads as small maps tiled on one canvas, one trace; clicking a map selects it.

    Args:
        pattern: float ``[layer, head, query_pos, key_pos]``.
        tokens: the n token strings.
        max_tokens: only the first ``max_tokens`` queries and keys are drawn per map.

    The invisible marker at each map's centre carries ``customdata = [layer, head]`` so a
    point selection (Streamlit ``on_select``) tells which head was clicked.
    """
    n_layers, n_heads, n, _ = pattern.shape
    m = min(n, max_tokens)
    gap = max(1, m // 8)
    step = m + gap
    canvas = np.full((n_layers * step - gap, n_heads * step - gap), np.nan)
    custom = np.full(canvas.shape + (4,), -1, dtype=int)
    for layer in range(n_layers):
        for head in range(n_heads):
            r, c = layer * step, head * step
            canvas[r : r + m, c : c + m] = pattern[layer, head, :m, :m].numpy()
            custom[r : r + m, c : c + m] = np.stack(
                np.broadcast_arrays(layer, head, np.arange(m)[:, None], np.arange(m)[None, :]), axis=-1
            )
    labels = token_labels(tokens)
    hover = np.vectorize(
        lambda layer, head, i, j: ""
        if layer < 0
        else f"{t('layer', lang)} {layer}, {t('head', lang)} {head}<br>{labels[i]} → {labels[j]}"
    )(custom[..., 0], custom[..., 1], custom[..., 2], custom[..., 3])
    centres = [(layer, head) for layer in range(n_layers) for head in range(n_heads)]
    fig = go.Figure(
        [
            go.Heatmap(z=canvas, colorscale="Blues", zmin=0, zmax=1, showscale=False, text=hover, hovertemplate="%{text}<br>%{z:.3f}<extra></extra>"),
            go.Scatter(
                x=[head * step + (m - 1) / 2 for _, head in centres],
                y=[layer * step + (m - 1) / 2 for layer, _ in centres],
                customdata=centres,
                mode="markers",
                marker={"size": 28, "opacity": 0.01, "symbol": "square"},
                hovertemplate=f"{t('layer', lang)} %{{customdata[0]}}, {t('head', lang)} %{{customdata[1]}}<extra></extra>",
                showlegend=False,
            ),
        ]
    )
    fig.update_xaxes(
        tickmode="array", tickvals=[h * step + (m - 1) / 2 for h in range(n_heads)], ticktext=[str(h) for h in range(n_heads)],
        title=t("head", lang), side="top", showgrid=False, zeroline=False,
    )  # fmt: skip
    fig.update_yaxes(
        tickmode="array", tickvals=[l * step + (m - 1) / 2 for l in range(n_layers)], ticktext=[str(l) for l in range(n_layers)],
        title=t("layer", lang), autorange="reversed", showgrid=False, zeroline=False, scaleanchor="x",
    )  # fmt: skip
    fig.update_layout(height=120 + 70 * n_layers, margin={"t": 60, "l": 60, "r": 20, "b": 20}, plot_bgcolor="white", dragmode=False)
    return fig


def head_lines(
    pattern: torch.Tensor, tokens: list[str], heads: list[int], title: str = "", lang: str = "en", min_weight: float = 0.02
) -> go.Figure:
    """The bertviz-style head view: lines from each query token (left) to the keys (right).

    Args:
        pattern: float ``[head, query_pos, key_pos]`` of one layer.
        heads: which heads to draw; each gets its own colour.
        min_weight: lines for weights below this are left out.

    A line's opacity grows with its weight (weights are bucketed into five levels so that
    a figure needs at most five traces per head).
    """
    n = len(tokens)
    labels = token_labels(tokens)
    fig = go.Figure()
    levels = np.linspace(0, 1, 6)
    for head in heads:
        colour = HEAD_COLOURS[head % len(HEAD_COLOURS)]
        weights = pattern[head].numpy()
        for lo, hi in zip(levels[:-1], levels[1:], strict=True):
            sel = np.argwhere((weights >= max(lo, min_weight)) & (weights < hi if hi < 1 else weights <= hi))
            if len(sel) == 0:
                continue
            xs, ys = [], []
            for i, j in sel:
                xs += [0, 1, None]
                ys += [i, j, None]
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", line={"color": colour, "width": 1 + 4 * hi}, opacity=0.15 + 0.85 * hi,
                    name=f"{t('head', lang)} {head}", legendgroup=str(head), showlegend=False, hoverinfo="skip",
                )
            )  # fmt: skip
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": colour, "width": 4}, name=f"{t('head', lang)} {head}", legendgroup=str(head)))
    hover_rows = [
        "<br>".join(f"{t('head', lang)} {h}: {labels[int(pattern[h, i].argmax())]} ({float(pattern[h, i].max()):.2f})" for h in heads)
        for i in range(n)
    ]
    fig.add_trace(go.Scatter(x=[0] * n, y=list(range(n)), mode="text", text=labels, textposition="middle left", hovertext=hover_rows, hoverinfo="text", showlegend=False))
    fig.add_trace(go.Scatter(x=[1] * n, y=list(range(n)), mode="text", text=labels, textposition="middle right", hoverinfo="skip", showlegend=False))
    fig.update_xaxes(visible=False, range=[-0.6, 1.6])
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(title=title, height=120 + 24 * n, plot_bgcolor="white", margin={"t": 60})
    return fig
