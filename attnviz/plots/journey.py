"""Plotly figures of "One token's journey": residual-stream vectors stacked as heat rows, and the sampling stage.

Arrays and tokens in, ``go.Figure`` out; no model runs here and no Streamlit. Tokens are
escaped with ``plots.token_labels``. The small figures of the attention stages are the
step-by-step page's (``attnviz.plots.steps``).
"""

from __future__ import annotations

import plotly.graph_objects as go
import torch

from attnviz.i18n import t
from attnviz.plots.maps import token_labels

SMALL = {"t": 30, "b": 10, "l": 10, "r": 10}
KEPT_COLOUR, DROPPED_COLOUR, SAMPLED_COLOUR = "#1f77b4", "#c7c7c7", "#ff7f0e"


def stream_rows(rows: dict[str, torch.Tensor], title: str, lang: str = "en") -> go.Figure:
    """Vectors of the residual stream (``[d_model]`` each) as rows of one heatmap, on one diverging scale.

    Args:
        rows: name (plain text, translated) -> float ``[d_model]``; drawn top to bottom in order.
    """
    names = list(rows)
    z = torch.stack([rows[name].detach().float() for name in names]).numpy()  # [rows, d_model]
    fig = go.Figure(
        go.Heatmap(
            z=z, y=names, colorscale="RdBu_r", zmid=0.0, colorbar={"thickness": 8},
            hovertemplate=f"%{{y}}<br>{t('steps_component', lang)}: %{{x}}<br>{t('steps_value', lang)}: %{{z:.6g}}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    fig.update_layout(title={"text": title, "font": {"size": 13}}, height=90 + 24 * len(names), margin=SMALL)
    return fig


def top_bars(tokens: list[str], values: torch.Tensor, kept: list[bool], sampled: int | None, title: str, x_title: str, lang: str = "en", percent: bool = True) -> go.Figure:
    """The most probable next tokens as horizontal bars: kept by top-k/top-p in blue, cut off in grey, the drawn one in orange.

    Args:
        tokens: the candidates (raw; escaped and quoted here), most probable first.
        values: float ``[n]``, their probabilities softmax(logits / T) before top-k and top-p, or their logits.
        kept: for each candidate, whether the draw may choose it.
        sampled: the index in ``tokens`` of the drawn token, or None if it is not among them.
        x_title: what the values are (translated), e.g. "probability" or "logit".
        percent: probabilities (written as percentages, axis from 0 to at most 1); False for logits.
    """
    labels = [f"“{label}”" for label in token_labels(tokens)]
    values = values.detach().float().numpy()
    colours = [SAMPLED_COLOUR if i == sampled else KEPT_COLOUR if keep else DROPPED_COLOUR for i, keep in enumerate(kept)]
    fig = go.Figure(
        go.Bar(
            x=values, y=labels, orientation="h", marker_color=colours, text=[f"{v:.1%}" if percent else f"{v:.2f}" for v in values],
            textposition="outside", hovertemplate=f"%{{y}}<br>{x_title}: %{{x:.4f}}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", automargin=True)
    low = 0.0 if percent else min(0.0, float(values.min()) * 1.3)
    fig.update_xaxes(title=x_title, range=[low, (min(1.0, float(values.max()) * 1.3) if percent else float(values.max()) * 1.3) + 1e-6])
    fig.update_layout(title={"text": title, "font": {"size": 13}}, height=90 + 22 * len(tokens), margin=SMALL)
    return fig
