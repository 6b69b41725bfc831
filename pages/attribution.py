"""Does attention explain the output? Raw attention, rollout and flow beside gradient × input and integrated gradients."""

import pandas as pd
import streamlit as st

import attnviz
from attnviz.analysis.attribution import METHODS
from attnviz.app import export, ui
from attnviz.errors import AttnvizError
from attnviz.lessons.safe_text import escape_markdown
from attnviz.plots import attribution as plots

tr = ui.tr
IOI_PROMPT = "When Mary and John went to the store, John gave a drink to"
st.title(tr("attr_title"))
st.info(tr("attr_intro"))

models = list(attnviz.REGISTRY)
model_name = ui.kept_widget(st.selectbox, "attr_model", models[0], tr("attr_model"), choices=models, format_func=ui.model_labels().get)
if ui.is_decoder(model_name):
    first = ui.kept_widget(st.text_area, "attr_prompt", IOI_PROMPT, tr("attr_prompt"), height=70)
    col_t, col_d = st.columns(2)
    target = ui.kept_widget(col_t.text_input, "attr_target", " Mary", tr("attr_target"))
    distractor = ui.kept_widget(col_d.text_input, "attr_distractor", " John", tr("attr_distractor"))
    second = (target, distractor)
else:
    first = ui.kept_widget(st.text_input, "attr_first", "A man is playing a guitar.", tr("attr_first"))
    second = (ui.kept_widget(st.text_input, "attr_second", "Someone is playing an instrument.", tr("attr_second")),)
steps = ui.kept_widget(st.select_slider, "attr_steps", 128, tr("attr_steps"), options=[16, 32, 64, 128, 256])
if not first.strip() or not all(part.strip() for part in second):
    st.info(tr("pairs_empty"))
    st.stop()
try:
    with st.spinner(tr("attr_computing", steps=steps)):
        result = ui.explanation(model_name, first, second, steps)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()

value = f"{result.ig.value:.4f}"
if ui.is_decoder(model_name):
    st.markdown(tr("attr_output_decoder", target=escape_markdown(repr(second[0])), distractor=escape_markdown(repr(second[1])), value=value))
else:
    st.markdown(tr("attr_output_encoder", value=value))
query = result.tokens[result.query]
export.chart(plots.method_heatmap(result.scores, result.tokens, tr("attr_map_title", query=f"{query} ·{result.query}"), ui.lang()), key="attr_map")
st.caption(tr("attr_map_help"))

st.subheader(tr("attr_corr_header"))
names = [tr(f"attr_method_{name}") for name in METHODS]
table = pd.DataFrame(result.correlations.numpy(), index=names, columns=names)
st.dataframe(table.style.format(lambda v: "—" if v != v else f"{v:.2f}"), key="attr_corr")
st.caption(tr("attr_corr_help"))

st.subheader(tr("attr_complete_header"))
ig = result.ig
export.chart(plots.completeness_bars(ig.total, ig.value - ig.baseline_value, ig.gap, ig.steps, ui.lang()), key="attr_complete")
st.caption(tr("attr_complete_help", steps=ig.steps, baseline=tr(f"attr_baseline_{ig.baseline}")))
