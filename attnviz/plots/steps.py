"""Plotly figures of the step-by-step page: heat strips, weight comparisons, the √d_k curves,
and the tables of numbers shown under them.

No model runs here and no Streamlit. Tokens are escaped with ``plots.token_labels``; the
numbers go into the figures as float32 arrays, so the values on hover are the model's own.
A table (pandas) holds the same numbers as its figure, for the page's "show the numbers" switch.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from attnviz.analysis.steps import DotGrowth, Saturation
from attnviz.i18n import t
from attnviz.plots.maps import HEAD_COLOURS, token_labels

MINUS_INF = "−∞"
MAX_WRITTEN = 24  # token strips up to this length show their values in the cells


def position_labels(tokens: list[str]) -> list[str]:
    """"position: token" for every token, e.g. "2: animal" (option labels and table columns; plain data)."""
    return [f"{pos}: {token}" for pos, token in enumerate(tokens)]


def small_number(value: float) -> str:
    """A difference or a weight that should be 0: "0" when it is exactly 0, else e.g. "3.1e-08"."""
    return f"{value:.1e}" if value else "0"


def window_around(pos: int, n: int, most: int) -> tuple[int, int]:
    """The first and last position of a window of ``most`` positions around ``pos`` in ``0 … n − 1``
    (``pos`` near its middle; the whole range when ``n <= most``)."""
    start = max(0, min(pos - most // 2, n - most))
    return start, min(n, start + most) - 1


def masked_cell_text(scaled: torch.Tensor, allowed: torch.Tensor) -> list[list[str]]:
    """One strip's cell text for masked scores ``[key_pos]``: the score where allowed, "−∞" where masked."""
    return [[f"{v:.2f}" if ok else MINUS_INF for v, ok in zip(scaled.tolist(), allowed.tolist(), strict=True)]]


