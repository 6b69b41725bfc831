"""Lesson 9: what does "it" refer to? Two sentences compared over every layer and head."""

import pandas as pd
import streamlit as st

from attnviz import plots_lessons, ui
from attnviz.errors import AttnvizError
from attnviz.lessons import it_reference as it
from pages.lessons import classroom as cr

tr = ui.tr
classroom = cr.start(9)
model = cr.model()
col_a, col_b = st.columns(2)
text_a = ui.kept_widget(col_a.text_input, "lesson9_sentence_a", ui.EXAMPLES[0], tr("lesson9_sentence_a"))
text_b = ui.kept_widget(col_b.text_input, "lesson9_sentence_b", ui.EXAMPLES[1], tr("lesson9_sentence_b"))
col_query, col_key1, col_key2 = st.columns(3)
query_word = ui.kept_widget(col_query.text_input, "lesson9_query", "it", tr("lesson9_query"))
key_1 = ui.kept_widget(col_key1.text_input, "lesson9_key1", "animal", tr("lesson9_key1"))
key_2 = ui.kept_widget(col_key2.text_input, "lesson9_key2", "street", tr("lesson9_key2"))
cap_a, cap_b = cr.capture(text_a), cr.capture(text_b)
if cap_a is None or cap_b is None:
    st.stop()
try:
    result = it.compare(cap_a, cap_b, model.tokenizer, query_word, (key_1, key_2))
except AttnvizError as err:
    cr.show_error(err)
    st.stop()


def sentences() -> None:
    st.markdown(cr.md("lesson9_sentences_text", query=query_word, key1=key_1, key2=key_2))
    st.text("A: " + " ".join(cap_a.tokens))
    st.text("B: " + " ".join(cap_b.tokens))


def every_head() -> None:
    st.markdown(cr.md("lesson9_maps_text", query=query_word, key1=key_1, key2=key_2))
    col_left, col_right = st.columns(2)
    for col, pref, name in ((col_left, result.preference_a, "A"), (col_right, result.preference_b, "B")):
        fig = plots_lessons.layer_head_map(
            pref, title=tr("lesson9_map_title", sentence=name, key1=key_1, key2=key_2),
            layer_title=tr("layer"), head_title=tr("head"), marked=result.flipped, diverging=True,
        )  # fmt: skip
        col.plotly_chart(fig, key=f"lesson9_map_{name}")


def flipped() -> None:
    n_heads = result.weights_a.shape[0] * result.weights_a.shape[1]
    st.markdown(cr.md("lesson9_flipped_text", count=len(result.flipped), total=n_heads, query=query_word))
    if not result.flipped:
        return
    rows = pd.DataFrame(
        {
            tr("layer"): [l for l, _ in result.flipped],
            tr("head"): [h for _, h in result.flipped],
            f"A: → {key_1}": [float(result.weights_a[l, h, 0]) for l, h in result.flipped],
            f"A: → {key_2}": [float(result.weights_a[l, h, 1]) for l, h in result.flipped],
            f"B: → {key_1}": [float(result.weights_b[l, h, 0]) for l, h in result.flipped],
            f"B: → {key_2}": [float(result.weights_b[l, h, 1]) for l, h in result.flipped],
        }
    )
    st.dataframe(rows, hide_index=True, key="lesson9_flipped_table")
    col_head, col_sentence, col_button = st.columns([1, 2, 1])
    choice = col_head.selectbox(tr("lesson9_pick_head"), result.flipped, key="lesson9_open_head", format_func=lambda lh: tr("heatmap_title", layer=lh[0], head=lh[1]))
    sentence = col_sentence.selectbox(tr("sentence"), [text_a, text_b], key="lesson9_open_sentence")
    if col_button.button(tr("lesson9_open"), key="lesson9_open"):
        kept = st.session_state[ui.KEPT]
        kept.update(layer=choice[0], head=choice[1], sentence=sentence, sentence_pair="", view="head", model=cr.MODEL)
        for key in ("layer", "head", "sentence", "sentence_pair", "view", "model"):
            st.session_state.pop(key, None)
        st.switch_page("pages/explorer.py")


def question() -> None:
    default = result.flipped[0] if result.flipped else (4, 7)
    layer, head = cr.layer_head("lesson9_q", cap_a.n_layers, cap_a.n_heads, default=default)
    cr.predict_then_reveal(it.most_attended_question(cap_a, layer, head, result.query_pos_a), "lesson9")


cr.sections(
    classroom,
    [
        (tr("lesson9_sec_sentences"), sentences),
        (tr("lesson9_sec_maps"), every_head),
        (tr("lesson9_sec_flipped"), flipped),
        (tr("lesson_predict"), question),
    ],
)
