"""Plotly figures from captured arrays and tokens. No model runs here, and no Streamlit.

Every token is HTML-escaped before it reaches a figure (plotly renders a subset of HTML
in labels and hover text), so ``<img src=x onerror=...>`` shows as text.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence

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


# Long inputs: the rerun's wire size stays bounded at any length (at most about 2 MB per page).
FULL_MAX = 64  # up to this many tokens a map is drawn whole, every cell with its own hover
WINDOW_MAX = 64  # the most query (or key) tokens a window draws at full resolution
OVERVIEW_CELLS = 128  # an overview is pooled to at most this many cells per side
MODEL_VIEW_CELLS = 65_536  # the model view's thumbnails together hold at most this many cells
SINK_TOKEN = re.compile(r"^(\[(CLS|SEP)\]|<\|[^|<>]*\|>|</?s>)$")  # [CLS], [SEP], <|im_start|>, <|endoftext|>, <s>, </s>


def clamp_range(lo: int, hi: int, n: int, most: int = WINDOW_MAX) -> range:
    """The token positions ``lo`` … ``hi`` (inclusive, as a range slider gives them) inside ``0 … n − 1``,
    at most ``most`` of them (the first ``most`` from ``lo``)."""
    lo = min(max(0, int(lo)), n - 1)
    hi = min(max(lo, int(hi)), n - 1, lo + most - 1)
    return range(lo, hi + 1)


def sink_keys(tokens: list[str]) -> list[int]:
    """The key positions an "attention sink" toggle hides: the first token and every special token.

    In many heads most of the weight goes to the first token, [CLS] or [SEP] (Clark et al.
    2019, "What does BERT look at?"; Xiao et al. 2024, "attention sinks"): hiding them lets
    the colour scale show how the rest is spread.
    """
    return sorted({0} | {j for j, tok in enumerate(tokens) if SINK_TOKEN.match(tok)}) if tokens else []


def colour_max(pattern: torch.Tensor, attn_mask: torch.Tensor | None = None, hidden_keys: Sequence[int] = ()) -> float:
    """The top of a map's colour scale: its largest allowed weight, hidden key columns left out.

    Args:
        pattern: float ``[query_pos, key_pos]``.
        attn_mask: optional bool ``[query_pos, key_pos]``, True where a query may attend.
        hidden_keys: key positions left out (e.g. ``sink_keys``).
    """
    weights = pattern.detach().float().numpy()
    shown = np.ones(weights.shape, dtype=bool) if attn_mask is None else attn_mask.numpy().copy()
    shown[:, list(hidden_keys)] = False
    return float(weights[shown].max()) if shown.any() else 1.0


def attention_heatmap(
    pattern: torch.Tensor,
    tokens: list[str],
    scores_raw: torch.Tensor | None = None,
    attn_mask: torch.Tensor | None = None,
    title: str = "",
    lang: str = "en",
    queries: range | None = None,
    keys: range | None = None,
    hidden_keys: Sequence[int] = (),
    zmax: float | None = None,
) -> go.Figure:
    """One attention pattern as a heatmap: rows are query tokens, columns key tokens.

    Only the window ``queries`` × ``keys`` is drawn (default: every token), at full
    resolution, every cell with its hover text (query token, key token, weight, raw score);
    for a long input pass a window of at most ``WINDOW_MAX`` tokens each way and show the
    whole map with ``attention_overview``.

    Args:
        pattern: float ``[query_pos, key_pos]``, softmax weights in [0, 1]: a tensor, or
            a ``Lazy`` map (``attnviz.analysis.overview.layer_map``) of which only the
            window's rows are derived.
        tokens: the n token strings (raw; they are escaped here).
        scores_raw: optional float ``[query_pos, key_pos]``, shown on hover (tensor or ``Lazy``).
        attn_mask: optional bool ``[query_pos, key_pos]``; masked cells are drawn grey
            and their hover says "masked".
        title: figure title (already translated).
        lang: language of axis titles and hover text.
        queries, keys: the query and key positions drawn (ranges inside ``0 … n − 1``).
        hidden_keys: key positions left out (e.g. ``sink_keys``); the colour scale then
            runs up to the largest weight of the other keys.
        zmax: the top of the colour scale (default: the largest shown weight of the whole
            map, ``colour_max``; pass the overview's for a window of a long input).

    Raises:
        ValueError: if the shapes do not match the number of tokens, or a window leaves the map.
    """
    n = len(tokens)
    if tuple(pattern.shape) != (n, n):
        raise ValueError(f"pattern has shape {tuple(pattern.shape)} but there are {n} tokens; pass one head's [query_pos, key_pos] map")
    queries = range(n) if queries is None else queries
    keys = range(n) if keys is None else keys
    if not (0 <= queries.start and queries.stop <= n and 0 <= keys.start and keys.stop <= n):
        raise ValueError(f"the window {queries} × {keys} leaves the {n} × {n} map; pick positions from 0 to {n - 1}")
    hidden = set(hidden_keys)
    rows, cols = list(queries), [j for j in keys if j not in hidden]
    labels = token_labels(tokens)
    zmax = colour_max(pattern, attn_mask, hidden_keys) if zmax is None else zmax
    weights = _window(pattern, queries, cols)  # only the window's rows are derived
    allowed = np.ones(weights.shape, dtype=bool) if attn_mask is None else _window(attn_mask, queries, cols)
    raw = _window(scores_raw, queries, cols) if scores_raw is not None else np.full(weights.shape, np.nan)
    shown = np.where(allowed, weights, np.nan)  # masked cells are gaps, drawn in the background grey
    masked_word = t("masked", lang)
    hover = [
        [
            f"{t('query', lang)}: {labels[i]}<br>{t('key', lang)}: {labels[j]}<br>"
            + (
                f"{t('weight', lang)}: {weights[a, b]:.4f}<br>{t('raw_score', lang)}: {raw[a, b]:.4f}"
                if allowed[a, b]
                else f"{masked_word} ({t('weight', lang)} 0)"
            )
            for b, j in enumerate(cols)
        ]
        for a, i in enumerate(rows)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=shown,
            x=list(range(len(cols))),
            y=list(range(len(rows))),
            zmin=0,
            zmax=zmax,
            colorscale="Blues",
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            colorbar={"title": t("weight", lang)},
        )
    )
    small = {"size": 10} if max(len(rows), len(cols)) > 40 else {}
    axis = {"tickmode": "array", "showgrid": False, "tickfont": small}
    fig.update_xaxes(**axis, tickvals=list(range(len(cols))), ticktext=[labels[j] for j in cols], title=t("key_token", lang), side="top", tickangle=-60 if len(cols) <= 24 else -90)
    fig.update_yaxes(**axis, tickvals=list(range(len(rows))), ticktext=[labels[i] for i in rows], title=t("query_token", lang), autorange="reversed")
    size = min(900, 260 + 22 * len(rows)) if len(rows) <= 30 else 220 + 14 * len(rows)
    fig.update_layout(title=title, height=size, plot_bgcolor="#d9d9d9", margin={"t": 120})
    return fig


def _window(values, rows: range, cols: list[int]) -> np.ndarray:
    """``values[rows][:, cols]`` as a numpy array, for a tensor or a ``Lazy`` map (whose rows are derived on indexing)."""
    part = values[rows.start : rows.stop][:, cols]
    return part.numpy() if part.dtype == torch.bool else part.detach().float().numpy()


def _block_names(n: int, block: int, labels: list[str]) -> list[str]:
    """One hover name per block of ``block`` positions: "12 animal" for a single token, "12–15" for a block."""
    return [f"{s} {labels[s]}" if block == 1 else f"{s}–{min(s + block, n) - 1}" for s in range(0, n, block)]


def overview_block(n: int, cells: int = OVERVIEW_CELLS) -> int:
    """The pooling block size (tokens per overview cell) for an ``n``-token map."""
    return max(1, math.ceil(n / cells))


def attention_overview(
    pooled: np.ndarray,
    block: int,
    tokens: list[str],
    title: str = "",
    lang: str = "en",
    queries: range | None = None,
    keys: range | None = None,
    labels_shown: int = 16,
) -> go.Figure:
    """The whole map of a long input, max-pooled to ``[⌈n/block⌉, ⌈n/block⌉]`` cells, the window outlined.

    Each cell is the largest weight in a block of b × b (query, key) pairs (max-pooling
    keeps a single strong weight visible, where a mean would wash it out); NaN cells (no
    allowed pair, or hidden keys) are grey. Labels are thinned to about ``labels_shown`` per
    axis; the hover names the block's positions.

    Args:
        pooled: float ``[cell, cell]``, from ``attnviz.analysis.overview.pooled_map``.
        block: tokens per cell side.
        tokens: the n tokens (escaped here).
        queries, keys: the window drawn at full resolution (outlined in red), if any.

    Raises:
        ValueError: if the pooled map's shape does not match the number of tokens and the block.
    """
    n = len(tokens)
    if pooled.shape != (math.ceil(n / block),) * 2:
        raise ValueError(f"the pooled map has shape {pooled.shape}, but {n} tokens in blocks of {block} give {math.ceil(n / block)} cells per side")
    labels = token_labels(tokens)
    names = _block_names(n, block, labels)
    every = max(1, math.ceil(len(names) / labels_shown))
    ticks = {"tickmode": "array", "tickvals": names[::every], "ticktext": [labels[s * block] for s in range(0, len(names), every)], "showgrid": False, "tickfont": {"size": 10}}
    pooled_word = t("overview_pooled", lang, b=block) if block > 1 else t("weight", lang)
    fig = go.Figure(
        go.Heatmap(
            z=pooled, x=names, y=names, zmin=0, zmax=float(np.nanmax(pooled)) if np.isfinite(pooled).any() else 1.0,
            colorscale="Blues", showscale=False,
            hovertemplate=f"{t('query', lang)}: %{{y}}<br>{t('key', lang)}: %{{x}}<br>{pooled_word}: %{{z:.4f}}<extra></extra>",
        )
    )  # fmt: skip
    if queries is not None and keys is not None:
        fig.add_shape(
            type="rect", x0=keys.start / block - 0.5, x1=(keys.stop - 1) / block + 0.5, y0=queries.start / block - 0.5, y1=(queries.stop - 1) / block + 0.5,
            line={"color": "#d62728", "width": 2},
        )  # fmt: skip
    fig.update_xaxes(**ticks, type="category", side="top", tickangle=-90, title=t("key_token", lang), constrain="domain")
    fig.update_yaxes(**ticks, type="category", autorange="reversed", title=t("query_token", lang), scaleanchor="x", constrain="domain")
    fig.update_layout(title={"text": title, "font": {"size": 13}, "y": 0.97, "yanchor": "top"}, height=560, plot_bgcolor="#d9d9d9", margin={"t": 150, "l": 10, "r": 10, "b": 10})
    return fig


def model_view_pooling(n_layers: int, n_heads: int, n: int, cells: int = MODEL_VIEW_CELLS) -> tuple[int, int]:
    """How ``model_view`` pools each map: (cells per side of one map, tokens per cell side).

    At most 24 and at least 8 cells per side (never more than ``n``), so that all
    ``n_layers × n_heads`` maps together hold at most about ``cells`` cells.
    """
    side = min(n, 24, max(8, math.isqrt(cells // (n_layers * n_heads))))
    block = math.ceil(n / side)
    return math.ceil(n / block), block


def model_view(pooled: np.ndarray, block: int, lang: str = "en") -> go.Figure:
    """All layers × heads as small maps tiled on one canvas; clicking a map selects it.

    Each map is the head's whole pattern max-pooled to s × s cells (``model_view_pooling``
    chooses s so that all maps together hold at most ``MODEL_VIEW_CELLS`` cells), so the
    figure's size does not grow with the input.

    Args:
        pooled: float ``[layer, head, s, s]``, from ``attnviz.analysis.overview.pooled_maps``.
        block: tokens per cell side (for the hover).

    One heatmap trace per map, its hover naming the layer and head; the invisible marker
    at each map's centre carries ``customdata = [layer, head]`` so a point selection
    (Streamlit ``on_select``) tells which head was clicked.
    """
    n_layers, n_heads, m, _ = pooled.shape
    gap = max(1, m // 8)
    step = m + gap
    pooled_word = t("overview_pooled", lang, b=block) if block > 1 else t("weight", lang)
    traces = [
        go.Heatmap(
            z=pooled[layer, head], x0=head * step, dx=1, y0=layer * step, dy=1,
            colorscale="Blues", zmin=0, zmax=1, showscale=False,
            hovertemplate=f"{t('layer', lang)} {layer}, {t('head', lang)} {head}<br>{pooled_word}: %{{z:.3f}}<extra></extra>",
        )
        for layer in range(n_layers)
        for head in range(n_heads)
    ]  # fmt: skip
    centres = [(layer, head) for layer in range(n_layers) for head in range(n_heads)]
    traces.append(
        go.Scatter(
            x=[head * step + (m - 1) / 2 for _, head in centres],
            y=[layer * step + (m - 1) / 2 for layer, _ in centres],
            customdata=centres,
            mode="markers",
            marker={"size": 28, "opacity": 0.01, "symbol": "square"},
            hovertemplate=f"{t('layer', lang)} %{{customdata[0]}}, {t('head', lang)} %{{customdata[1]}}<extra></extra>",
            showlegend=False,
        )
    )
    fig = go.Figure(traces)
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


PAIR_FILTERS = ("all", "ab", "ba")  # head_lines' sentence-pair filter: every line, A → B only, B → A only


def head_lines(
    pattern: torch.Tensor,
    tokens: list[str],
    heads: list[int],
    title: str = "",
    lang: str = "en",
    min_weight: float = 0.02,
    queries: range | None = None,
    keys: range | None = None,
    focus: int | None = None,
    focus_as: str = "query",
    segments: Sequence[int] | None = None,
    pair_filter: str = "all",
) -> go.Figure:
    """The bertviz-style head view: lines from each query token (left) to the keys (right).

    Args:
        pattern: float ``[head, query_pos, key_pos]`` of one layer (a tensor, or ``attnviz.analysis.overview.layer_heads``).
        heads: which heads to draw; each gets its own colour and its own legend entry (clicking
            the entry's colour square hides or shows the head).
        min_weight: lines for weights below this are left out.
        queries, keys: the query tokens (left) and key tokens (right) drawn; default all.
        focus: a token position whose lines alone are drawn (default: every token's), as the
            query (``focus_as="query"``: its lines to the keys) or as the key (``"key"``: the
            queries attending to it).
        segments: the sentence of each token, 0 (A) or 1 (B), e.g. ``cap.token_type_ids``.
        pair_filter: with ``segments``, ``"ab"`` keeps only queries in A attending to keys in B,
            ``"ba"`` the reverse, ``"all"`` every line.

    A line's opacity grows with its weight (weights are bucketed into five levels so that
    a figure needs at most five traces per head). The token labels on both sides carry
    ``customdata = [position, "query" | "key"]``, so a click (Streamlit ``on_select``) names the token.

    Raises:
        ValueError: for an unknown ``focus_as`` or ``pair_filter``, or ``segments`` not one per token.
    """
    n = len(tokens)
    if focus_as not in ("query", "key") or pair_filter not in PAIR_FILTERS:
        raise ValueError(f"focus_as must be 'query' or 'key' and pair_filter one of {PAIR_FILTERS}, not {focus_as!r}, {pair_filter!r}")
    if segments is not None and len(segments) != n:
        raise ValueError(f"segments has {len(segments)} entries but there are {n} tokens; pass one per token")
    queries = range(n) if queries is None else queries
    keys = range(n) if keys is None else keys
    labels = token_labels(tokens)
    keep = np.ones((len(queries), len(keys)), dtype=bool)  # which (query, key) lines the filters allow
    if focus is not None:
        keep &= (np.array(queries)[:, None] == focus) if focus_as == "query" else (np.array(keys)[None, :] == focus)
    if segments is not None and pair_filter != "all":
        seg = np.asarray(segments)
        src, dst = (0, 1) if pair_filter == "ab" else (1, 0)
        keep &= (seg[list(queries)][:, None] == src) & (seg[list(keys)][None, :] == dst)
    fig = go.Figure()
    levels = np.linspace(0, 1, 6)
    for head in heads:
        colour = HEAD_COLOURS[head % len(HEAD_COLOURS)]
        weights = pattern[head, queries.start : queries.stop, keys.start : keys.stop].numpy()  # only the window (a Lazy derives only it)
        for lo, hi in zip(levels[:-1], levels[1:], strict=True):
            sel = np.argwhere(keep & (weights >= max(lo, min_weight)) & (weights < hi if hi < 1 else weights <= hi))
            if len(sel) == 0:
                continue
            xs, ys = [], []
            for i, j in sel:
                xs += [0, 1, None]
                ys += [int(i), int(j), None]
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", line={"color": colour, "width": 1 + 4 * hi}, opacity=0.15 + 0.85 * hi,
                    name=f"{t('head', lang)} {head}", legendgroup=str(head), showlegend=False, hoverinfo="skip",
                )
            )  # fmt: skip
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": colour, "width": 4}, name=f"{t('head', lang)} {head}", legendgroup=str(head)))
    hover_rows = []
    for i in queries:
        parts = []
        for h in heads:
            row = pattern[h, i, keys.start : keys.stop]
            parts.append(f"{t('head', lang)} {h}: {labels[keys.start + int(row.argmax())]} ({float(row.max()):.2f})")
        hover_rows.append("<br>".join(parts))
    dim = "#bbbbbb"  # the other tokens' labels while one token is in focus
    for side, positions, x, where in (("query", queries, 0, "middle left"), ("key", keys, 1, "middle right")):
        colours = ["#000000" if focus is None or p == focus else dim for p in positions]
        fig.add_trace(
            go.Scatter(
                x=[x] * len(positions), y=list(range(len(positions))), mode="markers+text", text=[labels[p] for p in positions],
                textposition=where, textfont={"color": colours}, marker={"size": 10, "color": "rgba(0,0,0,0.05)", "symbol": "square"},
                customdata=[[p, side] for p in positions], hovertext=hover_rows if side == "query" else [f"{t('key', lang)}: {labels[p]}" for p in positions],
                hoverinfo="text", showlegend=False,
            )
        )  # fmt: skip
    fig.update_xaxes(visible=False, range=[-0.6, 1.6])
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(title=title, height=120 + 24 * max(len(queries), len(keys)), plot_bgcolor="white", margin={"t": 60}, clickmode="event+select", dragmode=False)
    return fig