def vector_table(values: torch.Tensor, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One vector ``[n]`` as a one-row table named ``name`` (columns: ``columns``, default numbered)."""
    return pd.DataFrame([values.numpy()], columns=columns, index=[name])


def matrix_table(values: torch.Tensor, rows: list[str] | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """A matrix ``[rows, n]`` as a table."""
    return pd.DataFrame(values.numpy(), index=rows, columns=columns)


def series_table(series: dict[str, torch.Tensor], rows: list[str], window: range) -> pd.DataFrame:
    """Several rows of weights ``[key_pos]`` as the columns of one table, the ``window``'s keys as its rows."""
    return pd.DataFrame({name: values[window.start : window.stop].numpy() for name, values in series.items()}, index=rows)


def mask_table(allowed: torch.Tensor, columns: list[str]) -> pd.DataFrame:
    """One mask row ``[n]`` as a table of "0" and "−∞", its row named "M"."""
    return pd.DataFrame([["0" if ok else MINUS_INF for ok in allowed.tolist()]], columns=columns, index=["M"])


def _axis_labels(tokens: list[str] | None, names: list[str] | None, n: int, window: range | None = None) -> list:
    if tokens is not None:
        labels = token_labels(tokens)  # made unique by position over the whole text, then cut to the window
        return labels if window is None else labels[window.start : window.stop]
    if names is not None:
        return names
    return list(range(n))


def subscript(number: int) -> str:
    """``number`` in Unicode subscript digits (plotly titles do not render LaTeX): 12 -> "₁₂"."""
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def heat_strip(
    values: torch.Tensor,
    title: str,
    lang: str = "en",
    col_tokens: list[str] | None = None,
    row_tokens: list[str] | None = None,
    row_names: list[str] | None = None,
    weights: bool = False,
    cell_text: list[list[str]] | None = None,
    window: range | None = None,
) -> go.Figure:
    """A compact heatmap of a vector (one row) or a matrix, every value on hover.

    Args:
        values: float ``[n]`` or ``[rows, n]``; NaN cells are drawn as gaps.
        title: the figure title (already translated).
        col_tokens / row_tokens: raw tokens labelling the columns / rows (escaped here);
            without them columns are numbered (vector components) and rows use ``row_names``.
        weights: a 0-to-max blue scale for weights; otherwise a diverging scale centred on 0.
        cell_text: optional ``[rows, n]`` text written in the cells (e.g. "−∞"); by default a
            one-row strip over at most ``MAX_WRITTEN`` tokens has its values written in.
        window: the token positions drawn (a long text's window): with ``col_tokens`` the
            columns, with ``row_tokens`` the rows; ``values`` and ``cell_text`` cover all tokens.
    """
    z = values.detach().float().numpy()
    z = z[None] if z.ndim == 1 else z  # [rows, n]
    if window is not None and col_tokens is not None:
        z = z[:, window.start : window.stop]
        cell_text = None if cell_text is None else [row[window.start : window.stop] for row in cell_text]
    elif window is not None and row_tokens is not None:
        z = z[window.start : window.stop]
    rows, n = z.shape
    x = _axis_labels(col_tokens, None, n, window)
    y = _axis_labels(row_tokens, row_names, rows, window) if rows > 1 or row_tokens or row_names else [""]
    col_word = t("key", lang) if col_tokens is not None else t("steps_component", lang)
    scale = (
        {"colorscale": "Blues", "zmin": 0.0, "zmax": float(np.nanmax(z)) if np.isfinite(z).any() else 1.0}
        if weights
        else {"colorscale": "RdBu_r", "zmid": 0.0}
    )
    row_hover = "%{y}<br>" if y != [""] else ""
    if cell_text is None and col_tokens is not None and rows == 1 and n <= MAX_WRITTEN:
        cell_text = [["" if np.isnan(v) else f"{v:.3f}" if weights else f"{v:.2f}" for v in z[0]]]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=x, y=y, **scale,
            text=cell_text, texttemplate="%{text}" if cell_text is not None else None,
            hovertemplate=f"{row_hover}{col_word}: %{{x}}<br>{t('steps_value', lang)}: %{{z:.6g}}<extra></extra>",
            colorbar={"thickness": 10},
        )
    )  # fmt: skip
    categorical = col_tokens is not None
    fig.update_xaxes(type="category" if categorical else "linear", showgrid=False, automargin=True)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    fig.update_layout(
        title={"text": title, "font": {"size": 13}},
        height=int(min(480, max(120, 70 + 18 * rows + (40 if categorical else 0) + (50 if categorical and n > 16 else 0)))),  # room for upright labels
        margin={"t": 32, "b": 10, "l": 10, "r": 10},
        plot_bgcolor="#d9d9d9",
    )
    return fig


def mask_strip(allowed: torch.Tensor, tokens: list[str], title: str, lang: str = "en", window: range | None = None) -> go.Figure:
    """The mask term of one query row: "0" where it may attend, "−∞" where it may not.

    Args:
        allowed: bool ``[key_pos]``.
        window: the key positions drawn (default all).
    """
    window = range(len(tokens)) if window is None else window
    ok = allowed.numpy()[window.start : window.stop]
    text = [["0" if a else MINUS_INF for a in ok]]
    fig = go.Figure(
        go.Heatmap(
            z=np.where(ok, 0.0, 1.0)[None], x=_axis_labels(tokens, None, 0, window), y=[""], zmin=0, zmax=1,
            colorscale=[[0, "#ffffff"], [1, "#7f7f7f"]], showscale=False, text=text, texttemplate="%{text}",
            hovertemplate=f"{t('key', lang)}: %{{x}}<br>{t('steps_mask_term', lang)}: %{{text}}<extra></extra>",
            xgap=1,
        )
    )  # fmt: skip
    fig.update_xaxes(type="category", automargin=True)
    fig.update_layout(title={"text": title, "font": {"size": 13}}, height=130, margin={"t": 32, "b": 10, "l": 10, "r": 10})
    return fig


