"""Lesson 3: soft, hard, local, self and cross attention, from one real head's scores."""

import streamlit as st

from attnviz.analysis.heads import head_weights
from attnviz.app import export, ui
from attnviz.app import lesson_frame as cr
from attnviz.lessons import soft_hard
from attnviz.plots import lessons as lesson_plots
from attnviz.plots import maps

tr = ui.tr
classroom = cr.start(3)
model = cr.model()
sentence = ui.kept_widget(cr.controls().text_input, "lesson3_sentence", ui.DEFAULT_TEXT, tr("sentence"))
cap = cr.capture(sentence)
if cap is None:
    st.stop()
layer, head = cr.layer_head("lesson3", cap.n_layers, cap.n_heads, default=(4, 7), parent=cr.controls())
positions = range(cap.n_tokens)
default_query = cap.tokens.index("it") if "it" in cap.tokens else min(1, cap.n_tokens - 1)
query_labels = [f"{token} ·{i}" for i, token in enumerate(cap.tokens)]  # data, not a function of this page (it would keep cap)
query = ui.kept_widget(cr.controls().selectbox, "lesson3_query", default_query, tr("lesson_token"), choices=positions, format_func=query_labels.__getitem__)
scores = cap.head_scores_raw(layer, head)  # [query_pos, key_pos]
soft = soft_hard.soft_weights(scores)
v = cap.v[layer, :, head]  # [pos, d_head]
lang = ui.lang()


def row_chart(weights, key: str, title: str, container) -> None:
    fig = lesson_plots.bar_chart(cap.tokens, weights[query], title=title, y_title=tr("weight"), highlight=int(weights[query].argmax()))
    export.chart(cr.fit_bars(fig), key=key, container=container)


def soft_section(at: cr.Place) -> None:
    st.latex(r"w_{ij} = \mathrm{softmax}_j(s_{ij}) = \frac{e^{s_{ij}}}{\sum_{j'} e^{s_{ij'}}} \in (0, 1)")
    st.markdown(tr("lesson3_soft_text"))
    col_map, col_row = cr.columns(2, parent=at.chart)
    title = tr("lesson3_soft_title", layer=layer, head=head)
    export.chart(cr.fit(maps.attention_heatmap(soft, cap.tokens, scores, None, title, lang), x_angle=-90), key="lesson3_soft_chart", container=col_map)
    row_chart(soft, "lesson3_soft_row", tr("lesson3_row_title", token=cap.tokens[query]), col_row)


def hard_section(at: cr.Place) -> None:
    k = ui.kept_widget(at.controls.slider, "lesson3_k", 1, tr("lesson3_k"), min_value=1, max_value=min(5, cap.n_tokens))
    hard = soft_hard.hard_weights(scores, k)
    st.latex(r"w_{ij} = \begin{cases} 1/k & j \in \mathrm{top}_k(s_{i\cdot}) \\ 0 & j \notin \mathrm{top}_k(s_{i\cdot}) \end{cases}")
    st.markdown(tr("lesson3_hard_text"))
    st.markdown(tr("lesson3_hard_literature"))
    thrown = soft_hard.discarded_weight(soft, hard)
    moved = soft_hard.output_change(soft, hard, v)
    col_thrown, col_moved = st.columns(2)
    col_thrown.metric(cr.md("lesson3_discarded", token=cap.tokens[query]), f"{100 * float(thrown[query]):.1f} %")
    col_moved.metric(cr.md("lesson3_moved", token=cap.tokens[query]), f"{100 * float(moved[query]):.1f} %")
    work = soft_hard.work_counts(cap.n_tokens, k)
    col_scores, col_values = st.columns(2)
    col_scores.metric(tr("lesson3_scores_computed"), f"{work['scores_soft']:,} → {work['scores_hard']:,}")
    col_values.metric(tr("lesson3_values_mixed"), f"{work['values_soft']:,} → {work['values_hard']:,}")
    st.markdown(tr("lesson3_cost_text", n=cap.n_tokens, k=k))
    col_map, col_row = cr.columns(2, parent=at.chart)
    export.chart(cr.fit(maps.attention_heatmap(hard, cap.tokens, scores, None, tr("lesson3_hard_title", k=k), lang), x_angle=-90), key="lesson3_hard_chart", container=col_map)
    fig = lesson_plots.bar_chart(cap.tokens, thrown, title=tr("lesson3_discarded_title"), y_title=tr("lesson3_discarded_axis"), highlight=query)
    export.chart(cr.fit_bars(fig), key="lesson3_discarded_chart", container=col_row)


