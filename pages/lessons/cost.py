"""Lesson 8: what self-attention costs — the complexity table and measurements on this machine."""

import pandas as pd
import streamlit as st

from attnviz.app import export, present, ui
from attnviz.app import lesson_frame as cr
from attnviz.errors import AttnvizError
from attnviz.lessons import cost
from attnviz.plots import lessons as lesson_plots

tr = ui.tr
LENGTHS = [2**p for p in range(3, 14)]  # 8 … 8192
RESULT = "lesson8_result"
classroom = cr.start(8)
layer_names = {layer: tr(f"lesson8_layer_{layer}") for layer in cost.LAYERS}


def table(at: cr.Place) -> None:
    st.markdown(tr("lesson8_table_text"))
    rows = pd.DataFrame(
        {
            tr("lesson8_col_layer"): [tr(f"lesson8_kind_{kind}") for kind, *_ in cost.COMPLEXITY],
            tr("lesson8_col_per_layer"): [per_layer for _, per_layer, _, _ in cost.COMPLEXITY],
            tr("lesson8_col_sequential"): [sequential for _, _, sequential, _ in cost.COMPLEXITY],
            tr("lesson8_col_path"): [path for *_, path in cost.COMPLEXITY],
        }
    )
    st.dataframe(rows, hide_index=True, key="lesson8_complexity_table")
    st.markdown(tr("lesson8_table_after"))


def measure(at: cr.Place) -> None:
    st.markdown(tr("lesson8_measure_text"))
    col_min, col_max, col_d, col_k, col_cap = present.columns([1] * 5, parent=at.controls)
    n_min = ui.kept_widget(col_min.selectbox, "lesson8_n_min", 64, tr("lesson8_n_min"), choices=LENGTHS)
    n_max = ui.kept_widget(col_max.selectbox, "lesson8_n_max", 2048, tr("lesson8_n_max"), choices=LENGTHS)
    d = ui.kept_widget(col_d.selectbox, "lesson8_d", 64, tr("lesson8_d"), choices=(8, 16, 32, 64, 128, 256))
    repeats = ui.kept_widget(col_k.slider, "lesson8_repeats", 5, tr("lesson8_repeats"), min_value=1, max_value=15, help=tr("lesson8_repeats_help"))
    cap_s = ui.kept_widget(col_cap.slider, "lesson8_cap", 10, tr("lesson8_cap"), min_value=1, max_value=60)
    if at.controls.button(tr("lesson8_run"), key="lesson8_run", type="primary"):
        slot = st.empty()
        bar = slot.progress(0.0, text=tr("lesson8_running"))
        try:
            result = cost.measure_costs(
                cost.lengths(n_min, n_max), d, float(cap_s), repeats=repeats,
                on_progress=lambda fraction, what: bar.progress(fraction, text=tr("lesson8_progress", what=what)),
            )  # fmt: skip
        except AttnvizError as err:
            ui.show_error(err)
            return
        finally:
            slot.empty()
        st.session_state[RESULT] = (result, d, cap_s, repeats)
    if RESULT not in st.session_state:
        st.info(tr("lesson8_not_yet"))
        return
    result, d, cap_s, repeats = st.session_state[RESULT]
    st.caption(tr("lesson8_measured_with", d=d, repeats=repeats, cap=cap_s))
    times, memory = cost.exponents(result, "seconds"), cost.exponents(result, "peak_bytes")
    charts = (("seconds", times, "lesson8_time_axis", "lesson8_time_chart"), ("peak_bytes", memory, "lesson8_memory_axis", "lesson8_memory_chart"))
    col_time, col_memory = cr.columns(2, parent=at.chart)
    for col, (what, fits, axis, key) in zip((col_time, col_memory), charts, strict=True):
        series = {layer: result.series(layer, what) for layer in cost.LAYERS}
        labels = {layer: tr("lesson8_legend", layer=layer_names[layer], p=fits[layer].text) for layer in cost.LAYERS}
        fig = lesson_plots.cost_loglog(series, labels, what, title=tr(f"{axis}_title", d=d), x_title="n", y_title=tr(axis))
        export.chart(cr.fit(fig), key=key, container=col)
    fitted = pd.DataFrame(
        {
            tr("lesson8_col_layer"): [layer_names[layer] for layer in cost.LAYERS],
            tr("lesson8_col_expected"): [cost.EXPECTED_EXPONENT[layer] for layer in cost.LAYERS],
            tr("lesson8_col_time_p"): [times[layer].text for layer in cost.LAYERS],
            tr("lesson8_col_memory_p"): [memory[layer].text for layer in cost.LAYERS],
            tr("lesson8_col_points"): [times[layer].points for layer in cost.LAYERS],
        }
    )
    st.dataframe(fitted, hide_index=True, key="lesson8_exponents_table")
    st.markdown(tr("lesson8_reading"))
    with st.expander(tr("lesson8_all_measurements")):
        measured = pd.DataFrame(
            {
                tr("lesson8_col_layer"): [layer_names[m.layer] for m in result.measurements],
                "n": [m.n for m in result.measurements],
                tr("lesson8_col_ms"): [1000 * m.seconds for m in result.measurements],
                tr("lesson8_col_median_ms"): [1000 * m.median_seconds for m in result.measurements],
                tr("lesson8_col_kib"): [m.peak_bytes / 1024 for m in result.measurements],
            }
        )
        st.dataframe(measured, hide_index=True, key="lesson8_measurements_table")
    if result.skipped:
        skipped = ", ".join(f"{layer_names[layer]} n={n}" for layer, n in result.skipped)
        st.warning(tr("lesson8_skipped", cap=cap_s, skipped=skipped))


def question(at: cr.Place) -> None:
    stored = st.session_state.get(RESULT)
    cr.predict_then_reveal(cost.fastest_growth_question(None if stored is None else stored[0]), "lesson8", judge="theory")


cr.sections(
    classroom,
    [
        (tr("lesson8_sec_table"), table),
        (tr("lesson8_sec_measure"), measure),
        (tr("lesson_predict"), question),
    ],
)
