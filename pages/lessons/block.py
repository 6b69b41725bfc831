"""Lesson 7: the Transformer block — diagram, residual + LayerNorm, feed-forward, parameter counts, masks and cross-attention."""

from pathlib import Path

import pandas as pd
import streamlit as st

from attnviz.app import export, present, ui
from attnviz.app import lesson_frame as cr
from attnviz.lessons import block
from attnviz.plots import lessons as lesson_plots

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
    ("lesson7_link_masked", "pages/step_by_step.py", "lesson7_link_masks_tab"),
    ("lesson7_link_masked", "pages/next_token.py", "dec_nav_next"),
    ("lesson7_link_masked", "pages/generation.py", "dec_nav_generation"),
    ("lesson7_link_heads", "pages/lessons/multi_head.py", "lesson10_nav"),
    ("lesson7_link_cost", "pages/lessons/cost.py", "lesson8_nav"),
]
MASK_LINKS = [link for link in LINKS if link[0] == "lesson7_link_masked"]


def page_links(links: list[tuple[str, str, str]]) -> None:
    for part, page, title in links:
        if (ROOT / page).exists():
            st.page_link(page, label=f"{tr(part)} → {tr(title)}")


def diagram(at: cr.Place) -> None:
    st.markdown(tr("lesson7_diagram_text", n_layers=cfg.n_layers))
    labels = {box: tr(f"lesson7_box_{box}") for box in lesson_plots.DIAGRAM_BOXES}
    fig = lesson_plots.transformer_diagram(labels, tr("lesson7_encoder"), tr("lesson7_decoder"), tr("lesson7_cross_arrow"), tr("lesson7_repeat"))
    if at.presenting:  # the boxes' text at 18 px, the boxes 10 % wider to hold it (less room beside the "N ×" marks); no axes to fit
        fig.update_layout(height=cr.CHART_HEIGHT, font={"size": present.FONT})
        fig.update_xaxes(range=[-1.6, 4.2])
    export.chart(fig, key="lesson7_diagram", container=at.chart)
    st.caption(tr("lesson7_diagram_caption"))
    st.info(tr("lesson7_bundled_models"))
    st.markdown(tr("lesson7_links"))
    page_links(LINKS)


def residual(at: cr.Place) -> None:
    st.latex(r"x' = \mathrm{LayerNorm}\big(x + \mathrm{MultiHead}(x)\big) \qquad \mathrm{LayerNorm}(y) = w \odot \frac{y - \mu(y)}{\sigma(y)} + b")
    st.markdown(tr("lesson7_residual_text"))
    sentence = ui.kept_widget(at.controls.text_input, "lesson7_sentence", ui.DEFAULT_TEXT, tr("sentence"))
    cap = cr.capture(sentence)
    if cap is None:
        return
    layer = ui.kept_widget(at.controls.selectbox, "lesson7_layer", 0, tr("layer"), choices=range(cap.n_layers))
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


def feed_forward(at: cr.Place) -> None:
    st.latex(r"\mathrm{FFN}(x) = \mathrm{GELU}(x W_{in} + b_{in})\, W_{out} + b_{out} \qquad %d \to %d \to %d" % (cfg.d_model, cfg.d_mlp, cfg.d_model))
    ffn = block.group_totals(parts, per_copy=True)["feed_forward"]
    st.markdown(tr("lesson7_ffn_text", d_model=cfg.d_model, d_mlp=cfg.d_mlp, ratio=f"{cfg.d_mlp / cfg.d_model:g}", count=f"{ffn:,}"))
    col_model, col_mlp, col_count = st.columns(3)
    col_model.metric("d_model", cfg.d_model)
    col_mlp.metric("d_mlp", cfg.d_mlp)
    col_count.metric(tr("lesson7_ffn_params"), f"{ffn:,}")
    sizes_table()


