"""Logit lens: a decoder's residual stream after every layer read through its final norm and unembedding."""

import html

import streamlit as st

from attnviz.app import export, ui
from attnviz.errors import AttnvizError
from attnviz.lessons.safe_text import escape_markdown
from attnviz.plots import instruments

tr = ui.tr
MOST = 24  # positions drawn at once: the map stays readable at 1280 px
st.title(tr("lens_nav"))
st.caption(tr("lens_intro"))

col_model, col_colour, col_k = st.columns([2, 2, 1])
model_name = ui.kept_widget(col_model.selectbox, "lens_model", ui.DECODERS[0], tr("lens_model"), choices=ui.DECODERS, format_func=ui.model_labels().get)
colours = {"probability": tr("lens_colour_probability"), "rank": tr("lens_colour_rank")}
colour = ui.kept_widget(col_colour.radio, "lens_colour", "probability", tr("lens_colour"), choices=list(colours), format_func=colours.get, horizontal=True)
k = ui.kept_widget(col_k.slider, "lens_top_k", 5, tr("lens_top_k"), min_value=1, max_value=10)
prompt = ui.kept_widget(st.text_area, "lens_prompt", ui.DEFAULT_PROMPT, tr("lens_prompt"), height=80)
cap, model = ui.prompt_capture(model_name, prompt, "lens_empty")

n = cap.n_tokens
shown = range(max(0, n - MOST), n)
if n > MOST:  # a long prompt: a window of positions, the last ones by default
    st.caption(tr("lens_window_note", n=n, most=MOST))
    lo, hi = ui.kept_widget(st.slider, "lens_window", (shown.start, n - 1), tr("lens_window"), min_value=0, max_value=n - 1)
    shown = range(lo, min(hi, lo + MOST - 1) + 1)
try:
    summary = ui.lens_summary(model_name, prompt, tuple(shown), k, cap)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()

ids = cap.token_ids.tolist()
top_tokens = [[model.next_token_strings(ids[: p + 1], row) for p, row in zip(shown, layer.tolist(), strict=True)] for layer in summary.top_ids]
final_tokens = [model.next_token_strings(ids[: p + 1], [final])[0] for p, final in zip(shown, summary.final_ids.tolist(), strict=True)]
inputs = [cap.tokens[p] for p in shown]
title = tr("lens_map_title", colour=colours[colour])
fig = instruments.lens_map(
    top_tokens, summary.top_logprobs.exp().numpy(), final_tokens, summary.final_rank.numpy(), summary.final_logprobs.exp().numpy(), inputs, colour, title, ui.lang()
)  # fmt: skip
export.chart(fig, key="lens_map")

labels = {p: f"{p}: {cap.tokens[p]}" for p in shown}
position = ui.kept_widget(st.selectbox, "lens_position", shown[-1], tr("lens_position"), choices=list(shown), format_func=labels.get)
a = list(shown).index(position)
first = int(summary.settled_layer()[a])
st.markdown(tr("lens_first_layer", token=escape_markdown(cap.tokens[position]), pos=position, pred=escape_markdown(final_tokens[a]), layer=first))
rank_title = tr("lens_rank_title", pred=html.escape(final_tokens[a], quote=False), token=html.escape(cap.tokens[position], quote=False))
export.chart(instruments.rank_by_layer(summary.final_rank[:, a].numpy(), rank_title, ui.lang()), key="lens_rank")
