"""Next token: the decoder's top-k next tokens with probabilities; temperature and k change the view, not the run."""

import html

import streamlit as st

from attnviz.analysis import decoding
from attnviz.app import export, ui
from attnviz.lessons.safe_text import escape_markdown
from attnviz.model import token_labels
from attnviz.plots import decoder as decoder_plots

tr = ui.tr
st.title(tr("dec_next_title"))

model_name = ui.kept_widget(st.selectbox, "dec_model", ui.DECODERS[0], tr("dec_model_label"), choices=ui.DECODERS, format_func=ui.model_labels().get)
prompt = ui.kept_widget(st.text_area, "dec_prompt", ui.DEFAULT_PROMPT, tr("dec_prompt"), height=80)
cap, model = ui.prompt_capture(model_name, prompt)
st.markdown(tr("dec_next_intro", vocab=f"{model.config.d_vocab:,}"))

if st.session_state.get("dec_position_of") != (model_name, prompt):  # a new prompt: predict after its last token
    st.session_state["dec_position_of"] = (model_name, prompt)
    st.session_state.pop("dec_position", None)
    st.session_state[ui.KEPT].pop("dec_position", None)
col_t, col_k, col_pos = st.columns(3)
temperature = ui.kept_widget(col_t.slider, "dec_temperature", 1.0, tr("dec_temperature"), min_value=0.1, max_value=3.0, step=0.05, help=tr("dec_temperature_help"))
k = ui.kept_widget(col_k.slider, "dec_top_k", 10, tr("dec_top_k"), min_value=1, max_value=50)
labels = [f"{i}: {tok}" for i, tok in enumerate(cap.tokens)]
position = ui.kept_widget(col_pos.selectbox, "dec_position", cap.n_tokens - 1, tr("dec_predict_after"), choices=range(cap.n_tokens), format_func=labels.__getitem__)

probs = decoding.next_token_probs(cap.logits[position], temperature)
ids, top = decoding.top_k(probs, k)
title = tr("dec_bars_title", token=html.escape(cap.tokens[position]), pos=position, k=k, vocab=f"{len(probs):,}", temperature=f"{temperature:g}")
candidates = model.next_token_strings(cap.token_ids[: position + 1].tolist(), ids.tolist())  # a candidate may finish a character
col_bars, col_attention = st.columns(2)
export.chart(decoder_plots.next_token_bars(candidates, top, title, ui.lang()), key="dec_next_chart", container=col_bars)
with col_attention:  # where the predicting position reads from
    mean_label = tr("dec_heads_mean")  # "mean", not None: a selectbox shows None as "no choice"
    head_labels = {"mean": mean_label, **{h: str(h) for h in range(cap.n_heads)}}
    head = ui.kept_widget(st.selectbox, "dec_head", "mean", tr("head"), choices=list(head_labels), format_func=head_labels.get)
    rows = decoding.position_rows(cap, position, None if head == "mean" else head)
    which = mean_label if head == "mean" else f"{tr('head')} {head}"
    attention_title = tr("dec_next_attention_title", token=html.escape(cap.tokens[position]), pos=position)
    export.chart(decoder_plots.newest_token_rows(rows, cap.tokens[: position + 1], attention_title, ui.lang()), key="dec_next_attention")
    st.caption(tr("dec_next_attention_text", which=which))
if token_labels.has_split_characters([*cap.tokens, *candidates]):
    st.caption(tr("dec_token_legend"))
st.latex(r"p(w) = \frac{e^{z_w / T}}{\sum_{v} e^{z_v / T}}")
st.caption(tr("dec_mass", k=k, mass=f"{float(top.sum()):.1%}", total=f"{float(probs.sum()):.4f}"))
if position + 1 < cap.n_tokens:
    actual = int(cap.token_ids[position + 1])
    rank = int((probs > probs[actual]).sum()) + 1
    st.caption(tr("dec_actual_next", token=escape_markdown(cap.tokens[position + 1]), p=f"{float(probs[actual]):.4f}", rank=rank))
