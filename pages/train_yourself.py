"""Train it yourself: the small translator trained from scratch in the app (one training per server,
in a background thread; progress, loss and accuracy curves, a cancel button), then the cross-attention
of a fixed example snapshot by snapshot, from uniform to aligned."""

import streamlit as st

from attnviz.app import export, training_job, ui
from attnviz.app import seq2seq_ui as s2s
from attnviz.plots import seq2seq as plots

tr = ui.tr
POLL_SECONDS = 1.0
st.title(tr("s2s_train_title"))
st.markdown(tr("s2s_train_intro"))
plan = s2s.training_plan()
st.caption(tr("s2s_train_config", **plan.describe()))

job = training_job.session_job()
busy = training_job.current()
if busy is not None and busy is not job:
    st.warning(tr("s2s_train_busy", percent=f"{100 * busy.view().fraction:.0f}"))
if st.button(tr("s2s_train_start"), key="s2s_train_start", type="primary", disabled=busy is not None):
    if s2s.start_training(plan) is not None:
        st.rerun()  # drawn again as running: the button off, the progress polled
    st.warning(tr("s2s_train_busy", percent="…"))  # another session started one first


@st.fragment(run_every=POLL_SECONDS)
def watch(watched: training_job.TrainingJob, own: bool) -> None:
    """Redrawn every POLL_SECONDS while ``watched`` runs; the whole page reruns when it ends."""
    view = watched.view()
    if view.status != "running":
        st.rerun()
    st.progress(view.fraction, text=tr("s2s_train_progress", step=view.step, total=view.total_steps, seconds=f"{view.seconds:.0f}"))
    if own:
        training_job.cancel_button()
        export.chart(plots.training_curves(view.loss_steps, view.losses, view.eval_steps, view.accuracy, tr("s2s_train_curves_title"), ui.lang()), key="s2s_train_live_curves")


if busy is not None:
    watch(busy, busy is job)
elif job is not None:
    view = job.view()
    st.markdown(tr(f"s2s_train_status_{view.status}", step=view.step, total=view.total_steps, seconds=f"{view.seconds:.1f}", error=view.error))
    export.chart(plots.training_curves(view.loss_steps, view.losses, view.eval_steps, view.accuracy, tr("s2s_train_curves_title"), ui.lang()), key="s2s_train_curves")
    if view.accuracy:
        st.caption(tr("s2s_train_accuracy", accuracy=f"{100 * view.accuracy[-1]:.1f}", n=plan.n_eval))
    if view.snapshots:
        st.subheader(tr("s2s_train_sub_snapshots"))
        st.markdown(tr("s2s_train_snapshots_text", source=plan.example_source, target=plan.example_target))
        last = len(view.snapshots) - 1  # a slider needs two values at least (a training cancelled at once has one snapshot)
        index = ui.kept_widget(st.slider, "s2s_train_snapshot", last, tr("s2s_train_snapshot"), min_value=0, max_value=last) if last else 0
        shot = view.snapshots[index]
        sharp = s2s.sharpness(view.snapshots)
        col_map, col_curve = st.columns([3, 2])
        with col_map:
            title = tr("s2s_train_snapshot_title", step=shot.step, output=shot.output)
            fig = plots.alignment_map(s2s.snapshot_weights(shot), plan.example_tokens, plan.example_outputs, title, ui.lang())
            export.chart(fig, key="s2s_train_snapshot_map")
        with col_curve:
            export.chart(plots.sharpness_curve(sharp.steps, sharp.entropy, sharp.uniform, tr("s2s_train_sharpness_title"), ui.lang(), current=shot.step), key="s2s_train_sharpness")
            st.caption(tr("s2s_train_sharpness_caption", first=f"{sharp.entropy[0]:.2f}", last=f"{sharp.entropy[-1]:.2f}", uniform=f"{sharp.uniform:.2f}"))
