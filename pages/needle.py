"""Needle in a haystack: a long text with one planted fact, and the heads that retrieve it (Wu et al. 2024)."""

import html

import streamlit as st

from attnviz.analysis import retrieval
from attnviz.app import export, ui
from attnviz.errors import AttnvizError
from attnviz.plots import retrieval as retrieval_plots

tr = ui.tr
st.title(tr("needle_title"))
st.markdown(tr("needle_intro"))

model_name = ui.kept_widget(st.selectbox, "dec_model", ui.DECODERS[0], tr("dec_model_label"), choices=ui.DECODERS, format_func=ui.model_labels().get)
try:
    ui.prepare_model(model_name)
    with st.spinner(tr("loading_model", name=model_name)):
        model = ui.get_model(model_name)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()
most = ui.app_max_tokens(model)  # the model's own context, or what this server's capture budget holds
col_n, col_depth = st.columns(2)
n_tokens = ui.kept_widget(col_n.slider, "needle_tokens", min(256, most), tr("needle_length"), min_value=min(64, most), max_value=most, step=32, help=tr("needle_length_help", most=most))
depth = ui.kept_widget(col_depth.slider, "needle_depth", 50, tr("needle_depth"), min_value=0, max_value=100, step=5, format="%d %%", help=tr("needle_depth_help"))
needle = ui.kept_widget(st.text_input, "needle_text", retrieval.DEFAULT_NEEDLE, tr("needle_needle"), max_chars=300)
question = ui.kept_widget(st.text_input, "needle_question", retrieval.DEFAULT_QUESTION, tr("needle_question"), max_chars=300)
settings = (model_name, n_tokens, depth, needle, question)
if st.button(tr("needle_run"), key="needle_run", type="primary"):
    st.session_state["needle_ran"] = settings
ran = st.session_state.get("needle_ran")
if ran is None:
    st.info(tr("needle_press_run"))
    st.stop()
if ran != settings:
    st.caption(tr("needle_stale"))
model_name, n_tokens, depth, needle, question = ran

try:
    model = ui.get_model(model_name)
    prompt = retrieval.needle_prompt(model.tokenizer, n_tokens, needle, question, depth / 100)
    if not ui.needle_search.has(model_name, prompt.ids, prompt.needle):
        bar = st.progress(0.0, text=tr("needle_progress", n=len(prompt.ids)))
        result = ui.needle_search(model_name, prompt.ids, prompt.needle, lambda done, total: bar.progress(done / total, text=tr("needle_progress_step", n=len(prompt.ids), done=done, total=total)))
        bar.empty()
    result = ui.needle_search(model_name, prompt.ids, prompt.needle)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()

answer = model.speller.text(list(result.answer_ids))
number = retrieval.needle_number(needle)
st.subheader(tr("needle_answer_header"))
st.caption(tr("needle_summary", n=len(prompt.ids), depth=depth, at=prompt.needle.start, m=len(result.answer_ids)))
st.text(answer)
if number is None:
    st.info(tr("needle_no_number"))
elif number in answer:
    st.success(tr("needle_found", number=number))
else:
    st.warning(tr("needle_missed", number=number))
with st.expander(tr("needle_show_text")):
    st.text(prompt.text)

st.subheader(tr("needle_scores_header"))
st.caption(tr("needle_scores_help"))
export.chart(retrieval_plots.score_heatmap(result.scores, tr("needle_heatmap_title", m=len(result.answer_ids)), ui.lang()), key="needle_heatmap")
if not result.heads:
    st.info(tr("needle_no_heads"))
    st.stop()
st.dataframe(
    {tr("layer"): [l for l, _, _ in result.heads], tr("head"): [h for _, h, _ in result.heads], tr("needle_score"): [round(s, 3) for _, _, s in result.heads]},
    hide_index=True, key="needle_table",
)  # fmt: skip

st.caption(tr("needle_open_help"))
shown = result.heads[:5]
start, end = len(prompt.ids), len(prompt.ids) + len(result.answer_ids)
for col, (layer, head, _) in zip(st.columns(len(shown)), shown, strict=True):
    if col.button(tr("needle_open", layer=layer, head=head), key=f"needle_open_{layer}_{head}", icon="🔎", help=tr("needle_open_tip"), use_container_width=True):
        # the Explorer's kept view: this text and head, its window on the answer's queries and the needle's keys
        window = {"window_queries": (start - 1, end - 2), "window_keys": (max(0, prompt.needle.start - 4), min(end - 1, prompt.needle.stop + 3))}
        text = prompt.text + model.tokenizer.decode(list(result.answer_ids))
        st.session_state[ui.KEPT].update(model=model_name, sentence=text, sentence_pair="", layer=layer, head=head, view="head", **window)
        for key in ("model", "sentence", "sentence_pair", "layer", "head", "view", *window):
            st.session_state.pop(key, None)
        st.switch_page("pages/explorer.py")

st.subheader(tr("needle_context_header"))
names = {i: tr("heatmap_title", layer=l, head=h) + f" ({s:.2f})" for i, (l, h, s) in enumerate(result.heads)}  # data, not a function of this page
col_head, col_step = st.columns(2)
pick = col_head.selectbox(tr("needle_pick_head"), list(names), format_func=names.get, key="needle_head")
answer_tokens = model.token_strings([*prompt.ids, *result.answer_ids])[len(prompt.ids) :]
steps = {i: f"{i + 1}: {token}" for i, token in enumerate(answer_tokens)}
first_digit = next((i for i, token in enumerate(answer_tokens) if any(c.isdigit() for c in token)), 0)  # where the number starts
step = col_step.selectbox(tr("needle_pick_step"), list(steps), index=first_digit, format_func=steps.get, key="needle_step")
layer, head, _ = result.heads[pick]
tokens = model.token_strings([*prompt.ids, *result.answer_ids])
title = tr("needle_context_title", layer=layer, head=head, token=html.escape(answer_tokens[step]), n=len(tokens))
export.chart(retrieval_plots.context_attention(result.rows[pick, step], tokens, prompt.needle, title, ui.lang()), key="needle_context")
