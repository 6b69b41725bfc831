"""Lesson 8: what self-attention costs — the complexity table and measurements on this machine."""

import pandas as pd
import streamlit as st

from attnviz import plots_lessons, ui
from attnviz.errors import AttnvizError
from attnviz.lessons import cost
from pages.lessons import classroom as cr

tr = ui.tr
LENGTHS = [2**p for p in range(3, 14)]  # 8 … 8192
RESULT = "lesson8_result"
classroom = cr.start(8)
layer_names = {layer: tr(f"lesson8_layer_{layer}") for layer in cost.LAYERS}


def table() -> None:
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


def measure() -> None:
    st.markdown(tr("lesson8_measure_text"))
    col_min, col_max, col_d, col_cap = st.columns(4)
    n_min = ui.kept_widget(col_min.selectbox, "lesson8_n_min", 64, tr("lesson8_n_min"), choices=LENGTHS)
    n_max = ui.kept_widget(col_max.selectbox, "lesson8_n_max", 2048, tr("lesson8_n_max"), choices=LENGTHS)
    d = ui.kept_widget(col_d.selectbox, "lesson8_d", 64, tr("lesson8_d"), choices=(8, 16, 32, 64, 128, 256))
    cap_s = ui.kept_widget(col_cap.slider, "lesson8_cap", 5, tr("lesson8_cap"), min_value=1, max_value=30)
    if st.button(tr("lesson8_run"), key="lesson8_run", type="primary"):
        bar = st.progress(0.0, text=tr("lesson8_running"))
        try:
            result = cost.measure_costs(
                cost.lengths(n_min, n_max), d, float(cap_s),
                on_progress=lambda fraction, what: bar.progress(fraction, text=tr("lesson8_progress", what=what)),
            )  # fmt: skip
        except AttnvizError as err:
            cr.show_error(err)
            return
        st.session_state[RESULT] = (result, d, cap_s)
    if RESULT not in st.session_state:
        st.info(tr("lesson8_not_yet"))
        return
    result, d, cap_s = st.session_state[RESULT]
    times, memory = cost.exponents(result, "seconds"), cost.exponents(result, "peak_bytes")
    for what, fits, axis, key in (("seconds", times, "lesson8_time_axis", "lesson8_time_chart"), ("peak_bytes", memory, "lesson8_memory_axis", "lesson8_memory_chart")):
        series = {layer_names[layer]: result.series(layer, what) for layer in cost.LAYERS}
        named_fits = {layer_names[layer]: fits[layer] for layer in cost.LAYERS}
        fig = plots_lessons.cost_loglog(series, named_fits, title=tr(f"{axis}_title", d=d), x_title="n", y_title=tr(axis))
        st.plotly_chart(fig, key=key)
    fitted = pd.DataFrame(
        {
            tr("lesson8_col_layer"): [layer_names[layer] for layer in cost.LAYERS],
            tr("lesson8_col_time_p"): [times[layer] for layer in cost.LAYERS],
            tr("lesson8_col_memory_p"): [memory[layer] for layer in cost.LAYERS],
            tr("lesson8_col_expected"): [cost.EXPECTED_EXPONENT[layer] for layer in cost.LAYERS],
        }
    )
    st.dataframe(fitted, hide_index=True, key="lesson8_exponents_table")
    measured = pd.DataFrame(
        {
            tr("lesson8_col_layer"): [layer_names[m.layer] for m in result.measurements],
            "n": [m.n for m in result.measurements],
            tr("lesson8_col_ms"): [1000 * m.seconds for m in result.measurements],
            tr("lesson8_col_kib"): [m.peak_bytes / 1024 for m in result.measurements],
        }
    )
    st.dataframe(measured, hide_index=True, key="lesson8_measurements_table")
    if result.skipped:
        skipped = ", ".join(f"{layer_names[layer]} n={n}" for layer, n in result.skipped)
        st.warning(tr("lesson8_skipped", cap=cap_s, skipped=skipped))
    st.markdown(tr("lesson8_reading"))


def question() -> None:
    stored = st.session_state.get(RESULT)
    if stored is None:
        st.info(tr("lesson8_not_yet"))
        return
    cr.predict_then_reveal(cost.fastest_growth_question(stored[0]), "lesson8")


cr.sections(
    classroom,
    [
        (tr("lesson8_sec_table"), table),
        (tr("lesson8_sec_measure"), measure),
        (tr("lesson_predict"), question),
    ],
)