def sizes_table() -> None:
    """The paper's base sizes beside the loaded model's, with why they differ."""
    paper, ours = block.PAPER_BASE, block.model_sizes(cfg)
    rows = ("n_layers", "d_model", "n_heads", "d_head", "d_mlp", "activation")
    table = pd.DataFrame(
        {
            tr("lesson7_col_size"): [tr(f"lesson7_size_{row}") for row in rows],
            tr("lesson7_col_paper"): [str(getattr(paper, row)) for row in rows],
            tr("lesson7_col_model", name=cr.MODEL_LABEL): [str(getattr(ours, row)) for row in rows],
        }
    )
    st.dataframe(table, hide_index=True, key="lesson7_sizes_table")
    st.markdown(tr("lesson7_sizes_text"))


def counts(at: cr.Place) -> None:
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
    fig = lesson_plots.bar_chart(names, [totals[g] for g in block.GROUPS], title=tr("lesson7_groups_title"), y_title=tr("lesson7_col_total"))
    export.chart(cr.fit_bars(fig), key="lesson7_groups_chart", container=at.chart)


def masked(at: cr.Place) -> None:
    st.markdown(tr("lesson7_masked_text"))
    st.latex(r"\mathrm{softmax}\Big(\frac{QK^\top}{\sqrt{d_k}} + M\Big) V \qquad M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}")
    cr.notes_box("lesson7_mask")
    sentence = ui.kept_widget(at.controls.text_input, "lesson7_mask_sentence", ui.DEFAULT_TEXT, tr("sentence"))
    cap = cr.capture(sentence)
    if cap is None:
        return
    st.markdown(tr("lesson7_leak_text"))
    leaks = {fill_name: block.largest_future_weight(cap, fill) for fill_name, fill in block.MASK_FILLS.items()}
    col_ten, col_min = st.columns(2)
    for col, fill_name in ((col_ten, "minus_ten"), (col_min, "finfo_min")):
        weight, layer, head = leaks[fill_name]
        col.metric(tr(f"lesson7_leak_{fill_name}"), f"{100 * weight:.3g} %", help=tr("lesson7_leak_where", layer=layer, head=head))
    st.markdown(tr("lesson7_masks_links"))
    page_links(MASK_LINKS)


def cross_attention(at: cr.Place) -> None:
    st.markdown(tr("lesson7_cross_text"))
    st.page_link("pages/translation.py", label=tr("s2s_link_translation"), icon="🈯")
    cr.notes_box("lesson7_cross")
    st.latex(r"\mathrm{head}_i = \mathrm{softmax}\Big(\frac{(Y W_i^Q)(X W_i^K)^\top}{\sqrt{d_k}}\Big)\, X W_i^V \;\in \mathbb{R}^{m \times d_k}")
    st.latex(r"\mathrm{MultiHead}(Y, X) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W^O \;\in \mathbb{R}^{m \times d_{model}}")
    st.latex(r"W_i^Q, W_i^K, W_i^V \in \mathbb{R}^{d_{model} \times d_k}, \quad W^O \in \mathbb{R}^{h d_k \times d_{model}}, \quad d_k = d_{model}/h")
    paper = block.PAPER_BASE
    st.markdown(
        tr(
            "lesson7_cross_sizes", d_model=paper.d_model, h=paper.n_heads, d_k=paper.d_head, sqrt=f"{paper.d_head ** 0.5:g}",
            our_d_model=cfg.d_model, our_h=cfg.n_heads, our_d_k=cfg.d_head, our_sqrt=f"{cfg.d_head ** 0.5:.2f}", name=cr.MODEL_LABEL,
        )
    )  # fmt: skip


def question(at: cr.Place) -> None:
    cr.predict_then_reveal(block.largest_group_question(totals), "lesson7")


cr.sections(
    classroom,
    [
        (tr("lesson7_sec_diagram"), diagram),
        (tr("lesson7_sec_residual"), residual),
        (tr("lesson7_sec_ffn"), feed_forward),
        (tr("lesson7_sec_counts"), counts),
        (tr("lesson7_sec_masked"), masked),
        (tr("lesson7_sec_cross"), cross_attention),
        (tr("lesson_predict"), question),
    ],
)
