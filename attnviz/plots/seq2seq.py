"""Plotly figures of the encoder–decoder pages: cross-attention alignments, small multiples per
layer and head, teacher forcing's two rows, accuracy against source length, training curves.

No model runs here and no Streamlit. Every token is escaped with ``plots.token_labels``
(source and output tokens come from what a user typed) and every title with ``html.escape``;
the weights go into the figures as float32 arrays, so the values on hover are the model's own.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from attnviz.i18n import t
from attnviz.plots.maps import HEAD_COLOURS, token_labels

STEP_COLOUR = "#d62728"  # the output step being looked at
MULTIPLES_MAX = 48  # small multiples drawn at most (a BART-large has 12 × 16 cross heads)


def _numpy(values) -> np.ndarray:
    return values.detach().float().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values, dtype=float)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _ticks(tokens: list[str]) -> list[str]:
    """Escaped tick labels; a repeated token keeps its plain text (the axis places ticks by position, the hover names it)."""
    return [_escape(tok) for tok in tokens]


def alignment_map(
    weights: torch.Tensor, source_tokens: list[str], output_tokens: list[str], title: str, lang: str = "en", step: int | None = None
) -> go.Figure:
    """The alignment view: source tokens on x, output tokens on y, one cell per (output, source) weight.

    Args:
        weights: float ``[tgt_pos, src_pos]``, each row a cross-attention distribution (sums to 1),
            e.g. ``cap.cross_pattern[l, h]`` or its mean over heads.
        source_tokens: ``src_pos`` labels (x); output_tokens: ``tgt_pos`` labels (y, first row on top).
        step: the output row to outline (the step the page is on), or None.

    Bahdanau et al. 2015, Figure 3 draws the same view for an RNN's additive attention.
    """
    values = _numpy(weights)
    rows, cols = values.shape
    fig = go.Figure(
        go.Heatmap(
            z=values, x=list(range(cols)), y=list(range(rows)), colorscale="Blues", zmin=0, zmax=1,
            colorbar={"title": t("weight", lang), "thickness": 12},
            customdata=np.array([[f"{o} → {s}" for s in token_labels(source_tokens)] for o in token_labels(output_tokens)]),
            hovertemplate="%{customdata}: %{z:.4f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(tickmode="array", tickvals=list(range(cols)), ticktext=_ticks(source_tokens), title=t("s2s_axis_source", lang), side="top", showgrid=False)
    fig.update_yaxes(tickmode="array", tickvals=list(range(rows)), ticktext=_ticks(output_tokens), title=t("s2s_axis_output", lang), autorange="reversed", showgrid=False)
    if step is not None and 0 <= step < rows:
        fig.add_shape(type="rect", x0=-0.5, x1=cols - 0.5, y0=step - 0.5, y1=step + 0.5, line={"color": STEP_COLOUR, "width": 3})
    title_above = {"text": _escape(title), "yref": "container", "y": 0.995, "yanchor": "top"}  # above the top axis and its title
    fig.update_layout(title=title_above, height=min(760, 230 + 26 * max(rows, 6)), margin={"t": 120, "l": 10, "r": 10, "b": 10})
    return fig


def step_multiples(rows: torch.Tensor, source_tokens: list[str], title: str, lang: str = "en") -> go.Figure:
    """One output step's cross-attention over the source for every layer and head: one panel per
    layer, each a ``[head, src_pos]`` heatmap (small multiples sharing the source axis).

    Args:
        rows: float ``[layer, head, src_pos]``, ``cap.cross_pattern[:, :, step]``.
    """
    values = _numpy(rows)
    n_layers, n_heads, n_src = values.shape
    names = [t("s2s_layer_panel", lang, layer=layer) for layer in range(n_layers)]
    fig = make_subplots(rows=n_layers, cols=1, shared_xaxes=True, vertical_spacing=min(0.08, 0.3 / max(n_layers, 1)), subplot_titles=names)
    labels = token_labels(source_tokens)
    for layer in range(n_layers):
        fig.add_trace(
            go.Heatmap(
                z=values[layer], x=list(range(n_src)), y=list(range(n_heads)), colorscale="Blues", zmin=0, zmax=1, showscale=layer == 0,
                colorbar={"title": t("weight", lang), "thickness": 12},
                customdata=np.array([[f"{t('head', lang)} {h} → {s}" for s in labels] for h in range(n_heads)]),
                hovertemplate=f"{names[layer]}, %{{customdata}}: %{{z:.4f}}<extra></extra>",
            ),
            row=layer + 1, col=1,
        )  # fmt: skip
        fig.update_yaxes(tickmode="array", tickvals=list(range(n_heads)), ticktext=[f"H{h}" for h in range(n_heads)], autorange="reversed", row=layer + 1, col=1)
    fig.update_xaxes(tickmode="array", tickvals=list(range(n_src)), ticktext=_ticks(source_tokens), showgrid=False)
    fig.update_layout(title=_escape(title), height=min(900, 120 + n_layers * (40 + 22 * n_heads)), margin={"t": 80, "l": 10, "r": 10, "b": 10})
    return fig


def alignment_multiples(cross: torch.Tensor, source_tokens: list[str], output_tokens: list[str], title: str, lang: str = "en") -> go.Figure:
    """Every layer's and head's whole alignment (``[tgt_pos, src_pos]``) as small multiples, layers down, heads across.

    Args:
        cross: float ``[layer, head, tgt_pos, src_pos]``, ``cap.cross_pattern``; at most
            ``MULTIPLES_MAX`` panels are drawn (the first heads of each layer).
    """
    values = _numpy(cross)
    n_layers, n_heads = values.shape[:2]
    heads = min(n_heads, max(1, MULTIPLES_MAX // n_layers))
    titles = [f"L{layer} H{head}" for layer in range(n_layers) for head in range(heads)]
    fig = make_subplots(rows=n_layers, cols=heads, subplot_titles=titles, horizontal_spacing=0.02, vertical_spacing=0.08 / max(1, n_layers / 2))
    src, out = token_labels(source_tokens), token_labels(output_tokens)
    for layer in range(n_layers):
        for head in range(heads):
            fig.add_trace(
                go.Heatmap(
                    z=values[layer, head], colorscale="Blues", zmin=0, zmax=1, showscale=False,
                    customdata=np.array([[f"{o} → {s}" for s in src] for o in out]),
                    hovertemplate=f"L{layer} H{head}, %{{customdata}}: %{{z:.4f}}<extra></extra>",
                ),
                row=layer + 1, col=head + 1,
            )  # fmt: skip
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, autorange="reversed")
    fig.update_layout(title=_escape(title), height=120 + 170 * n_layers, margin={"t": 90, "l": 10, "r": 10, "b": 10})
    return fig


def teacher_forcing(decoder_inputs: list[str], labels: list[str], lang: str = "en", step: int | None = None) -> go.Figure:
    """Teacher forcing's two rows: the decoder's input (the target shifted right, starting with the
    start token) above the labels it learns to predict (the target, ending with the end token),
    column i being position i; the column ``step`` is outlined (Vaswani et al. 2017, §3.1)."""
    n = len(decoder_inputs)
    rows = [t("s2s_row_input", lang), t("s2s_row_label", lang)]
    text = [[_escape(tok) for tok in decoder_inputs], [_escape(tok) for tok in labels]]  # one cell per position: no suffix needed
    z = np.zeros((2, n))
    if step is not None and 0 <= step < n:
        z[:, step] = 1
    fig = go.Figure(
        go.Heatmap(
            z=z, x=list(range(n)), y=rows, text=text, texttemplate="%{text}", textfont={"size": 15}, colorscale=[[0, "#f0f4fa"], [1, "#fde0dd"]],
            zmin=0, zmax=1, showscale=False, xgap=2, ygap=2, hovertemplate=f"{t('s2s_position', lang)} %{{x}}: %{{text}}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(title=t("s2s_position", lang), tickmode="array", tickvals=list(range(n)), side="top", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(height=190, margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return fig


def accuracy_by_length(lengths: list, curves: dict[str, list[float]], title: str, lang: str = "en", counts: list[int] | None = None) -> go.Figure:
    """Exact-match accuracy against source length, one line per model (Bahdanau et al. 2015, Figure 2).

    Args:
        lengths: the source lengths (characters) or length buckets ("0-19", …), ascending; curves: model name (translated) -> accuracy
            in 0 … 1 for each length (None where no example had that length); counts: examples per length.
    """
    fig = go.Figure()
    hover = [f"{n}" for n in counts] if counts else None
    for i, (name, values) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=lengths, y=[None if v is None else 100 * v for v in values], name=_escape(name), mode="lines+markers",
                line={"color": HEAD_COLOURS[i % len(HEAD_COLOURS)], "width": 3}, customdata=hover,
                hovertemplate=f"{_escape(name)}<br>{t('s2s_source_length', lang)}: %{{x}}<br>{t('s2s_accuracy', lang)}: %{{y:.1f}} %"
                + (f"<br>{t('s2s_examples', lang)}: %{{customdata}}" if hover else "") + "<extra></extra>",
            )
        )  # fmt: skip
    fig.update_xaxes(title=t("s2s_source_length", lang))
    fig.update_yaxes(title=t("s2s_accuracy_percent", lang), range=[0, 102])
    fig.update_layout(title=_escape(title), height=420, margin={"t": 60, "l": 10, "r": 10, "b": 10}, legend={"orientation": "h", "y": -0.2})
    return fig


def training_curves(steps: list[int], loss: list[float], accuracy_steps: list[int], accuracy: list[float], title: str, lang: str = "en") -> go.Figure:
    """The training loss (per step) and the held-out exact-match accuracy (at each evaluation) side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("s2s_loss", lang), t("s2s_accuracy_percent", lang)))
    fig.add_trace(go.Scatter(x=steps, y=loss, mode="lines", name=t("s2s_loss", lang), line={"color": HEAD_COLOURS[0]}), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=accuracy_steps, y=[100 * a for a in accuracy], mode="lines+markers", name=t("s2s_accuracy", lang), line={"color": HEAD_COLOURS[2]}),
        row=1, col=2,
    )  # fmt: skip
    fig.update_xaxes(title=t("s2s_step", lang))
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(range=[0, 102], row=1, col=2)
    fig.update_layout(title=_escape(title), height=340, showlegend=False, margin={"t": 70, "l": 10, "r": 10, "b": 10})
    return fig


def sharpness_curve(steps: list[int], entropy: list[float], uniform: float, title: str, lang: str = "en", current: int | None = None) -> go.Figure:
    """The cross-attention's mean entropy (bits) at each snapshot, against the uniform distribution's
    (log2 of the source length): falling from it as the alignment forms. ``current`` marks a snapshot's step."""
    fig = go.Figure(go.Scatter(x=steps, y=entropy, mode="lines+markers", name=t("s2s_entropy", lang), line={"color": HEAD_COLOURS[0], "width": 3}))
    fig.add_hline(y=uniform, line={"dash": "dash", "color": "#7f7f7f"}, annotation_text=t("s2s_uniform", lang), annotation_position="top right")
    if current is not None:
        fig.add_vline(x=current, line={"color": STEP_COLOUR, "width": 2})
    fig.update_xaxes(title=t("s2s_step", lang))
    fig.update_yaxes(title=t("s2s_entropy", lang), rangemode="tozero")
    fig.update_layout(title=_escape(title), height=380, showlegend=False, margin={"t": 60, "l": 10, "r": 10, "b": 10})
    return fig
