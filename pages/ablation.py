"""Ablation and patching: the change in the next-token choice when each head's output is removed or swapped."""

import streamlit as st

from attnviz.app import export, ui
from attnviz.errors import AttnvizError
from attnviz.plots import attribution as plots

tr = ui.tr
IOI_PROMPT = "When Mary and John went to the store, John gave a drink to"
IOI_DONOR = "When Mary and John went to the store, Mary gave a drink to"
st.title(tr("abl_title"))
st.markdown(tr("abl_intro"))

model_name = ui.kept_widget(st.selectbox, "abl_model", ui.DECODERS[0], tr("attr_model"), choices=ui.DECODERS, format_func=ui.model_labels().get)
prompt = ui.kept_widget(st.text_area, "abl_prompt", IOI_PROMPT, tr("abl_prompt"), height=70)
col_t, col_d, col_how, col_metric = st.columns(4)
target = ui.kept_widget(col_t.text_input, "abl_target", " Mary", tr("attr_target"))
distractor = ui.kept_widget(col_d.text_input, "abl_distractor", " John", tr("attr_distractor"))
how_names = {"zero": tr("abl_how_zero"), "mean": tr("abl_how_mean")}
how = ui.kept_widget(col_how.radio, "abl_how", "zero", tr("abl_how"), choices=list(how_names), format_func=how_names.get)
metric_names = {"logit": tr("abl_metric_logit"), "prob": tr("abl_metric_prob")}
metric = ui.kept_widget(col_metric.radio, "abl_metric", "logit", tr("abl_metric"), choices=list(metric_names), format_func=metric_names.get)
if not prompt.strip() or not target.strip() or not distractor.strip():
    st.info(tr("pairs_empty"))
    st.stop()
config = ui.get_model(model_name).config


def run_with_progress(compute):
    """``compute(progress)`` with a progress bar per layer; an attnviz error shown, then the page stops."""
    bar = st.progress(0.0)
    try:
        return compute(lambda done, total: bar.progress(done / total, text=tr("abl_running", done=done, total=total)))
    except AttnvizError as err:
        ui.show_error(err)
        st.stop()
    finally:
        bar.empty()


def show_map(result, title: str, chart_key: str) -> None:
    """The layer × head map of ``result.change`` and a button per top head that opens it in the Explorer."""
    export.chart(plots.head_map(result.change, title, tr("abl_colorbar"), ui.lang()), key=chart_key)
    st.markdown(f"**{tr('abl_top')}**")
    st.caption(tr("abl_open_help"))
    top = result.top(5)
    for col, (layer, head, change) in zip(st.columns(len(top)), top, strict=True):
        if col.button(tr("abl_top_item", layer=layer, head=head, change=f"{change:+.3f}"), key=f"{chart_key}_{layer}_{head}", use_container_width=True):
            ui.open_in_explorer(model_name, prompt, layer, head)


args = (model_name, prompt, target, distractor, how, metric)
if ui.head_ablation.has(*args) or st.button(tr("abl_run"), key="abl_run", type="primary"):
    result = run_with_progress(lambda progress: ui.head_ablation(*args, progress))
    st.markdown(tr("abl_clean", metric=metric_names[metric], value=f"{result.clean:.4f}"))
    show_map(result, tr("abl_map_title", metric=metric_names[metric]), "abl_map")
else:
    st.info(tr("abl_press", runs=config.n_layers * config.n_heads, layers=config.n_layers, heads=config.n_heads))

st.header(tr("abl_patch_header"))
st.markdown(tr("abl_patch_intro"))
donor = ui.kept_widget(st.text_area, "abl_donor", IOI_DONOR, tr("abl_donor"), height=70)
patch_args = (model_name, prompt, donor, target, distractor, metric)
if donor.strip() and (ui.head_patching.has(*patch_args) or st.button(tr("abl_patch_run"), key="abl_patch_run")):
    patched = run_with_progress(lambda progress: ui.head_patching(*patch_args, progress))
    st.markdown(tr("abl_patch_values", clean=f"{patched.clean:.4f}", donor=f"{patched.donor:.4f}"))
    show_map(patched, tr("abl_patch_title", metric=metric_names[metric]), "abl_patch_map")
