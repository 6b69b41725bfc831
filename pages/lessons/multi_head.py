"""Lesson 10: why multi-head — representation subspaces, the parameter count, how differently real heads attend."""

import pandas as pd
import streamlit as st

from attnviz.analysis.metrics import max_entropy_bits
from attnviz.app import export, ui
from attnviz.app import lesson_frame as cr
from attnviz.lessons import block
from attnviz.lessons import multi_head as mh
from attnviz.plots import lessons as lesson_plots
from attnviz.plots import maps

tr = ui.tr
classroom = cr.start(10)
model = cr.model()
lang = ui.lang()
counts = mh.attention_parameters(model.network)
shown = {}  # the capture the heads section made in this run, for the closing question


def subspaces(at: cr.Place) -> None:
    st.markdown(tr("lesson10_subspaces_text"))
    st.latex(r"\mathrm{head}_i = \mathrm{Attention}(Q W_i^Q,\; K W_i^K,\; V W_i^V), \qquad W_i^Q, W_i^K, W_i^V \in \mathbb{R}^{d_{model} \times d_k}")
    st.latex(r"\mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W^O, \qquad d_k = d_v = d_{model}/h")
    paper, ours = block.PAPER_BASE, block.model_sizes(model.config)
    rows = (
        ("lesson10_size_h", paper.n_heads, ours.n_heads),
        ("lesson10_size_d_k", paper.d_head, ours.d_head),
        ("lesson10_size_product", f"{paper.n_heads} × {paper.d_head} = {paper.n_heads * paper.d_head}", f"{ours.n_heads} × {ours.d_head} = {ours.n_heads * ours.d_head}"),
        ("lesson10_size_sqrt", mh.sqrt_text(paper.d_head), mh.sqrt_text(ours.d_head)),
        ("lesson10_size_layers", paper.n_layers, ours.n_layers),
        ("lesson10_size_ffn", f"{paper.d_mlp} ({paper.activation})", f"{ours.d_mlp} ({ours.activation})"),
    )
    table = pd.DataFrame(
        {
            tr("lesson7_col_size"): [tr(key) for key, _, _ in rows],
            tr("lesson7_col_paper"): [str(value) for _, value, _ in rows],
            tr("lesson7_col_model", name=cr.MODEL_LABEL): [str(value) for _, _, value in rows],
        }
    )
    st.dataframe(table, hide_index=True, key="lesson10_sizes_table")
    st.markdown(tr("lesson10_sizes_text"))


def parameters(at: cr.Place) -> None:
    st.markdown(tr("lesson10_params_text", h=counts.n_heads, d_model=counts.d_model, d_k=counts.d_head, per_head=f"{counts.per_head_projection:,}"))
    st.latex(
        r"\underbrace{h \cdot d_{model} \cdot d_k}_{%d \cdot %d \cdot %d} = d_{model} \cdot d_{model} = %s"
        % (counts.n_heads, counts.d_model, counts.d_head, f"{counts.d_model * counts.d_model:,}".replace(",", "{,}"))
    )
    cr.notes_box("lesson10_params")
    col_actual, col_one, col_wide = st.columns(3)
    col_actual.metric(tr("lesson10_count_actual", h=counts.n_heads, d_k=counts.d_head), f"{counts.actual:,}")
    col_one.metric(tr("lesson10_count_one", d_model=counts.d_model), f"{counts.one_full_head:,}")
    col_wide.metric(tr("lesson10_count_wide", h=counts.n_heads, d_model=counts.d_model), f"{counts.full_width_heads:,}")
    labels = [tr("lesson10_bar_actual"), tr("lesson10_bar_one"), tr("lesson10_bar_wide")]
    fig = lesson_plots.bar_chart(labels, [counts.actual, counts.one_full_head, counts.full_width_heads], title=tr("lesson10_bar_title"), y_title=tr("lesson7_col_total"))
    export.chart(cr.fit_bars(fig), key="lesson10_params_chart", container=at.chart)
    st.markdown(tr("lesson10_params_after"))


def heads(at: cr.Place) -> None:
    st.markdown(tr("lesson10_heads_text"))
    sentence = ui.kept_widget(at.controls.text_input, "lesson10_sentence", ui.DEFAULT_TEXT, tr("sentence"))
    cap = cr.capture(sentence)
    if cap is None:
        return
    shown["cap"] = cap
    entropy = mh.pattern_entropy(cap.pattern)
    fig = lesson_plots.grid_map(
        entropy, title=tr("lesson10_entropy_title"), x_title=tr("head"), y_title=tr("layer"), colorscale="Viridis",
        zmin=0, colorbar_title=tr("lesson10_bits"), annotate=True,
    )  # fmt: skip
    export.chart(cr.fit(fig), key="lesson10_entropy_chart", container=at.chart)
    st.caption(tr("lesson10_entropy_caption", n=cap.n_tokens, max_bits=f"{max_entropy_bits(cap.n_tokens):.2f}"))
    layer = ui.kept_widget(at.controls.selectbox, "lesson10_layer", 0, tr("layer"), choices=range(cap.n_layers))
    distances = mh.head_distances(cap.pattern[layer])
    fig = lesson_plots.grid_map(
        distances, title=tr("lesson10_distance_title", layer=layer), x_title=tr("head"), y_title=tr("head"), colorscale="Viridis",
        zmin=0, zmax=1, colorbar_title=tr("lesson10_distance"),
    )  # fmt: skip
    export.chart(cr.fit(fig), key="lesson10_distance_chart")
    alike, different = mh.extreme_pairs(distances)
    st.markdown(
        tr(
            "lesson10_distance_text", layer=layer, mean=f"{mh.mean_distance(distances):.3f}",
            alike_a=alike[0], alike_b=alike[1], alike=f"{float(distances[alike]):.3f}",
            diff_a=different[0], diff_b=different[1], diff=f"{float(distances[different]):.3f}",
        )
    )  # fmt: skip
    for pair, name in ((different, "different"), (alike, "alike")):
        columns = cr.columns(2)
        for col, head in zip(columns, pair, strict=True):
            title = tr(f"lesson10_pair_{name}", layer=layer, head=head)
            pair_map = cr.fit(maps.attention_heatmap(cap.pattern[layer, head], cap.tokens, title=title, lang=lang), x_angle=-90)
            export.chart(pair_map, key=f"lesson10_{name}_{head}", container=col)


def question(at: cr.Place) -> None:
    cap = shown.get("cap")
    cr.predict_then_reveal(None if cap is None else mh.most_varied_layer_question(cap), "lesson10")


cr.sections(
    classroom,
    [
        (tr("lesson10_sec_subspaces"), subspaces),
        (tr("lesson10_sec_params"), parameters),
        (tr("lesson10_sec_heads"), heads),
        (tr("lesson_predict"), question),
    ],
)
