"""Why attention (the bottleneck): two GRU encoder–decoders trained by the same script on the same task,
one without and one with Bahdanau's additive attention; accuracy against source length from their
manifests, a live example translated by both, the attention weights, and Lesson 4's scoring rules
on the trained model's own vectors."""

import streamlit as st

from attnviz.app import export, ui
from attnviz.app import seq2seq_ui as s2s
from attnviz.lessons import scoring
from attnviz.lessons.safe_text import escape_markdown
from attnviz.plots import seq2seq as plots
from attnviz.plots import steps as step_plots

tr = ui.tr
st.title(tr("s2s_why_title"))
st.markdown(tr("s2s_why_intro"))

curve = s2s.length_curve()
export.chart(plots.accuracy_by_length(curve.lengths, s2s.curve_names(curve), tr("s2s_curve_title"), ui.lang(), curve.counts), key="s2s_length_curve")
st.caption(tr("s2s_curve_caption", n=curve.n_examples, seed=curve.seed, max_dates=curve.max_dates))
reading, params = curve.reading()
st.caption(tr(reading, **params))

st.subheader(tr("s2s_why_sub_live"))
source = s2s.source_box("s2s_why_source", s2s.RNN_EXAMPLES[1], s2s.RNN_EXAMPLES, tr("s2s_source_label"))
run = s2s.rnn_run(source)
col_plain, col_attn = st.columns(2)
col_plain.markdown(tr("s2s_why_plain_output", output=escape_markdown(run.plain_output) or "∅"))
col_attn.markdown(tr("s2s_why_attn_output", output=escape_markdown(run.attn_output) or "∅"))
if run.expected is not None:
    st.caption(tr("s2s_why_expected", expected=escape_markdown(run.expected), plain=tr(f"s2s_verdict_{run.plain_output == run.expected}"), attn=tr(f"s2s_verdict_{run.attn_output == run.expected}")))
fig = plots.alignment_map(run.weights, run.source_tokens, run.output_tokens, tr("s2s_why_weights_title"), ui.lang())
export.chart(fig, key="s2s_why_weights")
st.caption(tr("s2s_why_weights_caption"))

st.subheader(tr("s2s_why_sub_scoring"))
st.markdown(tr("s2s_why_scoring_text", d_dec=run.d_query, d_enc=run.d_key))
last = len(run.output_tokens) - 1  # a slider needs two values at least
step = ui.kept_widget(st.slider, "s2s_why_step", 0, tr("s2s_step_label"), min_value=0, max_value=last) if last else 0
rules = s2s.scoring_rules(run, step)
for rule in rules.weights:
    col_name, col_formula = st.columns([1, 3])
    col_name.markdown(f"**{tr(f'lesson4_rule_{rule}')}**")
    with col_formula:
        st.latex(scoring.FORMULAS[rule])
names = {rule: tr(f"lesson4_rule_{rule}") for rule in rules.weights}
series = {names[rule]: weights for rule, weights in rules.weights.items()}
title = tr("s2s_why_scoring_title", step=step, token=run.output_tokens[step])
export.chart(step_plots.weights_compare(series, run.source_tokens, title, ui.lang()), key="s2s_why_scoring")
st.caption(tr("s2s_why_scoring_caption", difference=f"{rules.model_difference:.1e}"))
st.page_link("pages/lessons/scoring.py", label=tr("s2s_link_lesson4"), icon="⚖️")
