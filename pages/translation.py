"""Translation (cross-attention): a date in, its ISO form out, one output token at a time, with the
cross-attention of every layer and head over the source, the alignment, both self-attentions,
and teacher forcing's shifted-right rows."""

import streamlit as st

from attnviz.app import export, present, ui
from attnviz.app import seq2seq_ui as s2s
from attnviz.lessons.safe_text import escape_markdown
from attnviz.plots import lessons as lesson_plots
from attnviz.plots import seq2seq as plots

tr = ui.tr
st.title(tr("s2s_tr_title"))
st.markdown(tr("s2s_tr_intro"))
name = s2s.translator_choice()
s2s.translator(name)  # stops with a message unless it loads as an encoder–decoder; names a local folder's model
col_text, col_example, col_layer, col_head = st.columns([2.4, 1.6, 0.8, 1.2], vertical_alignment="bottom")
source = s2s.source_box("s2s_source", s2s.EXAMPLES[0], s2s.EXAMPLES, tr("s2s_source_label"), columns=(col_text, col_example))
cap = s2s.source_capture(name, source)
view = s2s.translation_view(cap)
layer = ui.kept_widget(col_layer.selectbox, "s2s_layer", cap.n_decoder_layers - 1, tr("s2s_decoder_layer"), choices=list(range(cap.n_decoder_layers)))
heads = s2s.head_labels(cap.n_heads)
head = ui.kept_widget(col_head.selectbox, "s2s_head", "mean", tr("head"), choices=list(heads), format_func=heads.get)
step = s2s.step_picker(len(view.outputs), view.outputs, of=(name, source))

col_align, col_steps = st.columns([3, 2]) if not present.is_on() else (st.container(), st.container())
with col_align:
    title = tr("s2s_alignment_title", layer=layer, head=heads[head])
    fig = plots.alignment_map(s2s.cross_weights(cap, layer, head), view.source_tokens, view.outputs, title, ui.lang(), step=step)
    export.chart(present.fit(fig, height=present.CHART_HEIGHT), key="s2s_alignment")
    output = tr("s2s_tr_output", source=escape_markdown(source), output=escape_markdown(view.translation) or "∅", n=len(view.outputs))
    st.markdown(output + " " + tr("s2s_tr_so_far", step=step, written=escape_markdown(view.written(step)) or "∅", token=escape_markdown(view.outputs[step]), given=escape_markdown(view.inputs[step])))
    st.caption(tr("s2s_alignment_caption"))
with col_steps:
    title = tr("s2s_multiples_title", step=step, token=view.outputs[step])
    export.chart(plots.step_multiples(s2s.step_rows(cap, step), view.source_tokens, title, ui.lang()), key="s2s_step_multiples")
    st.caption(tr("s2s_multiples_caption"))

st.subheader(tr("s2s_sub_teacher"))
st.markdown(tr("s2s_teacher_text"))
export.chart(plots.teacher_forcing(view.inputs, view.outputs, ui.lang(), step=step), key="s2s_teacher")

st.subheader(tr("s2s_sub_self"))
col_enc, col_dec = st.columns(2)
with col_enc:
    enc_layer = ui.kept_widget(st.selectbox, "s2s_enc_layer", cap.n_layers - 1, tr("s2s_encoder_layer"), choices=list(range(cap.n_layers)))
    title = tr("s2s_encoder_title", layer=enc_layer, head=heads[head])
    fig = lesson_plots.matrix_heatmap(s2s.encoder_weights(cap, enc_layer, head), view.source_tokens, view.source_tokens, title, tr("key"), tr("query"), zmin=0, zmax=1, colorbar_title=tr("weight"))
    export.chart(fig, key="s2s_encoder_self")
    st.caption(tr("s2s_encoder_caption"))
with col_dec:
    title = tr("s2s_decoder_title", layer=layer, head=heads[head])
    fig = lesson_plots.matrix_heatmap(s2s.decoder_weights(cap, layer, head), view.inputs, view.inputs, title, tr("key"), tr("query"), zmin=0, zmax=1, colorbar_title=tr("weight"))
    export.chart(fig, key="s2s_decoder_self")
    st.caption(tr("s2s_decoder_caption"))

with st.expander(tr("s2s_all_heads")):
    export.chart(plots.alignment_multiples(cap.cross_pattern, view.source_tokens, view.outputs, tr("s2s_all_heads_title"), ui.lang()), key="s2s_all_heads_chart")
