"""One training of the small translator at a time per server, in a background thread the process owns.

"Train it yourself" starts a job (``start``); the thread runs the training loop and records what
the page draws (step, loss, held-out accuracy, cross-attention snapshots) in the job, under the
job's lock; the page polls ``TrainingJob.view``. A second session that asks while a job runs is
told to wait (``current`` is that job). The cancel button's callback (``cancel``) sets the job's
stop flag, which the loop reads between steps. Nothing is written to disk: the trained weights
live in the thread only and go with it; the job keeps at most ``MAX_SNAPSHOTS`` snapshots and
one loss per step, so its memory is bounded by the step count the page allows.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import streamlit as st
import torch

from attnviz.app import ui

JOB_KEY = "s2s_train_job"  # this session's job (running or finished), in session state
MAX_SNAPSHOTS = 40
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """The fixed example's cross-attention after ``step`` training steps.

    Attributes:
        cross: float32 ``[layer, head, tgt_pos, src_pos]`` (``cap.cross_pattern`` of the model then).
        output: the model's greedy output then (display string).
    """

    step: int
    cross: torch.Tensor
    output: str


@dataclass
class JobView:
    """A consistent copy of a job's record, for one page run."""

    status: str  # "running", "done", "timeout" (stopped at the time limit), "cancelled" or "failed"
    step: int
    total_steps: int
    seconds: float
    loss_steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    error: str = ""

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / max(1, self.total_steps))


class TrainingJob:
    """A training run in a daemon thread: ``train(record)`` is called there with this job as its recorder.

    The training function calls ``loss(step, value)``, ``evaluated(step, accuracy)`` and
    ``snapshot(step, cross, output)`` as it goes and stops early when ``should_stop()`` is true.
    """

    def __init__(self, total_steps: int, seconds_limit: float | None = None) -> None:
        self.total_steps = total_steps
        self.seconds_limit = seconds_limit
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._seconds: float | None = None
        self._status, self._error, self._step = "running", "", 0
        self._timed_out = False
        self._loss_steps: list[int] = []
        self._losses: list[float] = []
        self._eval_steps: list[int] = []
        self._accuracy: list[float] = []
        self._snapshots: list[Snapshot] = []
        self.thread: threading.Thread | None = None

    # --- called by the training loop, in the job's thread ---
    def should_stop(self) -> bool:
        """True once cancelled, or once ``seconds_limit`` has passed (the run then ends as "timeout")."""
        if self.seconds_limit is not None and time.monotonic() - self._started > self.seconds_limit:
            self._timed_out = True
            return True
        return self._stop.is_set()

    def loss(self, step: int, value: float) -> None:
        with self._lock:
            self._step = step
            self._loss_steps.append(step)
            self._losses.append(float(value))

    def evaluated(self, step: int, accuracy: float) -> None:
        with self._lock:
            self._eval_steps.append(step)
            self._accuracy.append(float(accuracy))

    def snapshot(self, step: int, cross: torch.Tensor, output: str) -> None:
        with self._lock:
            if len(self._snapshots) >= MAX_SNAPSHOTS:  # thin out: keep every other one, the first and the newest
                self._snapshots = self._snapshots[::2]
            self._snapshots.append(Snapshot(step, cross.detach().float().cpu().clone(), output))

    # --- read by the pages ---
    @property
    def running(self) -> bool:
        with self._lock:
            return self._status == "running"

    def cancel(self) -> None:
        """Ask the loop to stop after its current step."""
        self._stop.set()

    def view(self) -> JobView:
        with self._lock:
            end = self._seconds if self._seconds is not None else time.monotonic() - self._started
            return JobView(
                self._status, self._step, self.total_steps, end, list(self._loss_steps), list(self._losses),
                list(self._eval_steps), list(self._accuracy), list(self._snapshots), self._error,
            )  # fmt: skip

    def _run(self, train: Callable[[TrainingJob], None]) -> None:
        status, error = "done", ""
        try:
            train(self)
            if self._stop.is_set():
                status = "cancelled"
            elif self._timed_out:
                status = "timeout"
        except Exception as err:  # a failed run is reported on the page, not raised in a thread nobody joins
            LOG.exception("training failed")
            status, error = "failed", f"{type(err).__name__}: {err}"
        with self._lock:
            self._status, self._error = status, error
            self._seconds = time.monotonic() - self._started


_SLOT = threading.Lock()  # guards _current: at most one running job per process
_current: TrainingJob | None = None


def current() -> TrainingJob | None:
    """The job running in this process now (anyone's), or None."""
    with _SLOT:
        return _current if _current is not None and _current.running else None


def start(train: Callable[[TrainingJob], None], total_steps: int, seconds_limit: float | None = None) -> TrainingJob | None:
    """Start ``train`` in a new job, unless one is running (then None: the caller says "wait").

    Args:
        train: the training loop, called with the job as its recorder (see ``TrainingJob``).
        total_steps: the steps it will run (for the progress bar).
        seconds_limit: stop after this many seconds (``should_stop`` turns true), None for no limit.
    """
    global _current
    with _SLOT:
        if _current is not None and _current.running:
            return None
        job = TrainingJob(total_steps, seconds_limit)
        job.thread = threading.Thread(target=job._run, args=(train,), name="attnviz-training", daemon=True)
        _current = job
        job.thread.start()
        return job


def session_job() -> TrainingJob | None:
    """The job this session started last (running or finished), or None."""
    return st.session_state.get(JOB_KEY)


def start_for_session(train: Callable[[TrainingJob], None], total_steps: int, seconds_limit: float | None = None) -> TrainingJob | None:
    """``start``, the job kept as this session's (``session_job``); None while another job runs."""
    job = start(train, total_steps, seconds_limit)
    if job is not None:
        st.session_state[JOB_KEY] = job
    return job


def cancel() -> None:
    """``on_click`` of the cancel button: this session's running job stops after its current step."""
    job = session_job()
    if job is not None:
        job.cancel()


def cancel_button() -> None:
    """The cancel button (key ``s2s_train_cancel``), drawn while this session's job runs."""
    st.button(ui.tr("s2s_train_cancel"), key="s2s_train_cancel", on_click=cancel, type="secondary")
