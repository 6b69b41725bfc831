"""RoPE and grouped-query attention: rotation angles, q·k before and after rotation, heads sharing keys and values."""

import streamlit as st

from attnviz.analysis import gqa
from attnviz.app import export, ui
from attnviz.model import token_labels
from attnviz.model.attention import rope_angles
from attnviz.plots import decoder as decoder_plots
from attnviz.plots import maps

tr = ui.tr
lang = ui.lang()
st.title(tr("dec_rope_title"))

model_name = ui.kept_widget(st.selectbox, "dec_model", ui.DECODERS[0], tr("dec_model_label"), choices=ui.DECODERS, format_func=ui.model_labels().get)
prompt = ui.kept_widget(st.text_area, "dec_prompt", ui.DEFAULT_PROMPT, tr("dec_prompt"), height=80)
cap, model = ui.prompt_capture(model_name, prompt)
cfg = model.config
if token_labels.has_split_characters(cap.tokens):
    st.caption(tr("dec_token_legend"))
col_layer, col_head = st.columns(2)
layer = ui.kept_widget(col_layer.selectbox, "dec_rope_layer", 0, tr("layer"), choices=range(cap.n_layers))
head = ui.kept_widget(col_head.selectbox, "dec_rope_head", 0, tr("head"), choices=range(cap.n_heads))
window = None  # a long prompt: the angles and both maps show a window of its positions
if cap.n_tokens > maps.FULL_MAX:
    most = maps.WINDOW_MAX // 2  # two maps side by side
    picked = ui.kept_widget(st.slider, "dec_rope_window", (0, most - 1), tr("window_tokens"), min_value=0, max_value=cap.n_tokens - 1)
    window = maps.clamp_range(*picked, cap.n_tokens, most)
    st.caption(tr("steps_window_note", n=cap.n_tokens, lo=window.start, hi=window.stop - 1, most=most))

st.header(tr("dec_rope_header"), divider="gray")
st.markdown(tr("dec_rope_intro", pairs=cfg.d_head // 2, theta=f"{cfg.rope_theta:g}", d_head=cfg.d_head))
angles = rope_angles(cap.n_tokens, cfg.d_head, cfg.rope_theta)
shown = window or range(cap.n_tokens)
export.chart(decoder_plots.rope_angles(angles[shown.start : shown.stop], cap.tokens, tr("dec_angles_title"), lang, shown), key="dec_angles_chart")
st.caption(tr("dec_rope_compare", layer=layer, head=head))
before, after = cap.head_scores_pre_rope(layer, head), cap.head_scores_raw(layer, head)
allowed = cap.attn_mask
half = float(max(before[allowed].abs().max(), after[allowed].abs().max()))
col_before, col_after = st.columns(2)
export.chart(decoder_plots.score_heatmap(before, cap.tokens, allowed, tr("dec_before_rope"), lang, zmax=half, window=window), key="dec_before_chart", container=col_before)
export.chart(decoder_plots.score_heatmap(after, cap.tokens, allowed, tr("dec_after_rope"), lang, zmax=half, window=window), key="dec_after_chart", container=col_after)

st.header(tr("dec_gqa_header"), divider="gray")
if cap.n_kv_heads == cap.n_heads:
    st.info(tr("dec_no_gqa"))
    st.stop()
st.markdown(tr("dec_gqa_intro", heads=cap.n_heads, kv=cap.n_kv_heads, group=cap.n_heads // cap.n_kv_heads))
export.chart(decoder_plots.gqa_groups(cap.kv_heads, lang), key="dec_groups_chart")
similarity = gqa.pattern_similarity(cap.pattern[layer])
within, across = gqa.within_and_across(similarity, cap.kv_heads)
export.chart(decoder_plots.similarity_heatmap(similarity, cap.kv_heads, tr("dec_similarity_title", layer=layer), lang), key="dec_similarity_chart")
st.caption(tr("dec_similarity_help"))
st.markdown(tr("dec_within_summary", layer=layer, within=f"{within:.3f}", across=f"{across:.3f}"))
per_layer = ui.gqa_similarity_by_layer(model_name, prompt, cap)
export.chart(decoder_plots.within_across_lines([w for w, _ in per_layer], [a for _, a in per_layer], lang), key="dec_within_chart")