def weights_compare(series: dict[str, torch.Tensor], tokens: list[str], title: str, lang: str = "en", window: range | None = None, y_title: str | None = None) -> go.Figure:
    """Grouped bars: several rows of weights over the same keys (e.g. the model's and a variant's).

    Args:
        series: name (translated) -> float ``[key_pos]``.
        window: the key positions drawn (default all).
        y_title: what the bars are (translated); default "weight".
    """
    y_title = y_title or t("weight", lang)
    window = range(len(tokens)) if window is None else window
    labels = _axis_labels(tokens, None, 0, window)
    fig = go.Figure(
        [
            go.Bar(
                x=labels, y=values.detach().float().numpy()[window.start : window.stop], name=name, marker_color=HEAD_COLOURS[i % len(HEAD_COLOURS)],
                hovertemplate=f"{name}<br>{t('key', lang)}: %{{x}}<br>{y_title}: %{{y:.6f}}<extra></extra>",
            )
            for i, (name, values) in enumerate(series.items())
        ]
    )  # fmt: skip
    fig.update_xaxes(type="category", automargin=True)
    fig.update_yaxes(title=y_title, rangemode="tozero")
    fig.update_layout(title=title, barmode="group", height=340, margin={"t": 50, "b": 10}, legend={"orientation": "h", "y": 1.12})
    return fig


def _mark_model_width(fig: go.Figure, d_head: int | None, lang: str) -> None:
    if d_head is not None:
        fig.add_vline(x=d_head, line={"dash": "dash", "color": "#d62728", "width": 1})
        fig.add_annotation(x=math.log10(d_head), y=1, yref="paper", text=t("steps_this_model", lang, d_head=d_head), showarrow=False, yanchor="bottom", font={"color": "#d62728"})


def growth_figure(growth: DotGrowth, lang: str = "en", d_head: int | None = None) -> go.Figure:
    """Spread (standard deviation) of q·k and of q·k/√d_k for random vectors, against d_k (log–log).

    ``d_head``: draw a marker at this model's head width.
    """
    d = growth.d_k.numpy()
    fig = go.Figure(
        [
            go.Scatter(x=d, y=growth.std_raw.numpy(), mode="lines+markers", name=t("steps_std_raw", lang)),
            go.Scatter(x=d, y=growth.std_scaled.numpy(), mode="lines+markers", name=t("steps_std_scaled", lang)),
            go.Scatter(x=d, y=np.sqrt(d), mode="lines", line={"dash": "dot", "color": "grey"}, name="√d_k"),
        ]
    )
    fig.update_xaxes(type="log", title="d_k")
    fig.update_yaxes(type="log", title=t("steps_std", lang))
    _mark_model_width(fig, d_head, lang)
    fig.update_layout(title=t("steps_growth_title", lang), height=360, margin={"t": 60})
    return fig


