"""Lesson 4: five scoring functions side by side on one head's queries and keys, and the seq2seq decoder step."""

import pandas as pd
import streamlit as st

from attnviz import plots_lessons, ui
from attnviz.errors import AttnvizError
from attnviz.lessons import scoring
from pages.lessons import classroom as cr

tr = ui.tr
classroom = cr.start(4)
sentence = ui.kept_widget(st.text_input, "lesson4_sentence", "The cat sat on the mat because it was warm.", tr("sentence"))
cap = cr.capture(sentence)
if cap is None:
    st.stop()
layer, head = cr.layer_head("lesson4", cap.n_layers, cap.n_heads, default=(2, 3))
seed = ui.kept_widget(st.number_input, "lesson4_seed", 0, tr("lesson4_seed"), min_value=0, max_value=9999, step=1)
q, k = cap.q[layer, :, head], cap.k[layer, :, head]  # [pos, d_head] each
d = q.shape[-1]
params = scoring.random_scoring_params(d, d, seed=int(seed))
weights = {rule: scoring.weights(rule, q, k, params) for rule in scoring.RULES}
names = {rule: tr(f"lesson4_rule_{rule}") for rule in scoring.RULES}


def rules() -> None:
    st.markdown(tr("lesson4_rules_text", d=d, n=cap.n_tokens))
    st.info(tr("lesson4_random_note", seed=int(seed)))
    for rule in scoring.RULES:
        col_name, col_formula, col_count = st.columns([1, 2, 1])
        col_name.markdown(f"**{names[rule]}**")
        with col_formula:
            st.latex(scoring.FORMULAS[rule])
        col_count.markdown(tr("lesson4_params", count=f"{params.count(rule):,}"))


def maps() -> None:
    st.markdown(tr("lesson4_maps_text"))
    columns = st.columns(len(scoring.RULES))
    for col, rule in zip(columns, scoring.RULES, strict=True):
        fig = plots_lessons.matrix_heatmap(weights[rule], cap.tokens, cap.tokens, title=names[rule], zmin=0, zmax=1)
        fig.update_layout(height=420, margin={"l": 10, "r": 10})
        fig.update_traces(showscale=False)
        col.plotly_chart(fig, key=f"lesson4_map_{rule}")
    table = pd.DataFrame(
        {
            tr("lesson4_col_rule"): [names[r] for r in scoring.RULES],
            tr("lesson4_col_params"): [params.count(r) for r in scoring.RULES],
            tr("lesson4_col_max"): [float(weights[r].max(-1).values.mean()) for r in scoring.RULES],
            tr("lesson4_col_entropy"): [float(scoring.entropy(weights[r]).mean()) for r in scoring.RULES],
            tr("lesson4_col_spread"): [scoring.row_spread(weights[r]) for r in scoring.RULES],
        }
    )
    st.dataframe(table, hide_index=True, key="lesson4_rules_table")
    st.markdown(tr("lesson4_scaled_text", d=d))


def concat_blind() -> None:
    st.latex(r"w^\top [q_i; k_j] + b = \underbrace{w_q^\top q_i}_{\text{same for every } j} + w_k^\top k_j + b \;\Rightarrow\; \mathrm{softmax}_j = \mathrm{softmax}_j(w_k^\top k_j)")
    st.markdown(tr("lesson4_concat_text"))
    st.metric(tr("lesson4_col_spread"), f"{scoring.row_spread(weights['concat']):.1e}")


def seq2seq() -> None:
    st.markdown(tr("lesson4_seq2seq_text"))
    cols = st.columns(5)
    defaults = {"query_size": 32, "key_size": 32, "n_positions": 32, "value_size": 64, "output_size": 32}
    sizes = {
        name: ui.kept_widget(col.number_input, f"lesson4_{name}", default, tr(f"lesson4_{name}"), min_value=1, max_value=scoring.MAX_SIZE, step=1)
        for col, (name, default) in zip(cols, defaults.items(), strict=True)
    }
    try:
        module = scoring.random_seq2seq(**{name: int(size) for name, size in sizes.items()}, seed=int(seed))
    except AttnvizError as err:
        cr.show_error(err)
        return
    st.info(tr("lesson4_seq2seq_note", seed=int(seed)))
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
    attn_weights = next(s.tensor for s in steps if s.name == "weights")[0]
    fig = plots_lessons.bar_chart([str(i) for i in range(len(attn_weights))], attn_weights, title=tr("lesson4_weights_title"), x_title=tr("lesson4_positions"), y_title=tr("weight"))
    st.plotly_chart(fig, key="lesson4_seq2seq_chart")


def question() -> None:
    cr.predict_then_reveal(scoring.query_matters_question(weights["concat"]), "lesson4")


cr.sections(
    classroom,
    [
        (tr("lesson4_sec_rules"), rules),
        (tr("lesson4_sec_maps"), maps),
        (tr("lesson4_sec_concat"), concat_blind),
        (tr("lesson4_sec_seq2seq"), seq2seq),
        (tr("lesson_predict"), question),
    ],
)
