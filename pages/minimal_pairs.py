"""Minimal pairs: two sentences that differ in one word, aligned, and the heads whose pattern changes most."""

import pandas as pd
import streamlit as st

import attnviz
from attnviz.app import export, ui
from attnviz.errors import AttnvizError
from attnviz.plots import attribution as plots
from attnviz.plots import maps

tr = ui.tr
st.title(tr("pairs_title"))
st.markdown(tr("pairs_intro"))

models = list(attnviz.REGISTRY)
model_name = ui.kept_widget(st.selectbox, "pairs_model", models[0], tr("attr_model"), choices=models, format_func=ui.model_labels().get)
col_a, col_b = st.columns(2)
text_a = ui.kept_widget(col_a.text_input, "pairs_a", ui.EXAMPLES[0], tr("pairs_a"))
text_b = ui.kept_widget(col_b.text_input, "pairs_b", ui.EXAMPLES[1], tr("pairs_b"))
if not text_a.strip() or not text_b.strip():
    st.info(tr("pairs_empty"))
    st.stop()
try:
    diff = ui.pair_difference(model_name, text_a, text_b)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()

st.subheader(tr("pairs_aligned"))
aligned = pd.DataFrame(
    {
        tr("pairs_col_pos"): range(len(diff.tokens_a)),
        tr("pairs_a"): diff.tokens_a,
        tr("pairs_b"): diff.tokens_b,
        tr("pairs_col_differs"): ["✓" if i in diff.differing else "" for i in range(len(diff.tokens_a))],
    }
)
st.dataframe(aligned.set_index(tr("pairs_col_pos")).T, key="pairs_tokens")
if not diff.differing:
    st.info(tr("pairs_same"))
    st.stop()
export.chart(plots.head_map(diff.change, tr("pairs_map_title"), tr("pairs_colorbar"), ui.lang(), diverging=False), key="pairs_map")

st.subheader(tr("pairs_top"))
top = diff.top(5)
names = {i: tr("pairs_head_item", layer=layer, head=head, change=f"{change:.3f}") for i, (layer, head, change) in enumerate(top)}
pick = st.radio(tr("pairs_pick"), list(names), format_func=names.get, key="pairs_head", horizontal=True)
layer, head, _ = top[pick]
cap_a, cap_b = ui.get_capture(model_name, text_a), ui.get_capture(model_name, text_b)
left, right = st.columns(2)
for col, cap, text, side in ((left, cap_a, text_a, "a"), (right, cap_b, text_b, "b")):
    title = tr("pairs_pattern_title", sentence=tr(f"pairs_{side}"), layer=layer, head=head)
    export.chart(maps.attention_heatmap(cap.pattern[layer, head], cap.tokens, attn_mask=cap.attn_mask, title=title, lang=ui.lang()), key=f"pairs_pattern_{side}", container=col)
    if col.button(tr("open_head", layer=layer, head=head), key=f"pairs_open_{side}"):
        ui.open_in_explorer(model_name, text, layer, head)