def saturation_figure(sat: Saturation, lang: str = "en", d_head: int | None = None) -> go.Figure:
    """Largest softmax weight and the norm of the softmax's Jacobian against d_k, with and without 1/√d_k.

    ``d_head``: draw a marker at this model's head width in both panels.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("steps_max_weight", lang), t("steps_grad_norm", lang)))
    d = sat.d_k.numpy()
    for col, (raw, scaled) in enumerate(((sat.max_weight_raw, sat.max_weight_scaled), (sat.grad_norm_raw, sat.grad_norm_scaled)), start=1):
        for values, name, colour in ((raw, "steps_unscaled", HEAD_COLOURS[0]), (scaled, "steps_scaled", HEAD_COLOURS[1])):
            fig.add_trace(
                go.Scatter(x=d, y=values.numpy(), mode="lines+markers", name=t(name, lang), line={"color": colour}, legendgroup=name, showlegend=col == 1),
                row=1, col=col,
            )  # fmt: skip
        fig.update_xaxes(type="log", title="d_k", row=1, col=col)
        if d_head is not None:
            fig.add_vline(x=d_head, line={"dash": "dash", "color": "#d62728", "width": 1}, row=1, col=col)
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(title=t("steps_saturation_title", lang), height=380, margin={"t": 80})
    return fig


def distance_figure(distance: torch.Tensor, title: str, lang: str = "en") -> go.Figure:
    """A ``[head, head]`` matrix of Jensen–Shannon distances, values written in the cells."""
    n = distance.shape[0]
    names = [f"{t('head', lang)} {h}" for h in range(n)]
    fig = go.Figure(
        go.Heatmap(
            z=distance.numpy(), x=names, y=names, zmin=0, zmax=1, colorscale="Viridis", texttemplate="%{z:.2f}",
            hovertemplate=f"%{{y}} ↔ %{{x}}<br>{t('steps_js_distance', lang)}: %{{z:.4f}}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=title, height=160 + 30 * n, margin={"t": 50})
    return fig


def cosine_figure(cosine: torch.Tensor, tokens: list[str], title: str, lang: str = "en", window: range | None = None) -> go.Figure:
    """Bars of the cosine similarity per token between two runs (``window``: the tokens drawn, default all)."""
    window = range(len(tokens)) if window is None else window
    values = cosine.detach().float().numpy()[window.start : window.stop]
    fig = go.Figure(
        go.Bar(
            x=_axis_labels(tokens, None, 0, window), y=values, marker_color=HEAD_COLOURS[2],
            hovertemplate=f"%{{x}}<br>{t('steps_cosine', lang)}: %{{y:.6f}}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(type="category", automargin=True)
    fig.update_yaxes(title=t("steps_cosine", lang), range=[min(0.0, float(values.min())), 1.0])
    fig.update_layout(title=title, height=320, margin={"t": 50})
    return fig


def neuron_figure(q: torch.Tensor, k: torch.Tensor, products: torch.Tensor, title: str, lang: str = "en") -> go.Figure:
    """The neuron view (after bertviz, Vig 2019): q and k component by component, and their products as bars.

    Args:
        q, k: float ``[d_head]``, one query and one key.
        products: float ``[d_head]``, q_c · k_c (their sum is q·k).
    """
    qk = torch.stack([q, k]).detach().float().numpy()  # [2, d_head]
    prod = products.detach().float().numpy()
    dims = list(range(len(prod)))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.35, 0.65], vertical_spacing=0.06)
    fig.add_trace(
        go.Heatmap(
            z=qk, x=dims, y=["q", "k"], colorscale="RdBu_r", zmid=0.0, showscale=False,
            hovertemplate=f"%{{y}}<br>{t('steps_component', lang)}: %{{x}}<br>{t('steps_value', lang)}: %{{z:.6g}}<extra></extra>",
        ),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Bar(
            x=dims, y=prod, marker_color=np.where(prod >= 0, "#d62728", "#1f77b4").tolist(), name="q_c · k_c",
            hovertemplate=f"{t('steps_component', lang)}: %{{x}}<br>q_c · k_c: %{{y:.6g}}<extra></extra>",
        ),
        row=2, col=1,
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_yaxes(title="q_c · k_c", row=2, col=1, zeroline=True)
    fig.update_xaxes(title=t("steps_component", lang), row=2, col=1)
    fig.update_layout(title={"text": title, "font": {"size": 13}}, height=320, margin={"t": 40, "b": 10, "l": 10, "r": 10}, showlegend=False)
    return fig


def rope_pairs_figure(angles_q: torch.Tensor, angles_k: torch.Tensor, title: str, lang: str = "en") -> go.Figure:
    """The angle RoPE turns each dimension pair by, at the query's and at the key's position (degrees, wrapped to [0, 360)).

    The score after RoPE depends on the difference of the two angles (Su et al. 2021, Eq. 16).

    Args:
        angles_q, angles_k: float ``[d_head/2]`` in radians (``attention.rope_angles`` rows).
    """
    pairs = list(range(len(angles_q)))
    fig = go.Figure()
    for name, angles, colour in ((t("steps_rope_at_query", lang), angles_q, "#d62728"), (t("steps_rope_at_key", lang), angles_k, "#1f77b4")):
        wrapped = np.degrees(np.mod(angles.detach().double().numpy(), 2 * math.pi))
        fig.add_trace(
            go.Scatter(
                x=pairs, y=wrapped, mode="markers+lines", name=name, line={"color": colour, "width": 1},
                hovertemplate=f"{name}<br>{t('dec_pair', lang)}: %{{x}}<br>{t('dec_angle', lang)}: %{{y:.1f}}°<extra></extra>",
            )
        )  # fmt: skip
    fig.update_xaxes(title=t("dec_pair", lang))
    fig.update_yaxes(title=f"{t('dec_angle', lang)} (°)", range=[0, 360])
    fig.update_layout(title={"text": title, "font": {"size": 13}}, height=280, margin={"t": 40, "b": 10, "l": 10, "r": 10}, legend={"orientation": "h", "y": 1.15})
    return fig
