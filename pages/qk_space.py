"""Query/key space of a head (AttentionViz): its queries and keys over the probe set in one plane."""

import streamlit as st

import attnviz
from attnviz.analysis import head_metrics, probes, qk_space
from attnviz.app import export, present, qk_ui, ui
from attnviz.errors import AttnvizError
from attnviz.plots import qk_space as qk_plots

tr = ui.tr
st.title(tr("qk_title"))
st.caption(tr("qk_intro", sentences=len(probes.SENTENCES), repeats=probes.REPEAT_COUNT))

models = list(attnviz.REGISTRY)
methods = [m for m in qk_space.METHODS if m == "pca" or qk_space.umap_available()]
col_model, col_layer, col_head, col_method, col_colour = st.columns([2, 1, 1, 1, 2])
model_name = ui.kept_widget(col_model.selectbox, "qk_model", models[0], tr("model"), choices=models, format_func=ui.model_labels().get)
try:
    ui.prepare_model(model_name)
    config = ui.get_model(model_name).config
    if not qk_ui.probe_vectors.has(model_name):
        computing = tr("qk_computing", model=ui.model_label(model_name), n=len(head_metrics.probe_inputs(ui.get_model(model_name))))
        bar = st.progress(0.0, text=computing)
        qk_ui.probe_vectors(model_name, lambda done: bar.progress(min(1.0, done), text=computing))
        bar.empty()
    layer = ui.kept_widget(col_layer.selectbox, "qk_layer", 0, tr("layer"), choices=range(config.n_layers))
    head = ui.kept_widget(col_head.selectbox, "qk_head", 0, tr("head"), choices=range(config.n_heads))
    method_labels = {m: tr(f"qk_method_{m}") for m in qk_space.METHODS}
    method = ui.kept_widget(col_method.radio, "qk_method", "pca", tr("qk_method"), choices=methods, format_func=method_labels.get, horizontal=True)
    colour_labels = {c: tr(f"qk_colour_{c}") for c in qk_plots.COLOUR_BY}
    colour_by = ui.kept_widget(col_colour.radio, "qk_colour", "kind", tr("qk_colour"), choices=qk_plots.COLOUR_BY, format_func=colour_labels.get, horizontal=True)
    if qk_ui.projection.has(model_name, layer, head, method):
        proj = qk_ui.projection(model_name, layer, head, method)
    else:
        with st.spinner(tr(f"qk_running_{method}")):  # UMAP: seconds to minutes (its first run compiles)
            proj = qk_ui.projection(model_name, layer, head, method)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()

title = tr("qk_plot_title", layer=layer, head=head, method=method_labels[method])
fig = present.fit(qk_plots.qk_scatter(proj, title, ui.lang(), colour_by), height=present.CHART_HEIGHT)
export.chart(fig, f"qk_space_{model_name}_L{layer}H{head}_{method}", key="qk_chart")
kv = int(qk_ui.probe_vectors(model_name).kv_head_of[head])
st.caption(tr("qk_summary", n=len(proj.tokens) // 2, layer=layer, head=head, kv=kv, scale=proj.scale, shift=float(proj.shift.norm())))
st.caption(tr("qk_reading"))
if not qk_space.umap_available():
    st.caption(tr("qk_no_umap"))
