"""Lesson 4: four scoring functions side by side on one head's queries and keys, and the notes' MyAtt module."""

import pandas as pd
import streamlit as st

from attnviz.analysis.metrics import entropy_bits
from attnviz.app import export, present, ui
from attnviz.app import lesson_frame as cr
from attnviz.errors import AttnvizError
from attnviz.lessons import scoring
from attnviz.plots import lessons as lesson_plots

tr = ui.tr
MAPS_PER_ROW = 2
classroom = cr.start(4)
sentence = ui.kept_widget(cr.controls().text_input, "lesson4_sentence", "The cat sat on the mat because it was warm.", tr("sentence"))
cap = cr.capture(sentence)
if cap is None:
    st.stop()
layer, head = cr.layer_head("lesson4", cap.n_layers, cap.n_heads, default=(2, 3), parent=cr.controls())
seed = int(ui.kept_widget(cr.controls().number_input, "lesson4_seed", 0, tr("lesson4_seed"), min_value=0, max_value=9999, step=1))
q, k = cap.q[layer, :, head], cap.k[layer, :, head]  # [pos, d_head] each
d = q.shape[-1]
params = scoring.random_scoring_params(d, d, seed=seed)
weights = {rule: scoring.weights(rule, q, k, params) for rule in scoring.RULES}
names = {rule: tr(f"lesson4_rule_{rule}") for rule in scoring.RULES}


def rules(at: cr.Place) -> None:
    st.markdown(tr("lesson4_rules_text", d=d, n=cap.n_tokens))
    st.info(tr("lesson4_random_note", seed=seed))
    for rule in scoring.RULES:
        col_name, col_formula, col_count = st.columns([1, 2, 1])
        col_name.markdown(f"**{names[rule]}**  \n{tr(f'lesson4_source_{rule}')}")
        with col_formula:
            st.latex(scoring.FORMULAS[rule])
        col_count.markdown(tr("lesson4_params", count=f"{params.count(rule):,}"))
    st.markdown(tr("lesson4_notes_rules"))
    st.markdown(tr("lesson4_general_names"))


def maps(at: cr.Place) -> None:
    st.markdown(tr("lesson4_maps_text"))
    for start in range(0, len(scoring.RULES), MAPS_PER_ROW):
        row = scoring.RULES[start : start + MAPS_PER_ROW]
        for col, rule in zip(cr.columns(MAPS_PER_ROW, parent=at.chart), row):  # present mode: stacked, the first map on the first screen
            fig = lesson_plots.matrix_heatmap(weights[rule], cap.tokens, cap.tokens, title=names[rule], zmin=0, zmax=1, colorbar_title=tr("weight"))
            fig.update_xaxes(side="bottom", tickangle=-60)
            fig.update_traces(colorbar={"thickness": 12})
            fig.update_layout(height=520, margin={"t": 50, "l": 10, "r": 10})
            export.chart(cr.fit(fig, x_angle=-90), key=f"lesson4_map_{rule}", container=col)
    table = pd.DataFrame(
        {
            tr("lesson4_col_rule"): [names[r] for r in scoring.RULES],
            tr("lesson4_col_params"): [params.count(r) for r in scoring.RULES],
            tr("lesson4_col_max"): [float(weights[r].max(-1).values.mean()) for r in scoring.RULES],
            tr("lesson4_col_entropy"): [float(entropy_bits(weights[r]).mean()) for r in scoring.RULES],
        }
    )
    st.dataframe(table, hide_index=True, key="lesson4_rules_table")
    st.markdown(tr("lesson4_scaled_text", d=d))


def my_att(at: cr.Place) -> None:
    st.markdown(tr("lesson4_seq2seq_text"))
    st.page_link("pages/why_attention.py", label=tr("s2s_link_why"), icon="🍾")
    st.latex(r"w = \mathrm{softmax}\big(W_{attn}\,[Q_0; K_0] + b_{attn}\big) \in \mathbb{R}^{1 \times n_{pos}} \qquad \mathrm{applied} = w\,V")
    cols = present.columns([1] * 5, parent=at.controls)
    defaults = {"query_size": 32, "key_size": 32, "n_positions": 32, "value_size": 64, "output_size": 32}
    sizes = {
        name: ui.kept_widget(col.number_input, f"lesson4_{name}", default, tr(f"lesson4_{name}"), min_value=1, max_value=scoring.MAX_SIZE, step=1)
        for col, (name, default) in zip(cols, defaults.items(), strict=True)
    }
    try:
        module = scoring.random_seq2seq(**{name: int(size) for name, size in sizes.items()}, seed=seed)
    except AttnvizError as err:
        ui.show_error(err)
        return
    st.info(tr("lesson4_seq2seq_note", seed=seed))
    steps = scoring.decoder_step(module)
    table = pd.DataFrame(
        {
            tr("lesson4_col_step"): [tr(f"lesson4_step_{s.name}") for s in steps],
            tr("lesson4_col_shape"): ["[" + ", ".join(str(n) for n in s.tensor.shape) + "]" for s in steps],
        }
    )
    st.dataframe(table, hide_index=True, key="lesson4_steps_table")
    for s in steps[3:]:
        st.latex(r"%s \;\to\; [%s]" % (s.latex, ", ".join(str(n) for n in s.tensor.shape)))
    cr.notes_box("lesson4_output_shape")
    attn_weights = scoring.step_tensor(steps, "weights")[0]
    fig = lesson_plots.bar_chart([str(i) for i in range(len(attn_weights))], attn_weights, title=tr("lesson4_weights_title"), x_title=tr("lesson4_positions"), y_title=tr("weight"))
    export.chart(cr.fit_bars(fig), key="lesson4_seq2seq_chart", container=at.chart)

    st.subheader(tr("lesson4_sub_decoder_only"))
    st.markdown(tr("lesson4_decoder_only_text"))
    change = scoring.value_change(module, scoring.with_other_values(module, seed + 1))
    col_weights, col_output = st.columns(2)
    col_weights.metric(tr("lesson4_weights_change"), f"{change.weights:.1e}" if change.weights else "0")
    col_output.metric(tr("lesson4_output_change"), f"{100 * change.output:.0f} %")

    st.subheader(tr("lesson4_sub_max_length"))
    n_positions = int(sizes["n_positions"])
    n_source = 1
    if n_positions > 1:
        n_source = ui.kept_widget(at.controls.slider, "lesson4_n_source", min(10, n_positions), tr("lesson4_n_source", n=n_positions), min_value=1, max_value=n_positions)
    padded = scoring.padding_weight(attn_weights, int(n_source))
    st.markdown(tr("lesson4_max_length_text", n=n_positions))
    st.metric(tr("lesson4_padding_weight", source=int(n_source), n=n_positions), f"{100 * padded:.1f} %")


def question(at: cr.Place) -> None:
    module = scoring.random_seq2seq(seed=seed)
    change = scoring.value_change(module, scoring.with_other_values(module, seed + 1))
    cr.predict_then_reveal(scoring.value_change_question(change), "lesson4", judge="theory")  # answered by the architecture, not the model


cr.sections(
    classroom,
    [
        (tr("lesson4_sec_rules"), rules),
        (tr("lesson4_sec_maps"), maps),
        (tr("lesson4_sec_seq2seq"), my_att),
        (tr("lesson_predict"), question),
    ],
)
