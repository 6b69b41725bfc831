"""Lesson 2: attention as a search — a query against a shop's catalogue (keys) and its values."""

import pandas as pd
import streamlit as st

from attnviz.app import export, present, ui
from attnviz.app import lesson_frame as cr
from attnviz.errors import AttnvizError
from attnviz.lessons import search
from attnviz.plots import lessons as lesson_plots

tr = ui.tr
DEFAULT_CATALOGUE = "\n".join(
    [
        "Lenovo ThinkPad laptop, 14 inch | computer, portable, screen, keyboard",
        "Apple MacBook Air notebook computer | computer, portable, screen, keyboard",
        "Paper notebook, A5, lined | paper, portable",
        "Wireless mouse | computer accessory, portable",
        "Office chair with armrests | furniture",
        "Gaming laptop with RTX graphics | computer, screen, keyboard, gaming",
    ]
)
VECTORS = ("sentence", "word")

classroom = cr.start(2)
model = cr.model()
col_query, col_kind = present.columns([2, 1], parent=cr.controls())
query = ui.kept_widget(col_query.text_input, "lesson2_query", "laptop", tr("lesson2_query"))
vector_labels = {kind: tr(f"lesson2_vectors_{kind}") for kind in VECTORS}
kind = ui.kept_widget(col_kind.radio, "lesson2_vectors", "sentence", tr("lesson2_vectors"), choices=VECTORS, format_func=vector_labels.get)
text = ui.kept_widget(cr.controls().text_area, "lesson2_catalogue", DEFAULT_CATALOGUE, tr("lesson2_catalogue"), height=170, help=tr("lesson2_catalogue_help"))
temperature = ui.kept_widget(cr.controls().slider, "lesson2_temperature", 0.05, tr("lesson2_temperature"), min_value=0.01, max_value=1.0, step=0.01)

try:
    catalogue = search.parse_catalogue(text)
    if kind == "sentence":
        vectors = [search.sentence_embedding(ui.get_capture(cr.MODEL, t)) for t in [query, *catalogue.titles]]
    else:
        W_E = cr.embedding_matrix(cr.MODEL)
        vectors = [search.word_embedding(W_E, model.tokenizer, t) for t in [query, *catalogue.titles]]
    result = search.search_items(vectors, catalogue.values, temperature)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()
if search.unknown_pieces(model.tokenizer, query):
    st.warning(tr("lesson2_unknown"))
titles, features = catalogue.titles, catalogue.features


def analogy(at: cr.Place) -> None:
    st.markdown(tr("lesson2_analogy"))
    table = pd.DataFrame(catalogue.values.int().numpy(), columns=features)
    table.insert(0, tr("lesson2_col_key"), titles)
    st.dataframe(table, hide_index=True, key="lesson2_catalogue_table")
    st.markdown(tr("lesson2_shapes", d=len(vectors[0]), n=len(titles), f=len(features)))
    cr.notes_box("lesson2_value")


def similarity(at: cr.Place) -> None:
    st.latex(r"\mathrm{sim}_i = \cos(q, k_i) = \frac{q \cdot k_i}{\lVert q \rVert\, \lVert k_i \rVert}")
    st.markdown(tr(f"lesson2_similarity_{kind}"))
    fig = lesson_plots.bar_chart(titles, result.similarity, title=tr("lesson2_similarity_title", query=query), y_title=tr("lesson2_col_similarity"))
    export.chart(cr.fit_bars(fig), key="lesson2_similarity_chart", container=at.chart)


def softmax(at: cr.Place) -> None:
    col_here, col_transformer = st.columns(2)
    col_here.markdown(tr("lesson2_rule_here"))
    col_here.latex(r"s_i = \frac{\cos(q, k_i)}{\tau} \qquad \tau = %s" % temperature)
    col_transformer.markdown(tr("lesson2_rule_transformer"))
    col_transformer.latex(r"s_i = \frac{q \cdot k_i}{\sqrt{d_k}}")
    st.latex(r"w_i = \frac{e^{s_i}}{\sum_j e^{s_j}}")
    st.markdown(tr("lesson2_softmax_text"))
    best = int(result.weights.argmax())
    fig = lesson_plots.bar_chart(titles, result.weights, title=tr("lesson2_weights_title"), y_title=tr("lesson2_col_weight"), highlight=best)
    export.chart(cr.fit_bars(fig), key="lesson2_weights_chart", container=at.chart)
    d = len(vectors[0])
    root = search.dot_product_temperature(d)
    plain = search.search_items(vectors, catalogue.values, root)
    st.markdown(tr("lesson2_scaled_text", d=d, root=f"{root:.1f}", top=f"{float(plain.weights.max()):.3f}", uniform=f"{1 / len(titles):.3f}"))


def weighted_value(at: cr.Place) -> None:
    st.latex(r"\mathrm{output} = \sum_i w_i\, v_i")
    weighted = pd.DataFrame(result.weighted.numpy(), columns=[f"w·{f}" for f in features])
    weighted.insert(0, tr("lesson2_col_weight"), result.weights.tolist())
    weighted.insert(0, tr("lesson2_col_key"), titles)
    st.dataframe(weighted, hide_index=True, key="lesson2_steps_table")
    fig = lesson_plots.bar_chart(features, result.output, title=tr("lesson2_output_title", query=query), y_title=tr("lesson2_output_axis"))
    fig.update_yaxes(range=[0, 1])
    export.chart(cr.fit_bars(fig), key="lesson2_output_chart", container=at.chart)
    st.markdown(tr("lesson2_output_text"))
    cr.notes_box("lesson2_ranking")


def question(at: cr.Place) -> None:
    cr.predict_then_reveal(search.top_item_question(query, titles, result), "lesson2")


cr.sections(
    classroom,
    [
        (tr("lesson2_sec_analogy"), analogy),
        (tr("lesson2_sec_similarity"), similarity),
        (tr("lesson2_sec_softmax"), softmax),
        (tr("lesson2_sec_output"), weighted_value),
        (tr("lesson_predict"), question),
    ],
)
