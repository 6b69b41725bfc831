"""Generation, step by step: append one token at a time (greedy or seeded sampling) and watch the newest token's attention."""

import html

import streamlit as st

import attnviz
from attnviz.analysis import decoding
from attnviz.app import export, ui
from attnviz.errors import AttnvizError
from attnviz.lessons.safe_text import escape_markdown
from attnviz.model import token_labels
from attnviz.plots import decoder as decoder_plots

tr = ui.tr
N_CANDIDATES = 10  # the candidates shown at each step
st.title(tr("dec_gen_title"))
st.markdown(tr("dec_gen_intro"))

model_name = ui.kept_widget(st.selectbox, "dec_model", ui.DECODERS[0], tr("dec_model_label"), choices=ui.DECODERS, format_func=ui.model_labels().get)
prompt = ui.kept_widget(st.text_area, "dec_prompt", ui.DEFAULT_PROMPT, tr("dec_prompt"), height=80)
strategy_labels = {"greedy": tr("dec_strategy_greedy"), "sample": tr("dec_strategy_sample")}
col_s, col_t, col_k, col_seed = st.columns([2, 1, 1, 1])
strategy = ui.kept_widget(col_s.radio, "dec_strategy", "greedy", tr("dec_strategy"), choices=tuple(strategy_labels), format_func=strategy_labels.get)
sampling = strategy == "sample"
temperature = ui.kept_widget(col_t.slider, "dec_gen_temperature", 1.0, tr("dec_temperature"), min_value=0.1, max_value=3.0, step=0.05, disabled=not sampling)
k = ui.kept_widget(col_k.slider, "dec_gen_top_k", 50, tr("dec_top_k"), min_value=1, max_value=200, disabled=not sampling)
seed = int(ui.kept_widget(col_seed.number_input, "dec_seed", 0, tr("dec_seed"), min_value=0, max_value=2**31 - 1, step=1, disabled=not sampling))
prompt_cap, model = ui.prompt_capture(model_name, prompt)

# The generated tokens live in the session; new settings start over. Stepping back keeps
# them, so stepping forward again shows the same tokens without choosing again.
settings = (model_name, prompt, strategy, temperature, k, seed) if sampling else (model_name, prompt, strategy)
state = st.session_state.setdefault("dec_gen", {})
if state.get("settings") != settings:
    state.update(settings=settings, chosen=[], step=0)
prompt_ids = tuple(prompt_cap.token_ids.tolist())


def capture_of(ids) -> attnviz.Capture:
    """The capture of the prompt followed by generated tokens (``ids`` start with the prompt's; each is cached)."""
    return prompt_cap if len(ids) == len(prompt_ids) else ui.get_token_capture(model_name, tuple(ids))


at_limit = len(prompt_ids) + state["step"] >= ui.app_max_tokens(model)
col_back, col_forward, col_restart = st.columns(3)
col_back.button(tr("dec_step_back"), key="dec_back", on_click=ui.move_generation, args=(-1,), disabled=state["step"] == 0, use_container_width=True)
col_forward.button(tr("dec_step_forward"), key="dec_forward", on_click=ui.move_generation, args=(1,), disabled=at_limit, type="primary", use_container_width=True)
col_restart.button(tr("dec_restart"), key="dec_restart", on_click=ui.restart_generation, disabled=not state["chosen"], use_container_width=True)

step = state["step"]
try:
    if len(state["chosen"]) < step:  # choose the tokens not chosen yet, each from the capture before it
        state["chosen"] = decoding.generate(capture_of, list(prompt_ids), step, strategy, temperature, k, seed, chosen=state["chosen"])
    cap = capture_of(prompt_ids + tuple(state["chosen"][:step]))
except AttnvizError as err:
    ui.show_error(err)
    st.stop()

if step == 0:
    st.info(tr("dec_gen_step0", n=len(prompt_ids)))
else:
    before = capture_of(prompt_ids + tuple(state["chosen"][: step - 1]))  # the capture the newest token was chosen from
    chosen = state["chosen"][step - 1]
    p = decoding.choice_probability(before.logits[-1], chosen, strategy, temperature)
    st.success(tr("dec_gen_step", step=step, token=escape_markdown(cap.tokens[-1]), p=f"{p:.4f}"))
    # the candidates it was chosen among: the distribution drawn from (softmax(logits / T) when sampling)
    ids, probs, rank = decoding.candidates(before.logits[-1], chosen, N_CANDIDATES, temperature if sampling else 1.0)
    names = model.next_token_strings(list(before.token_ids.tolist()), ids.tolist())  # a candidate may finish a character
    where = ids.tolist().index(chosen) if chosen in ids.tolist() else None
    title = tr("dec_candidates_title", step=step, k=len(names), token=html.escape(before.tokens[-1]))
    export.chart(decoder_plots.next_token_bars(names, probs, title, ui.lang(), highlight=where), key="dec_candidates_chart")
    st.caption(tr("dec_chosen_rank", token=escape_markdown(cap.tokens[-1]), rank=rank, vocab=f"{len(before.logits[-1]):,}", p=f"{p:.4f}"))
if at_limit:
    st.warning(tr("dec_gen_limit", max=ui.app_max_tokens(model)))
st.caption(tr("dec_gen_text"))
st.text(model.speller.text(cap.token_ids.tolist()))
if token_labels.has_split_characters(cap.tokens):
    st.caption(tr("dec_token_legend"))

mean_label = tr("dec_heads_mean")  # "mean", not None: a selectbox shows None as "no choice"
head_labels = {"mean": mean_label, **{h: str(h) for h in range(cap.n_heads)}}  # data, not a function of this page (it would keep cap)
head = ui.kept_widget(st.selectbox, "dec_head", "mean", tr("head"), choices=list(head_labels), format_func=head_labels.get)
rows = decoding.newest_token_rows(cap, None if head == "mean" else head)
title = tr("dec_rows_title", token=html.escape(cap.tokens[-1])) + (f" — {mean_label}" if head == "mean" else f" — {tr('head')} {head}")
export.chart(decoder_plots.newest_token_rows(rows, cap.tokens, title, ui.lang()), key="dec_rows_chart")
