"""Lesson 7: the Transformer block — diagram, residual + LayerNorm, feed-forward, parameter counts, cross-attention."""

from pathlib import Path

import pandas as pd
import streamlit as st

from attnviz import plots_lessons, ui
from attnviz.lessons import block
from pages.lessons import classroom as cr

tr = ui.tr
ROOT = Path(__file__).resolve().parents[2]
classroom = cr.start(7)
model = cr.model()
cfg = model.config
parts = block.parameter_counts(model.network)
totals = block.group_totals(parts)

# Diagram part -> the pages that explain it.
LINKS = [
    ("lesson7_link_embed", "pages/lessons/word_vectors.py", "lesson1_nav"),
    ("lesson7_link_pos", "pages/lessons/positions.py", "lesson6_nav"),
    ("lesson7_link_attn", "pages/explorer.py", "page_explorer"),
    ("lesson7_link_attn", "pages/step_by_step.py", "steps_page"),
    ("lesson7_link_qk", "pages/lessons/separate_qk.py", "lesson5_nav"),
    ("lesson7_link_masked", "pages/lessons/soft_hard.py", "lesson3_nav"),
    ("lesson7_link_cross", "pages/lessons/soft_hard.py", "lesson3_nav"),
    ("lesson7_link_cost", "pages/lessons/cost.py", "lesson8_nav"),
]


def diagram() -> None:
    st.markdown(tr("lesson7_diagram_text", n_layers=cfg.n_layers))
    labels = {box: tr(f"lesson7_box_{box}") for box in plots_lessons.DIAGRAM_BOXES}
    fig = plots_lessons.transformer_diagram(labels, tr("lesson7_encoder"), tr("lesson7_decoder"), tr("lesson7_cross_arrow"))
    st.plotly_chart(fig, key="lesson7_diagram")
    st.markdown(tr("lesson7_links"))
    for part, page, title in LINKS:
        if (ROOT / page).exists():
            st.page_link(page, label=f"{tr(part)} → {tr(title)}")


def residual() -> None:
    st.latex(r"x' = \mathrm{LayerNorm}\big(x + \mathrm{MultiHead}(x)\big) \qquad \mathrm{LayerNorm}(y) = w \odot \frac{y - \mu(y)}{\sigma(y)} + b")
    st.markdown(tr("lesson7_residual_text"))
    sentence = ui.kept_widget(st.text_input, "lesson7_sentence", ui.DEFAULT_TEXT, tr("sentence"))
    cap = cr.capture(sentence)
    if cap is None:
        return
    layer = ui.kept_widget(st.selectbox, "lesson7_layer", 0, tr("layer"), choices=range(cap.n_layers))
    step = block.residual_step(cap, model.network, layer)
    table = pd.DataFrame(
        {
            tr("lesson7_col_token"): cap.tokens,
            "|x|": step.norm_input.tolist(),
            "|MultiHead(x)|": step.norm_attn_out.tolist(),
            "|x + MultiHead(x)|": step.norm_sum.tolist(),
            "|LayerNorm(…)|": step.norm_output.tolist(),
            tr("lesson7_col_mean"): step.normalised_mean.tolist(),
            tr("lesson7_col_std"): step.normalised_std.tolist(),
        }
    )
    st.dataframe(table, hide_index=True, key="lesson7_residual_table")
    st.metric(tr("lesson7_recompute_error"), f"{step.max_error:.1e}")


def feed_forward() -> None:
    st.latex(r"\mathrm{FFN}(x) = \mathrm{GELU}(x W_{in} + b_{in})\, W_{out} + b_{out} \qquad %d \to %d \to %d" % (cfg.d_model, cfg.d_mlp, cfg.d_model))
    ffn = block.group_totals(parts, per_copy=True)["feed_forward"]
    st.markdown(tr("lesson7_ffn_text", d_model=cfg.d_model, d_mlp=cfg.d_mlp, ratio=f"{cfg.d_mlp / cfg.d_model:g}", count=f"{ffn:,}"))
    col_model, col_mlp, col_count = st.columns(3)
    col_model.metric("d_model", cfg.d_model)
    col_mlp.metric("d_mlp", cfg.d_mlp)
    col_count.metric(tr("lesson7_ffn_params"), f"{ffn:,}")


def counts() -> None:
    total = sum(totals.values())
    st.markdown(tr("lesson7_counts_text", n_layers=cfg.n_layers))
    table = pd.DataFrame(
        {
            tr("lesson7_col_part"): [tr(f"lesson7_part_{p.part}") for p in parts],
            tr("lesson7_col_shapes"): [p.shapes for p in parts],
            tr("lesson7_col_count"): [p.count for p in parts],
            tr("lesson7_col_copies"): [p.copies for p in parts],
            tr("lesson7_col_total"): [p.total for p in parts],
        }
    )
    st.dataframe(table, hide_index=True, key="lesson7_counts_table")
    st.metric(tr("lesson7_total"), f"{total:,}")
    names = [tr(f"lesson7_group_{g}") for g in block.GROUPS]
    fig = plots_lessons.bar_chart(names, [totals[g] for g in block.GROUPS], title=tr("lesson7_groups_title"), y_title=tr("lesson7_col_total"))
    st.plotly_chart(fig, key="lesson7_groups_chart")


def cross_attention() -> None:
    st.markdown(tr("lesson7_cross_text"))
    st.latex(
        r"\underbrace{Q}_{[m,\, %d]} = Y_{dec} W_Q \quad \underbrace{K, V}_{[n,\, %d]} = X_{enc} W_K,\; X_{enc} W_V"
        r"\quad\Rightarrow\quad \underbrace{\mathrm{softmax}(QK^\top/\sqrt{d})}_{[m,\, n]}\, V \;:\; [m,\, %d]" % (cfg.d_model, cfg.d_model, cfg.d_model)
    )
    st.info(tr("lesson7_encoder_only"))
    st.page_link("pages/lessons/soft_hard.py", label=f"{tr('lesson7_link_cross')} → {tr('lesson3_nav')}")


def question() -> None:
    cr.predict_then_reveal(block.largest_group_question(totals), "lesson7")


cr.sections(
    classroom,
    [
        (tr("lesson7_sec_diagram"), diagram),
        (tr("lesson7_sec_residual"), residual),
        (tr("lesson7_sec_ffn"), feed_forward),
        (tr("lesson7_sec_counts"), counts),
        (tr("lesson7_sec_cross"), cross_attention),
        (tr("lesson_predict"), question),
    ],
)
