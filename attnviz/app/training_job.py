"""One training of the small translator at a time per server, in a process of its own that the server owns.

"Train it yourself" starts a job (``start``). The training loop runs in a child process
(``multiprocessing``, forked, one torch thread): in the server's process its many small torch
calls waited for the interpreter lock held by the pages' reruns (measured: 0.14 s a step alone,
0.7 s beside one busy Python thread, about 1 s in the served app). The child sends what it
records (step, loss, held-out accuracy, cross-attention snapshots) over a queue; a daemon thread
of the server puts each message into the job, under the job's lock, and the page polls
``TrainingJob.view``. A second session that asks while a job runs is told to wait (``current`` is
that job). The cancel button's callback (``cancel``) and the time limit set the job's stop event,
which the loop reads between steps. Nothing is written to disk: the trained weights live in the
child only and go with it; the job keeps at most ``MAX_SNAPSHOTS`` snapshots and one loss per
step, so its memory is bounded by the step count the page allows.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
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


class Recorder:
    """What the training loop records into, in the training process: each call is a message to the server's job.

    ``train(recorder)`` calls ``loss(step, value)``, ``evaluated(step, accuracy)`` and
    ``snapshot(step, cross, output)`` as it goes and stops early when ``should_stop()`` is true.
    """

    def __init__(self, messages, stop) -> None:
        self._messages, self._stop = messages, stop

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def loss(self, step: int, value: float) -> None:
        self._messages.put(("loss", step, float(value)))

    def evaluated(self, step: int, accuracy: float) -> None:
        self._messages.put(("evaluated", step, float(accuracy)))

    def snapshot(self, step: int, cross: torch.Tensor, output: str) -> None:
        self._messages.put(("snapshot", step, cross.detach().float().cpu().numpy(), output))


def _train_in_child(train: Callable[[Recorder], None], messages, stop) -> None:
    """The training process's entry: one torch thread (set first, as a DataLoader worker does), ``train(Recorder)``,
    then an "end" message with the error, if any."""
    torch.set_num_threads(1)
    try:
        train(Recorder(messages, stop))
        messages.put(("end", ""))
    except Exception as err:  # reported on the page by the server's job
        messages.put(("end", f"{type(err).__name__}: {err}"))


# Forked, as PyTorch's DataLoader forks its workers: the child starts with the server's modules
# already imported (a spawned child re-imported attnviz: 34 s of wall time at load average 10)
# and, like a DataLoader worker, sets one torch thread before any torch call.
CHILDREN = multiprocessing.get_context("fork")


class TrainingJob:
    """A training run in a child process, its record kept here (see the module docstring).

    ``train`` runs in the forked child, with the server's modules and objects as they were at the fork.
    """

    def __init__(self, total_steps: int, seconds_limit: float | None = None) -> None:
        self.total_steps = total_steps
        self.seconds_limit = seconds_limit
        self._lock = threading.Lock()
        self._stop = CHILDREN.Event()
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

    # --- the training process's messages, put into the record by the job's thread ---
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
            self._snapshots.append(Snapshot(step, torch.as_tensor(cross).float(), output))

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

    def _run(self, train: Callable[[Recorder], None]) -> None:
        """In the job's thread: start the training process, put its messages into the record until it ends."""
        messages = CHILDREN.Queue()
        process = CHILDREN.Process(target=_train_in_child, args=(train, messages, self._stop), name="attnviz-training", daemon=True)
        process.start()
        error = None
        while error is None:
            if self.seconds_limit is not None and time.monotonic() - self._started > self.seconds_limit and not self._stop.is_set():
                self._timed_out = True
                self._stop.set()
            alive = process.is_alive()  # read before the queue: a child that ended has flushed its messages
            try:
                kind, *args = messages.get(timeout=0.2 if alive else 2.0)
            except queue.Empty:
                if not alive:
                    error = f"the training process ended with exit code {process.exitcode} before its last message"
                continue
            if kind == "end":
                error = args[0]
            else:
                getattr(self, kind)(*args)
        process.join(10)
        if process.is_alive():
            process.kill()
        status = "failed" if error else "cancelled" if self._stop.is_set() and not self._timed_out else "timeout" if self._timed_out else "done"
        if error:
            LOG.error("training failed: %s", error)
        with self._lock:
            self._status, self._error = status, error
            self._seconds = time.monotonic() - self._started


_SLOT = threading.Lock()  # guards _current: at most one running job per process
_current: TrainingJob | None = None


def current() -> TrainingJob | None:
    """The job running in this process now (anyone's), or None."""
    with _SLOT:
        return _current if _current is not None and _current.running else None


def start(train: Callable[[Recorder], None], total_steps: int, seconds_limit: float | None = None) -> TrainingJob | None:
    """Start ``train`` in a new job, unless one is running (then None: the caller says "wait").

    Args:
        train: the training loop, called in a forked child process with a ``Recorder``.
        total_steps: the steps it will run (for the progress bar).
        seconds_limit: stop after this many seconds (the stop event is set, the status "timeout"), None for no limit.
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


def start_for_session(train: Callable[[Recorder], None], total_steps: int, seconds_limit: float | None = None) -> TrainingJob | None:
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
