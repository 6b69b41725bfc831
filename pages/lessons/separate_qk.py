"""Lesson 5: why queries and keys need different matrices, on a real head."""

import streamlit as st

from attnviz.analysis.heads import head_weights
from attnviz.app import export, present, ui
from attnviz.app import lesson_frame as cr
from attnviz.lessons import separate_qk as sq
from attnviz.model.attention import softmax_pattern
from attnviz.plots import lessons as lesson_plots
from attnviz.plots import maps

tr = ui.tr
classroom = cr.start(5)
model = cr.model()
sentence = ui.kept_widget(cr.controls().text_input, "lesson5_sentence", ui.DEFAULT_TEXT, tr("sentence"))
cap = cr.capture(sentence)
if cap is None:
    st.stop()
col_pick, col_shared = present.columns([2, 1], parent=cr.controls())
layer, head = cr.layer_head("lesson5", cap.n_layers, cap.n_heads, default=(2, 0), parent=col_pick)
SHARED_LABELS = {"Q": "W_Q", "K": "W_K"}
shared_side = ui.kept_widget(col_shared.radio, "lesson5_shared", "Q", tr("lesson5_shared"), choices=("Q", "K"), format_func=SHARED_LABELS.get, horizontal=True)
actual_scores = cap.head_scores_raw(layer, head)
shared_scores = sq.shared_scores(cap.resid_pre[layer], head_weights(model, layer, head), shared_side)
actual, shared = softmax_pattern(actual_scores), softmax_pattern(shared_scores)
lang = ui.lang()


def claim(at: cr.Place) -> None:
    st.markdown(tr("lesson5_claim_text"))
    st.latex(r"Q = XW_Q,\; K = XW_K \;\Rightarrow\; S = \frac{QK^\top}{\sqrt{d}} \qquad\qquad W_Q = W_K = W \;\Rightarrow\; S = \frac{(XW)(XW)^\top}{\sqrt{d}} = S^\top")
    st.latex(r"S_{ii} = \frac{\lVert x_i W \rVert^2}{\sqrt{d}} \;\ge\; S_{ij} = \frac{(x_i W) \cdot (x_j W)}{\sqrt{d}} \qquad \big(\lVert x_j W \rVert \le \lVert x_i W \rVert\big)")
    cr.notes_box("lesson5_inputs")
    cr.notes_box("lesson5_batch")


def side_by_side(at: cr.Place) -> None:
    st.markdown(tr("lesson5_side_text", side=shared_side))
    col_actual, col_shared = cr.columns(2, parent=at.chart)
    title_actual = tr("lesson5_actual_title", layer=layer, head=head)
    title_shared = tr("lesson5_shared_title", layer=layer, head=head, side=shared_side)
    actual_map = cr.fit(maps.attention_heatmap(actual, cap.tokens, actual_scores, None, title_actual, lang), x_angle=-90)
    export.chart(actual_map, key="lesson5_actual_chart", container=col_actual)
    shared_map = cr.fit(maps.attention_heatmap(shared, cap.tokens, shared_scores, None, title_shared, lang), x_angle=-90)
    export.chart(shared_map, key="lesson5_shared_chart", container=col_shared)
    for col, scores, pattern, which in ((col_actual, actual_scores, actual, "actual"), (col_shared, shared_scores, shared, "shared")):
        col.metric(tr(f"lesson5_symmetry_{which}"), f"{sq.symmetry_error(scores):.2e}")
        col.metric(tr(f"lesson5_diagonal_{which}"), f"{sq.diagonal_weight(pattern):.3f}")
        col.metric(tr(f"lesson5_self_argmax_{which}"), f"{100 * sq.self_argmax_fraction(pattern):.0f} %")


def all_heads(at: cr.Place) -> None:
    heads = sq.compare_all_heads(cap)
    grew = int((heads.diagonal_shared > heads.diagonal_actual).sum())
    total = heads.diagonal_actual.numel()
    st.markdown(tr("lesson5_all_text", grew=grew, total=total))
    labels = [tr("heatmap_title", layer=l, head=h) for l in range(cap.n_layers) for h in range(cap.n_heads)]
    fig = lesson_plots.actual_vs_shared(
        heads.diagonal_actual, heads.diagonal_shared, title=tr("lesson5_all_title"),
        x_title=tr("lesson5_diagonal_actual"), y_title=tr("lesson5_diagonal_shared_q"), hover=labels,
    )  # fmt: skip
    export.chart(cr.fit(fig), key="lesson5_all_chart", container=at.chart)
    col_actual, col_shared = st.columns(2)
    col_actual.metric(tr("lesson5_mean_diagonal_actual"), f"{float(heads.diagonal_actual.mean()):.3f}")
    col_shared.metric(tr("lesson5_mean_diagonal_shared"), f"{float(heads.diagonal_shared.mean()):.3f}")


def question(at: cr.Place) -> None:
    q = sq.diagonal_question(layer, head, sq.diagonal_weight(actual), sq.diagonal_weight(shared))
    cr.predict_then_reveal(q, "lesson5")


cr.sections(
    classroom,
    [
        (tr("lesson5_sec_claim"), claim),
        (tr("lesson5_sec_side"), side_by_side),
        (tr("lesson5_sec_all"), all_heads),
        (tr("lesson_predict"), question),
    ],
)
