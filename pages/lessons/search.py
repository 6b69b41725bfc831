"""Lesson 2: attention as a search — a query against a shop's catalogue (keys) and its values."""

import pandas as pd
import streamlit as st
import torch

from attnviz import plots_lessons, ui
from attnviz.errors import AttnvizError
from attnviz.lessons import search
from pages.lessons import classroom as cr

tr = ui.tr
DEFAULT_CATALOGUE = "\n".join(
    [
        "Lenovo ThinkPad laptop, 14 inch | 899 | 4.5",
        "Apple MacBook Air notebook computer | 1199 | 4.8",
        "Paper notebook, A5, lined | 4 | 4.2",
        "Wireless mouse | 19 | 4.1",
        "Office chair with armrests | 149 | 3.9",
        "Gaming laptop with RTX graphics | 1499 | 4.6",
    ]
)
VECTORS = ("sentence", "word")

classroom = cr.start(2)
model = cr.model()
col_query, col_kind = st.columns([2, 1])
query = ui.kept_widget(col_query.text_input, "lesson2_query", "laptop", tr("lesson2_query"))
vector_labels = {kind: tr(f"lesson2_vectors_{kind}") for kind in VECTORS}
kind = ui.kept_widget(col_kind.radio, "lesson2_vectors", "sentence", tr("lesson2_vectors"), choices=VECTORS, format_func=vector_labels.get)
text = ui.kept_widget(st.text_area, "lesson2_catalogue", DEFAULT_CATALOGUE, tr("lesson2_catalogue"), height=170, help=tr("lesson2_catalogue_help"))
temperature = ui.kept_widget(st.slider, "lesson2_temperature", 0.05, tr("lesson2_temperature"), min_value=0.01, max_value=1.0, step=0.01)

try:
    catalogue = search.parse_catalogue(text)
    if kind == "sentence":
        vectors = [search.sentence_embedding(ui.get_capture(cr.MODEL, t)) for t in [query, *catalogue.titles]]
    else:
        W_E = cr.embedding_matrix(cr.MODEL)
        vectors = [search.word_embedding(W_E, model.tokenizer, t) for t in [query, *catalogue.titles]]
    result = search.search_attention(vectors[0], torch.stack(vectors[1:]), catalogue.values, temperature)
except AttnvizError as err:
    cr.show_error(err)
    st.stop()
if search.unknown_pieces(model.tokenizer, query):
    st.warning(tr("lesson2_unknown"))
titles = catalogue.titles
price, rating = tr("lesson2_price"), tr("lesson2_rating")


def analogy() -> None:
    st.markdown(tr("lesson2_analogy"))
    table = pd.DataFrame({tr("lesson2_col_key"): titles, price: catalogue.values[:, 0].tolist(), rating: catalogue.values[:, 1].tolist()})
    st.dataframe(table, hide_index=True, key="lesson2_catalogue_table")
    st.markdown(tr("lesson2_shapes", d=len(vectors[0]), n=len(titles)))


def similarity() -> None:
    st.latex(r"\mathrm{sim}_i = \cos(q, k_i) = \frac{q \cdot k_i}{\lVert q \rVert\, \lVert k_i \rVert}")
    st.markdown(tr(f"lesson2_similarity_{kind}"))
    fig = plots_lessons.bar_chart(titles, result.similarity, title=tr("lesson2_similarity_title", query=query), y_title=tr("lesson2_col_similarity"))
    st.plotly_chart(fig, key="lesson2_similarity_chart")


def softmax() -> None:
    st.latex(r"s_i = \frac{\mathrm{sim}_i}{\tau} \qquad w_i = \frac{e^{s_i}}{\sum_j e^{s_j}} \qquad \tau = %s" % temperature)
    st.markdown(tr("lesson2_softmax_text"))
    best = int(result.weights.argmax())
    fig = plots_lessons.bar_chart(titles, result.weights, title=tr("lesson2_weights_title"), y_title=tr("lesson2_col_weight"), highlight=best)
    st.plotly_chart(fig, key="lesson2_weights_chart")


def weighted_value() -> None:
    st.latex(r"\mathrm{output} = \sum_i w_i\, v_i")
    table = pd.DataFrame(
        {
            tr("lesson2_col_key"): titles,
            tr("lesson2_col_similarity"): result.similarity.tolist(),
            tr("lesson2_col_score"): result.scores.tolist(),
            tr("lesson2_col_weight"): result.weights.tolist(),
            f"w·{price}": result.weighted[:, 0].tolist(),
            f"w·{rating}": result.weighted[:, 1].tolist(),
        }
    )
    st.dataframe(table, hide_index=True, key="lesson2_steps_table")
    col_price, col_rating = st.columns(2)
    col_price.metric(tr("lesson2_output", name=price), f"{float(result.output[0]):.2f}")
    col_rating.metric(tr("lesson2_output", name=rating), f"{float(result.output[1]):.3f}")
    st.markdown(tr("lesson2_output_text"))


def question() -> None:
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
