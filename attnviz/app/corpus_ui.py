"""The Head finder's corpus section: open an output folder of ``attnviz capture``, see every head's metric over the
whole corpus and, per head, the texts where it scores highest.

A folder on the server is opened only where the operator allows local folders
(``ui.local_models_allowed``, the setting that allows local model folders). The folder's
figures are read with ``attnviz.corpus.results`` and kept per (folder, manifest version,
metric), so switching head reads only that head's rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from attnviz.app import ui
from attnviz.app.cache import process_wide
from attnviz.corpus import results
from attnviz.errors import AttnvizError
from attnviz.lessons.safe_text import escape_markdown
from attnviz.plots import instruments

TOP_TEXTS = 10
SHOWN_TOKENS = 60  # a text's tokens shown in the table, then …


@process_wide(max_entries=32)  # not st.cache_data: any client can clear that
def _means(folder: str, stamp: int, metric: str) -> np.ndarray:
    return results.metric_means(results.open_output(folder), metric)


@process_wide(max_entries=64)
def _top(folder: str, stamp: int, metric: str, layer: int, head: int) -> list[dict]:
    return results.top_texts(results.open_output(folder), metric, layer, head, TOP_TEXTS)


def corpus_section() -> None:
    """Draw the section (an expander, open once a folder is given)."""
    tr = ui.tr
    with st.expander(tr("corpus_ui_header"), expanded=bool(st.session_state.get("corpus_folder"))):
        st.markdown(tr("corpus_ui_intro"))
        if not ui.local_models_allowed():
            st.caption(tr("corpus_ui_off"))
            return
        folder = st.text_input(tr("corpus_ui_folder"), key="corpus_folder", max_chars=4096).strip()
        if not folder:
            return
        try:
            output = results.open_output(folder)
        except AttnvizError as err:
            ui.show_error(err)
            return
        _show(output, folder)


def _show(output: results.Output, folder: str) -> None:
    tr = ui.tr
    manifest = output.manifest
    state = tr("corpus_ui_complete") if manifest["complete"] else tr("corpus_ui_partial", done=manifest["shards_written"], shards=manifest["shards"])
    st.caption(
        tr("corpus_ui_summary", model=escape_markdown(manifest["run"]["model"]), texts=f"{manifest['texts_captured']:,}", rows=f"{manifest['rows_written']:,}",
           bad=manifest["bad_rows"], truncated=manifest["truncated_texts"], state=state)
    )  # fmt: skip  (the model is a name or a folder from the manifest: shown literally)
    stamp = (output.folder / results.MANIFEST).stat().st_mtime_ns
    labels = {name: tr(f"hf_metric_{name}") for name in output.metrics}
    col_metric, col_layer, col_head = st.columns([2, 1, 1])
    metric = col_metric.selectbox(tr("corpus_ui_metric"), output.metrics, format_func=labels.get, key="corpus_metric")
    means = _means(folder, stamp, metric)
    if st.session_state.get("corpus_head_of") != (folder, metric):  # another folder or metric: its top head
        st.session_state["corpus_head_of"] = (folder, metric)
        best = divmod(int(np.nanargmax(means)), means.shape[1]) if np.isfinite(means).any() else (0, 0)
        st.session_state["corpus_layer"], st.session_state["corpus_head"] = best
    n_layers, n_heads = means.shape
    layer = col_layer.selectbox(tr("layer"), range(n_layers), key="corpus_layer")
    head = col_head.selectbox(tr("head"), range(n_heads), key="corpus_head")
    title = tr("corpus_ui_map_title", metric=labels[metric], texts=f"{manifest['texts_captured']:,}")
    st.plotly_chart(instruments.metric_map(means, labels[metric], title, ui.lang(), selected=(layer, head)), key="corpus_map")
    st.markdown(f"**{tr('corpus_ui_top_header', layer=layer, head=head, metric=labels[metric])}**")
    top = _top(folder, stamp, metric, layer, head)
    if not top:
        st.info(tr("corpus_ui_no_texts", metric=labels[metric]))
        return
    table = pd.DataFrame(
        [{tr("corpus_ui_text_index"): row["text_index"], tr("corpus_ui_score"): row["score"], tr("corpus_ui_tokens"): _tokens(row["tokens"])} for row in top]
    )  # a dataframe's cells are plain text: tokens are never read as Markdown or HTML
    st.dataframe(table, hide_index=True, key="corpus_top", column_config={tr("corpus_ui_score"): st.column_config.NumberColumn(format="%.3f")})


def _tokens(tokens: list[str]) -> str:
    shown = " ".join(tokens[:SHOWN_TOKENS])
    return shown + (" …" if len(tokens) > SHOWN_TOKENS else "")
