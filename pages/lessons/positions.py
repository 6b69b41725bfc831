"""Lesson 6: positional encoding — sinusoids, learned positions, and attention without any order."""

import streamlit as st

from attnviz.app import export, ui
from attnviz.app import lesson_frame as cr
from attnviz.errors import AttnvizError
from attnviz.lessons import positions as pe
from attnviz.lessons.word_vectors import cosine_matrix
from attnviz.plots import lessons as lesson_plots
from attnviz.plots import maps

tr = ui.tr
classroom = cr.start(6)
model = cr.model()
lang = ui.lang()
shown = {}  # what the sections computed in this run, for the closing question


def sinusoid(at: cr.Place) -> None:
    st.latex(r"PE_{(pos,\, 2i)} = \sin\!\Big(\frac{pos}{10000^{2i/d_{model}}}\Big) \qquad PE_{(pos,\, 2i+1)} = \cos\!\Big(\frac{pos}{10000^{2i/d_{model}}}\Big)")
    st.markdown(tr("lesson6_sinusoid_text"))
    col_n, col_d = at.controls.columns(2)
    n = ui.kept_widget(col_n.slider, "lesson6_n", 64, tr("lesson6_n"), min_value=4, max_value=256)
    d = ui.kept_widget(col_d.slider, "lesson6_d", 128, tr("lesson6_d"), min_value=4, max_value=512, step=2)
    encoding = pe.sinusoidal_encoding(n, d)
    fig = lesson_plots.grid_map(encoding, title=tr("lesson6_sinusoid_title", n=n, d=d), x_title=tr("lesson6_dimension"), y_title=tr("lesson6_position"), colorscale="RdBu", zmid=0)
    export.chart(cr.fit(fig), key="lesson6_sinusoid_chart", container=at.chart)
    st.markdown(tr("lesson6_similarity_text"))
    similarity = pe.dot_similarity(encoding)
    fig = lesson_plots.grid_map(similarity, title=tr("lesson6_similarity_title"), x_title=tr("lesson6_position"), y_title=tr("lesson6_position"), colorscale="Viridis")
    export.chart(cr.fit(fig), key="lesson6_similarity_chart")


def without_positions(at: cr.Place) -> None:
    st.markdown(tr("lesson6_permutation_text"))
    sentence = ui.kept_widget(at.controls.text_input, "lesson6_sentence", "The dog chased the cat up the old tree.", tr("sentence"))
    try:
        enc, _ = model.tokenize(sentence)
    except AttnvizError as err:
        ui.show_error(err)
        return
    ids, types = enc["input_ids"][0], enc["token_type_ids"][0]
    col_head, col_seed = at.controls.columns(2)
    head = ui.kept_widget(col_head.selectbox, "lesson6_head", 0, tr("lesson6_head"), choices=range(model.config.n_heads))
    seed = ui.kept_widget(col_seed.number_input, "lesson6_seed", 1, tr("lesson6_seed"), min_value=0, max_value=9999, step=1)
    order = pe.shuffle_order(len(ids), int(seed))
    tokens = model.tokenizer.convert_ids_to_tokens(ids.tolist())
    shuffled_tokens = [tokens[i] for i in order.tolist()]
    st.text(tr("lesson6_original") + ": " + " ".join(tokens))
    st.text(tr("lesson6_shuffled") + ": " + " ".join(shuffled_tokens))
    patterns = {  # (original, shuffled) weights of layer 0, without and with the position vectors
        with_positions: (pe.layer0_pattern(model, ids, types, head, with_positions), pe.layer0_pattern(model, ids[order], types[order], head, with_positions)) for with_positions in (False, True)
    }
    errors = {with_positions: pe.permutation_error(*pair, order) for with_positions, pair in patterns.items()}
    unordered = patterns[False]
    st.latex(r"A' = P\,A\,P^\top \quad\Longleftrightarrow\quad A'_{ij} = A_{\pi(i)\,\pi(j)}")
    col_without, col_with = st.columns(2)
    col_without.metric(tr("lesson6_error_without"), f"{errors[False]:.1e}")
    col_with.metric(tr("lesson6_error_with"), f"{errors[True]:.3f}")
    shown["error_with_positions"] = errors[True]
    col_a, col_b = cr.columns(2, parent=at.chart)
    original = cr.fit(maps.attention_heatmap(unordered[0], tokens, title=tr("lesson6_map_original", head=head), lang=lang), x_angle=-90)
    export.chart(original, key="lesson6_original_chart", container=col_a)
    shuffled = cr.fit(maps.attention_heatmap(unordered[1], shuffled_tokens, title=tr("lesson6_map_shuffled", head=head), lang=lang), x_angle=-90)
    export.chart(shuffled, key="lesson6_shuffled_chart", container=col_b)


def learned(at: cr.Place) -> None:
    W_pos = model.network.embed.W_pos.detach().float().cpu()
    n = ui.kept_widget(at.controls.slider, "lesson6_learned_n", 64, tr("lesson6_n"), min_value=4, max_value=W_pos.shape[0])
    st.markdown(tr("lesson6_learned_text", max=W_pos.shape[0], d=W_pos.shape[1]))
    col_rows, col_sim = cr.columns(2, parent=at.chart)
    shown_range = pe.robust_range(W_pos[:n])
    fig = lesson_plots.grid_map(
        W_pos[:n], title=tr("lesson6_learned_title", n=n), x_title=tr("lesson6_dimension"), y_title=tr("lesson6_position"),
        colorscale="RdBu", zmin=-shown_range.limit, zmax=shown_range.limit,
    )  # fmt: skip
    export.chart(cr.fit(fig), key="lesson6_learned_chart", container=col_rows)
    position, dimension = shown_range.largest_at
    col_rows.caption(
        tr(
            "lesson6_learned_range", limit=f"{shown_range.limit:.3f}", clipped=shown_range.clipped, total=W_pos[:n].numel(),
            largest=f"{shown_range.largest:.2f}", position=position, dimension=dimension,
        )
    )  # fmt: skip
    fig = lesson_plots.grid_map(cosine_matrix(W_pos[:n]), title=tr("lesson6_learned_similarity_title"), x_title=tr("lesson6_position"), y_title=tr("lesson6_position"), colorscale="RdBu", zmid=0)
    export.chart(cr.fit(fig), key="lesson6_learned_similarity_chart", container=col_sim)


def question(at: cr.Place) -> None:
    error = shown.get("error_with_positions")
    cr.predict_then_reveal(None if error is None else pe.shuffled_copy_question(error), "lesson6")


cr.sections(
    classroom,
    [
        (tr("lesson6_sec_sinusoid"), sinusoid),
        (tr("lesson6_sec_permutation"), without_positions),
        (tr("lesson6_sec_learned"), learned),
        (tr("lesson_predict"), question),
    ],
)
