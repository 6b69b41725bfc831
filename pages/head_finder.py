"""Head finder: every head of a model measured on a probe set; a map per metric, a table, a card per head."""

import pandas as pd
import streamlit as st

import attnviz
from attnviz.analysis import head_metrics, probes
from attnviz.app import corpus_ui, export, ui
from attnviz.errors import AttnvizError
from attnviz.plots import instruments

tr = ui.tr
EXAMPLES = 3  # top examples on a head's card
st.title(tr("hf_nav"))
st.caption(tr("hf_intro", sentences=len(probes.SENTENCES), repeats=probes.REPEAT_COUNT, length=probes.REPEAT_LENGTH))
corpus_ui.corpus_section()  # a corpus captured by `attnviz capture`, where local folders are allowed

models = list(attnviz.REGISTRY)
col_model, col_metric, col_layer, col_head = st.columns([2, 2, 1, 1])
model_name = ui.kept_widget(col_model.selectbox, "hf_model", models[0], tr("hf_model"), choices=models, format_func=ui.model_labels().get)
try:
    ui.prepare_model(model_name)
    model = ui.get_model(model_name)
    if ui.probe_scores.has(model_name):
        scores = ui.probe_scores(model_name)
    else:
        computing = tr("hf_computing", model=ui.model_label(model_name), n=len(head_metrics.probe_inputs(model)))
        bar = st.progress(0.0, text=computing)
        scores = ui.probe_scores(model_name, lambda done: bar.progress(min(1.0, done), text=computing))
        bar.empty()
except AttnvizError as err:
    ui.show_error(err)
    st.stop()

names = head_metrics.metric_names(model.config.is_decoder)
labels = {name: tr(f"hf_metric_{name}") for name in names}
metric = ui.kept_widget(col_metric.selectbox, "hf_metric", "previous_token", tr("hf_metric"), choices=names, format_func=labels.get)
means = {name: value.numpy() for name, value in scores.means().items()}
values = means[metric]
n_layers, n_heads = values.shape
table = pd.DataFrame(
    [{tr("layer"): l, tr("head"): h, **{labels[name]: float(means[name][l, h]) for name in names}} for l in range(n_layers) for h in range(n_heads)]
).sort_values(labels[metric], ascending=False, kind="stable")  # NaN last
order = [(int(l), int(h)) for l, h in zip(table[tr("layer")], table[tr("head")], strict=True)]
st.session_state["hf_table_heads"] = order  # the table's rows, for its on_select callback
if st.session_state.get("hf_head_of") != (model_name, metric):  # another model or metric: its top head's card
    st.session_state["hf_head_of"] = (model_name, metric)
    for key in ("hf_layer", "hf_head"):
        st.session_state.pop(key, None)
        st.session_state[ui.KEPT].pop(key, None)
layer = ui.kept_widget(col_layer.selectbox, "hf_layer", order[0][0], tr("layer"), choices=range(n_layers))
head = ui.kept_widget(col_head.selectbox, "hf_head", order[0][1], tr("head"), choices=range(n_heads))
st.caption(tr(f"hf_about_{metric}") + " " + tr("hf_map_help"))

col_map, col_table = st.columns(2)
fig = instruments.metric_map(values, labels[metric], tr("hf_map_title", metric=labels[metric]), ui.lang(), selected=(layer, head))
export.chart(fig, key="hf_map", on_select=ui.pick_head_from_map, selection_mode="points", container=col_map)
with col_table:
    st.subheader(tr("hf_table_header"))
    st.caption(tr("hf_table_help"))
    st.dataframe(
        table, hide_index=True, height=instruments.metric_map_height(n_layers) - 80, key="hf_table",
        on_select=ui.pick_head_from_table, selection_mode="single-row",
        column_config={labels[name]: st.column_config.NumberColumn(format="%.3f") for name in names},
    )  # fmt: skip

st.subheader(tr("hf_card_header", layer=layer, head=head))
rank = order.index((layer, head)) + 1
st.caption(tr("hf_rank", rank=rank, total=n_layers * n_heads, metric=labels[metric]))
st.dataframe(pd.DataFrame([{labels[name]: float(means[name][layer, head]) for name in names}]), hide_index=True, key="hf_card_metrics",
             column_config={labels[name]: st.column_config.NumberColumn(format="%.3f") for name in names})  # fmt: skip
top = scores.top_examples(metric, layer, head, EXAMPLES)
if not top:
    st.info(tr("hf_no_examples", metric=labels[metric]))
    st.stop()
st.markdown(f"**{tr('hf_top_examples', k=len(top), metric=labels[metric])}**")
if any(scores.inputs[i].kind == "repeated" for i, _ in top):
    st.caption(tr("hf_kind_repeated"))
for rank_shown, (col, (index, score)) in enumerate(zip(st.columns(len(top)), top, strict=True)):
    probe = scores.inputs[index]
    try:
        cap = ui.get_token_capture(model_name, probe.token_ids)
    except AttnvizError as err:
        ui.show_error(err)
        st.stop()
    title = tr("hf_example_title", metric=labels[metric], score=f"{score:.3f}")
    export.chart(instruments.example_map(cap.pattern[layer, head], cap.tokens, cap.attn_mask, title, ui.lang()), key=f"hf_example_{rank_shown}", container=col)
    if col.button(tr("hf_open"), key=f"hf_open_{rank_shown}", use_container_width=True):
        text = probe.text if probe.text is not None else model.tokenizer.decode(list(probe.token_ids), skip_special_tokens=True)
        st.session_state[ui.KEPT].update(model=model_name, sentence=text, sentence_pair="", layer=layer, head=head, view="head")
        for key in ("model", "sentence", "sentence_pair", "layer", "head", "view"):
            st.session_state.pop(key, None)
        st.switch_page("pages/explorer.py")
