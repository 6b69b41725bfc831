"""Lesson 1: word vectors — one-hot codes vs the model's learned embeddings."""

import pandas as pd
import streamlit as st

from attnviz.app import export, ui
from attnviz.app import lesson_frame as cr
from attnviz.errors import AttnvizError
from attnviz.lessons import word_vectors as wv
from attnviz.plots import lessons as lesson_plots

tr = ui.tr
classroom = cr.start(1)
model = cr.model()
cfg, tokenizer = model.config, model.tokenizer
W_E = cr.embedding_matrix(cr.MODEL)

text = ui.kept_widget(cr.controls().text_input, "lesson1_words", "king, queen, man, woman, apple, banana", tr("lesson1_words"))
words, ids = [], []
for word in wv.split_words(text):
    try:
        ids.append(wv.word_ids(tokenizer, word))
        words.append(word)
    except AttnvizError as err:
        ui.show_error(err)
if not words:
    st.info(tr("lesson1_no_words"))
    st.stop()
pieces = {word: tokenizer.convert_ids_to_tokens(piece_ids) for word, piece_ids in zip(words, ids, strict=True)}
embedded = wv.word_vectors(W_E, ids)  # [word, d_model]
cos_embedded = wv.cosine_matrix(embedded)
cos_one_hot = wv.cosine_matrix(wv.one_hot_vectors(ids, cfg.d_vocab))


def one_hot(at: cr.Place) -> None:
    st.markdown(tr("lesson1_one_hot_text", d_vocab=f"{cfg.d_vocab:,}"))
    st.latex(r"\mathrm{onehot}(t) = (0, \dots, 0, \underset{t}{1}, 0, \dots, 0) \in \{0, 1\}^{%d}" % cfg.d_vocab)
    rows = [
        {tr("lesson1_col_word"): w, tr("lesson1_col_pieces"): " ".join(p), tr("lesson1_col_ids"): ", ".join(map(str, i)), tr("lesson1_col_length"): cfg.d_vocab}
        for (w, p), i in zip(pieces.items(), ids, strict=True)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="lesson1_ids_table")
    st.markdown(tr("lesson1_lookup_text", d_vocab=f"{cfg.d_vocab:,}", d_model=cfg.d_model))
    st.latex(r"\mathrm{onehot}(t)\, W_E = W_E[t] \qquad W_E \in \mathbb{R}^{%d \times %d}" % (cfg.d_vocab, cfg.d_model))


def memory(at: cr.Place) -> None:
    sentence = ui.kept_widget(at.controls.text_input, "lesson1_sentence", ui.DEFAULT_TEXT, tr("sentence"))
    try:
        enc, _ = model.tokenize(sentence)
    except AttnvizError as err:
        ui.show_error(err)
        return
    n = enc["input_ids"].shape[1]
    sizes = wv.sentence_bytes(n, cfg.d_vocab, cfg.d_model)
    st.markdown(tr("lesson1_memory_text", n=n))
    col_one_hot, col_embed, col_ratio = st.columns(3)
    col_one_hot.metric(tr("lesson1_memory_one_hot", n=n, d_vocab=cfg.d_vocab), f"{sizes['one_hot']:,} B")
    col_embed.metric(tr("lesson1_memory_embedding", n=n, d_model=cfg.d_model), f"{sizes['embedding']:,} B")
    col_ratio.metric(tr("lesson1_memory_ratio"), f"{sizes['one_hot'] / sizes['embedding']:.1f}×")


def dot_products(at: cr.Place) -> None:
    st.markdown(tr("lesson1_dot_text"))
    overlaps = wv.one_hot_overlaps(ids, cos_one_hot)
    if not overlaps:
        st.markdown(tr("lesson1_dot_no_overlap"))
    for o in overlaps:
        shared = " ".join(tokenizer.convert_ids_to_tokens(o.shared))
        st.markdown(cr.md("lesson1_dot_overlap", first=words[o.first], second=words[o.second], pieces=shared, cos=f"{o.cosine:.2f}"))
    col_one_hot, col_embed = cr.columns(2, parent=at.chart)
    common = {"row_labels": words, "col_labels": words, "zmin": -1, "zmax": 1, "colorscale": "RdBu", "zmid": 0, "annotate": True}
    one_hot_map = cr.fit(lesson_plots.matrix_heatmap(cos_one_hot, title=tr("lesson1_cos_one_hot"), **common), x_angle=-90)
    export.chart(one_hot_map, key="lesson1_one_hot_chart", container=col_one_hot)
    embedding_map = cr.fit(lesson_plots.matrix_heatmap(cos_embedded, title=tr("lesson1_cos_embedding"), **common), x_angle=-90)
    export.chart(embedding_map, key="lesson1_embedding_chart", container=col_embed)


def neighbours(at: cr.Place) -> None:
    col_word, col_k = at.controls.columns(2)
    word = ui.kept_widget(col_word.selectbox, "lesson1_word", words[0], tr("lesson1_pick_word"), choices=words)
    k = ui.kept_widget(col_k.slider, "lesson1_k", 10, tr("lesson1_k"), min_value=3, max_value=30)
    i = words.index(word)
    found, sims = wv.nearest_neighbours(W_E, embedded[i], k, exclude=ids[i])
    tokens = tokenizer.convert_ids_to_tokens(found.tolist())
    st.markdown(cr.md("lesson1_neighbours_text", word=word, d_vocab=f"{cfg.d_vocab:,}"))
    table = pd.DataFrame({tr("lesson1_col_token"): tokens, tr("lesson1_col_id"): found.tolist(), tr("lesson1_col_cos"): sims.tolist()})
    st.dataframe(table, hide_index=True, key="lesson1_neighbours_table")
    fig = lesson_plots.bar_chart(tokens, sims, title=tr("lesson1_neighbours_title", word=word), y_title=tr("lesson1_col_cos"))
    export.chart(cr.fit_bars(fig), key="lesson1_neighbours_chart", container=at.chart)


def question(at: cr.Place) -> None:
    cr.predict_then_reveal(wv.nearest_word_question(words, cos_embedded, cos_one_hot), "lesson1")


cr.sections(
    classroom,
    [
        (tr("lesson1_sec_one_hot"), one_hot),
        (tr("lesson1_sec_memory"), memory),
        (tr("lesson1_sec_dot"), dot_products),
        (tr("lesson1_sec_neighbours"), neighbours),
        (tr("lesson_predict"), question),
    ],
)