def local_section(at: cr.Place) -> None:
    radius = ui.kept_widget(at.controls.slider, "lesson3_radius", 2, tr("lesson3_radius"), min_value=0, max_value=max(1, cap.n_tokens - 1))
    local = soft_hard.local_weights(scores, radius)
    st.latex(r"w_{ij} = \mathrm{softmax}_{j:\,|i-j| \le r}(s_{ij}), \qquad w_{ij} = 0 \text{ for } |i - j| > r")
    st.markdown(tr("lesson3_local_text"))
    thrown = soft_hard.discarded_weight(soft, local)
    st.metric(cr.md("lesson3_discarded", token=cap.tokens[query]), f"{100 * float(thrown[query]):.1f} %")
    mask = soft_hard.local_attn_mask(cap.n_tokens, radius)
    col_map, col_row = cr.columns(2, parent=at.chart)
    export.chart(cr.fit(maps.attention_heatmap(local, cap.tokens, scores, mask, tr("lesson3_local_title", r=radius), lang), x_angle=-90), key="lesson3_local_chart", container=col_map)
    row_chart(local, "lesson3_local_row", tr("lesson3_row_title", token=cap.tokens[query]), col_row)
    st.markdown(tr("lesson3_two_questions"))
    cr.notes_box("lesson3_restricted")
    cr.notes_box("lesson3_hard_local")


def cross_section(at: cr.Place) -> None:
    st.markdown(tr("lesson3_general_text"))
    st.page_link("pages/translation.py", label=tr("s2s_link_translation"), icon="🈯")
    cr.notes_box("lesson3_self")
    other = ui.kept_widget(at.controls.text_input, "lesson3_other", "The street was too wide for the animal.", tr("lesson3_other"))
    cap_other = cr.capture(other)
    if cap_other is None:
        return
    col_self, col_cross = st.columns(2)
    col_self.markdown(tr("lesson3_self_label"))
    col_self.latex(r"\mathrm{softmax}\Big(\frac{(XW_Q)(XW_K)^\top}{\sqrt{d}}\Big)")
    col_cross.markdown(tr("lesson3_cross_label"))
    col_cross.latex(r"\mathrm{softmax}\Big(\frac{(YW_Q)(XW_K)^\top}{\sqrt{d}}\Big)")
    weights = soft_hard.general_attention(cap_other.resid_pre[layer], cap.resid_pre[layer], head_weights(model, layer, head))
    st.markdown(tr("lesson3_general_shapes", m=cap_other.n_tokens, n=cap.n_tokens))
    fig = lesson_plots.matrix_heatmap(
        weights, cap_other.tokens, cap.tokens, title=tr("lesson3_general_title", layer=layer, head=head),
        x_title=tr("lesson3_general_keys"), y_title=tr("lesson3_general_queries"), zmin=0, colorbar_title=tr("weight"),
    )  # fmt: skip
    export.chart(cr.fit(fig, x_angle=-90), key="lesson3_general_chart", container=at.chart)


def question(at: cr.Place) -> None:
    thrown = float(soft_hard.discarded_weight(soft, soft_hard.hard_weights(scores, 1))[query])
    cr.predict_then_reveal(soft_hard.discarded_question(cap.tokens[query], thrown, layer, head), "lesson3")


cr.sections(
    classroom,
    [
        (tr("lesson3_sec_soft"), soft_section),
        (tr("lesson3_sec_hard"), hard_section),
        (tr("lesson3_sec_local"), local_section),
        (tr("lesson3_sec_general"), cross_section),
        (tr("lesson_predict"), question),
    ],
)
