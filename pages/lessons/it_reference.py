"""Lesson 9: what does "it" refer to? Two sentences compared over every layer and head."""

import pandas as pd
import streamlit as st

from attnviz.app import export, present, ui
from attnviz.app import lesson_frame as cr
from attnviz.errors import AttnvizError
from attnviz.lessons import it_reference as it
from attnviz.plots import lessons as lesson_plots

tr = ui.tr
classroom = cr.start(9)
model = cr.model()
col_a, col_b = present.columns([1, 1], parent=cr.controls())
text_a = ui.kept_widget(col_a.text_input, "lesson9_sentence_a", ui.EXAMPLES[0], tr("lesson9_sentence_a"))
text_b = ui.kept_widget(col_b.text_input, "lesson9_sentence_b", ui.EXAMPLES[1], tr("lesson9_sentence_b"))
col_query, col_key1, col_key2 = present.columns([1, 1, 1], parent=cr.controls())
query_word = ui.kept_widget(col_query.text_input, "lesson9_query", "it", tr("lesson9_query"))
key_1 = ui.kept_widget(col_key1.text_input, "lesson9_key1", "animal", tr("lesson9_key1"), help=tr("lesson9_key1_help"))
key_2 = ui.kept_widget(col_key2.text_input, "lesson9_key2", "street", tr("lesson9_key2"), help=tr("lesson9_key2_help"))
threshold = ui.kept_widget(
    cr.controls().slider, "lesson9_threshold", 0.05, tr("lesson9_threshold"), min_value=0.0, max_value=0.5, step=0.01, help=tr("lesson9_threshold_help")
)  # fmt: skip
cap_a, cap_b = cr.capture(text_a), cr.capture(text_b)
if cap_a is None or cap_b is None:
    st.stop()
try:
    result = it.compare(cap_a, cap_b, model.tokenizer, query_word, (key_1, key_2))
except AttnvizError as err:
    ui.show_error(err)
    st.stop()


def sentences(at: cr.Place) -> None:
    st.markdown(cr.md("lesson9_sentences_text", query=query_word, key1=key_1, key2=key_2))
    st.text("A: " + " ".join(cap_a.tokens))
    st.text("B: " + " ".join(cap_b.tokens))


def every_head(at: cr.Place) -> None:
    st.markdown(cr.md("lesson9_maps_text", query=query_word, key1=key_1, key2=key_2))
    changes = result.changes(threshold)
    limit = max(float(result.preference_a.abs().max()), float(result.preference_b.abs().max()), 1e-6)
    col_left, col_right = cr.columns(2, parent=at.chart)
    for col, pref, name in ((col_left, result.preference_a, "A"), (col_right, result.preference_b, "B")):
        fig = lesson_plots.preference_map(
            pref, limit, key_1, key_2, title=tr("lesson9_map_title", sentence=name, key1=key_1, key2=key_2),
            layer_title=tr("layer"), head_title=tr("head"), right=changes.right_flips, wrong=changes.wrong_flips,
        )  # fmt: skip
        export.chart(cr.fit(fig, height=None), key=f"lesson9_map_{name}", container=col)
    st.caption(cr.md("lesson9_maps_scale", limit=f"{limit:.2f}", key1=key_1, key2=key_2))


def changed(at: cr.Place) -> None:
    st.markdown(cr.md("lesson9_shift_text", query=query_word, key1=key_1, key2=key_2))
    changes = result.changes(threshold)
    fig = lesson_plots.shift_chart(result.shift, threshold, title=tr("lesson9_shift_title"), x_title=tr("lesson9_shift_x"), y_title=tr("lesson9_shift_y", key1=key_1, key2=key_2))
    export.chart(cr.fit(fig), key="lesson9_shift_chart", container=at.chart)
    cols = st.columns(4)
    for col, label, heads in zip(
        cols, ("lesson9_right_flips", "lesson9_wrong_flips", "lesson9_leans_right", "lesson9_leans_wrong"),
        (changes.right_flips, changes.wrong_flips, changes.leans_right, changes.leans_wrong), strict=True,
    ):  # fmt: skip
        col.metric(tr(label), len(heads))
    params = {
        "threshold": f"{threshold:.2f}", "total": changes.n_heads,
        "right_flips": len(changes.right_flips), "wrong_flips": len(changes.wrong_flips),
        "leans_right": len(changes.leans_right), "leans_wrong": len(changes.leans_wrong),
        "p_flips": f"{changes.p_flips:.2g}", "p_shifts": f"{changes.p_shifts:.2g}",
        "right_a": changes.right_in_a, "right_b": changes.right_in_b, "query": query_word, "key1": key_1, "key2": key_2,
    }  # fmt: skip
    st.markdown(cr.md("lesson9_counts_text", **params))
    st.info(cr.md(f"lesson9_verdict_{changes.verdict}", **params))
    listed = changes.leans_right + changes.leans_wrong
    if not listed:
        return
    listed.sort(key=lambda lh: -abs(float(result.shift[lh])))
    kinds = {**dict.fromkeys(changes.leans_right, "lesson9_kind_leans_right"), **dict.fromkeys(changes.leans_wrong, "lesson9_kind_leans_wrong")}
    kinds |= {**dict.fromkeys(changes.right_flips, "lesson9_kind_right_flip"), **dict.fromkeys(changes.wrong_flips, "lesson9_kind_wrong_flip")}
    rows = pd.DataFrame(
        {
            tr("layer"): [l for l, _ in listed],
            tr("head"): [h for _, h in listed],
            tr("lesson9_col_kind"): [tr(kinds[lh]) for lh in listed],
            tr("lesson9_col_shift"): [float(result.shift[lh]) for lh in listed],
            f"A: → {key_1}": [float(result.weights_a[l, h, 0]) for l, h in listed],
            f"A: → {key_2}": [float(result.weights_a[l, h, 1]) for l, h in listed],
            f"B: → {key_1}": [float(result.weights_b[l, h, 0]) for l, h in listed],
            f"B: → {key_2}": [float(result.weights_b[l, h, 1]) for l, h in listed],
        }
    )
    st.dataframe(rows, hide_index=True, key="lesson9_changed_table")
    col_head, col_sentence, col_button = present.columns([1, 2, 1], parent=at.controls)
    names = {lh: tr("heatmap_title", layer=lh[0], head=lh[1]) for lh in listed}  # labels fixed in this run's language
    choice = col_head.selectbox(tr("lesson9_pick_head"), listed, key="lesson9_open_head", format_func=names.__getitem__)
    sentence = col_sentence.selectbox(tr("sentence"), [text_a, text_b], key="lesson9_open_sentence")
    if col_button.button(tr("lesson9_open"), key="lesson9_open"):
        kept = st.session_state[ui.KEPT]
        kept.update(layer=choice[0], head=choice[1], sentence=sentence, sentence_pair="", view="head", model=cr.MODEL)
        for key in ("layer", "head", "sentence", "sentence_pair", "view", "model"):
            st.session_state.pop(key, None)
        st.switch_page("pages/explorer.py")


def question(at: cr.Place) -> None:
    largest = divmod(int(result.shift.abs().argmax()), cap_a.n_heads)
    layer, head = cr.layer_head("lesson9_q", cap_a.n_layers, cap_a.n_heads, default=largest)
    cr.predict_then_reveal(it.most_attended_question(cap_a, layer, head, result.query_pos_a), "lesson9")


cr.sections(
    classroom,
    [
        (tr("lesson9_sec_sentences"), sentences),
        (tr("lesson9_sec_maps"), every_head),
        (tr("lesson9_sec_changed"), changed),
        (tr("lesson_predict"), question),
    ],
)
