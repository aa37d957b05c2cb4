"""The Inside part's background worker: its own copy of the model, the core inspections, cancel, newest wins.

An `InspectWorker` owns a `MailboxWorker` whose thread holds the model (built
from a `ModelSnapshot` or loaded from a `.keras` file; never the training
model) and runs :mod:`explorer.ui.inside.computations`. Each view's requests
go under a key of their own, so a newer request of the same view replaces a
waiting one and stops a running one (``should_stop``); Cancel stops them all.
A new architecture or file starts a new *generation*: work for an older one
stops, and its results never reach a view. Weight snapshots of the same
architecture (a model still training) are kept and applied only when a
request needs them. Results come back as immutable values through signals
of this object, which lives in the UI thread, so Qt queues them there.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core.model.snapshot import ModelSnapshot
from explorer.ui.inside import computations
from explorer.ui.inside.jobs import NO_MODEL, Answer, ModelFacts, Problem, Progress, TestData, read_only
from explorer.ui.services.workers import MailboxWorker

__all__ = ["KINDS", "InspectWorker"]

#: The request kinds, one per view (the key each one's newest request waits under).
KINDS = ("units", "top", "attribution", "embedding")
_MODEL, _DATA = "\0model", "\0data"
_WORKER_NICE = 10  # the worker's CPU priority below the window's (see _yield_cpu_to_the_window)
_PROGRESS_INTERVAL_S = 0.05  # progress reports at most 20 times a second: the UI draws each one
_TEXTS = {"units": "Synthesising what each unit wants to see", "top": "Finding the strongest test images",
          "attribution": "Computing where the model looks", "embedding": "Embedding the test images"}


@dataclass(frozen=True)
class _ModelJob:
    source: object  # a ModelSnapshot, or the path of a .keras file
    generation: int


@dataclass(frozen=True)
class _DataJob:
    name: str


@dataclass(frozen=True)
class _Compute:
    kind: str
    serial: int
    generation: int
    request: object


class _Control:
    """What the UI thread tells running work: the newest serial per kind, Cancel, the current generation.

    Plain attributes written by the UI thread and read by the worker thread (single reads and writes of
    Python objects are atomic).
    """

    def __init__(self) -> None:
        self.latest: dict[str, int] = {}
        self.cancelled = 0  # every request up to this serial is cancelled
        self.generation = 0

    def why_stop(self, job: _Compute) -> str | None:
        if job.generation != self.generation:
            return "model"
        if job.serial < self.latest.get(job.kind, 0):
            return "superseded"
        if job.serial <= self.cancelled:
            return "cancelled"
        return None


def _architecture(snapshot: ModelSnapshot) -> tuple:
    """What must be equal for a snapshot to be only new weights for the model already built."""
    return (snapshot.model, tuple(snapshot.layers), tuple(snapshot.input_shape), tuple(snapshot.class_names),
            getattr(snapshot, "architecture", ""))


class _Inspector:
    """The worker thread's side: the model in use and the computations (only the worker thread calls it)."""

    def __init__(self, control: _Control, worker: InspectWorker) -> None:
        self._control = control
        self._emit = worker  # its signals are emitted from this thread and queued to the UI thread
        self._model = None
        self._predictor = None  # for snapshots: applies new weights to the same network
        self._facts: ModelFacts | None = None
        self._generation = 0
        self._staged = None  # newest weights of the same architecture, applied when a request needs them
        self._source = ""
        self._problem = NO_MODEL
        self._niced = False

    def handle(self, job) -> None:
        if not self._niced:
            self._niced = True
            _yield_cpu_to_the_window()
        if isinstance(job, _ModelJob):
            self._use(job)
        elif isinstance(job, _DataJob):
            self._load_data(job.name)
        else:
            self._compute(job)

    # ----------------------------------------------------------------- the model
    def _use(self, job: _ModelJob) -> None:
        source = job.source
        if job.generation == self._generation and isinstance(source, ModelSnapshot) and self._model is not None:
            self._staged, self._source = source.weights, source.source
            return
        self._generation, self._staged = job.generation, None
        self._model = self._predictor = self._facts = None
        try:
            if isinstance(source, ModelSnapshot):
                from explorer.core.predict.predictor import Predictor

                self._predictor = Predictor.from_snapshot(source)
                model, self._source, names = self._predictor.model, source.source, tuple(source.class_names)
            else:
                from explorer.core.model.model_files import load_model

                model, self._source, names = load_model(source), f"loaded from {source}", ()
            self._facts = computations.model_facts(model, job.generation, self._source, names)
            self._model = model
        except Exception as exc:  # a model the views cannot use: say why; nothing else changes
            self._problem = f"This model cannot be inspected: {exc}"
            self._emit.failed.emit(Problem("model", job.generation, self._problem))
            return
        self._emit.model_ready.emit(self._facts)

    def _load_data(self, name: str) -> None:
        from explorer.core.train.datasets import DATASET_LABELS, load_dataset

        try:
            data = load_dataset(name)
        except Exception as exc:  # offline, a missing folder: the message says what to do
            self._emit.failed.emit(Problem("data", 0, f"Cannot load {DATASET_LABELS.get(name, name)}: {exc}"))
            return
        self._emit.data_ready.emit(TestData(read_only(data.x_test, np.float32), read_only(data.y_test, np.int64),
                                            tuple(data.class_names), data.source))

    # ----------------------------------------------------------------- requests
    def _compute(self, job: _Compute) -> None:
        reason = self._control.why_stop(job)
        if reason is not None:
            self._stopped(job, reason)
            return
        if self._model is None:
            self._emit.failed.emit(Problem(job.kind, job.serial, self._problem))
            return
        if self._staged is not None:
            staged, self._staged = self._staged, None
            self._predictor.set_weights(staged)
        from explorer.core.inspect.errors import Cancelled

        start = time.perf_counter()
        report = _Reporter(self._emit, job)
        stop = lambda: self._control.why_stop(job) is not None  # noqa: E731
        try:
            value = self._run(job, report, stop)
        except Cancelled:
            self._stopped(job, self._control.why_stop(job) or "cancelled")
            return
        except Exception as exc:  # bad input or a model the view cannot use: one sentence in the view
            message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            self._emit.failed.emit(Problem(job.kind, job.serial, _sentence(message)))
            return
        self._emit.answered.emit(Answer(job.kind, job.serial, job.generation, value, self._source, True,
                                        time.perf_counter() - start))

    def _run(self, job: _Compute, report, stop):
        model, facts, request = self._model, self._facts, job.request
        if job.kind == "units":
            def partial(grid):
                self._emit.answered.emit(Answer(job.kind, job.serial, job.generation, grid, self._source, False))

            return computations.synthesise(model, facts, request, progress=report, should_stop=stop,
                                           partial=partial)
        function = {"top": computations.strongest, "attribution": computations.attribute,
                    "embedding": computations.embedding}[job.kind]
        return function(model, facts, request, progress=report, should_stop=stop)

    def _stopped(self, job: _Compute, reason: str) -> None:
        # A superseded request is followed by its newer one, and an old model's work by the new model:
        # only Cancel is news for the view.
        if reason == "cancelled":
            self._emit.failed.emit(Problem(job.kind, job.serial, "Cancelled.", cancelled=True))


class _Reporter:
    """``progress(fraction)`` for a job, emitted at most every _PROGRESS_INTERVAL_S."""

    def __init__(self, worker: InspectWorker, job: _Compute) -> None:
        self._worker, self._job = worker, job
        self._last = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last >= _PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last = now
            self._worker.progressed.emit(Progress(self._job.kind, self._job.serial,
                                                  min(max(float(fraction), 0.0), 1.0), _TEXTS[self._job.kind]))


class InspectWorker(QObject):
    """The Inside part's model copy and computations, on a thread of their own.

    Signals (in the UI thread)
    -------
    model_ready(ModelFacts)
        A new model is built and can be inspected.
    answered(Answer)
        A result (or, ``final`` False, a partial one) of a request.
    progressed(Progress)
    failed(Problem)
        A request could not be answered, was cancelled, or (kind "model" / "data") a model or
        dataset could not be used.
    data_ready(TestData)
        A dataset asked for with :meth:`load_dataset` is loaded.
    """

    model_ready = Signal(object)
    answered = Signal(object)
    progressed = Signal(object)
    failed = Signal(object)
    data_ready = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._control = _Control()
        self._serial = 0
        self._architecture = None
        self._shut_down = False
        self._worker = MailboxWorker("inside", _Inspector(self._control, self).handle, first=_MODEL, parent=self)
        self._worker.failed.connect(self._on_bug)

    @property
    def generation(self) -> int:
        """The current model's generation (results of other generations are stale)."""
        return self._control.generation

    def set_snapshot(self, snapshot: ModelSnapshot) -> None:
        """Inspect this model from now on (only new weights if the architecture is the one in use)."""
        architecture = _architecture(snapshot)
        if architecture != self._architecture:
            self._architecture = architecture
            self._control.generation += 1
        self._submit(_ModelJob(snapshot, self._control.generation), _MODEL)

    def load_model_file(self, path: str) -> None:
        """Inspect the .keras file at `path` (loaded in safe mode on the worker thread)."""
        self._architecture = None
        self._control.generation += 1
        self._submit(_ModelJob(str(path), self._control.generation), _MODEL)

    def load_dataset(self, name: str) -> None:
        """Load the test set of dataset `name` (data_ready, or failed with kind "data")."""
        self._submit(_DataJob(name), _DATA)

    def request(self, kind: str, request) -> int:
        """Compute `request` for view `kind` (one of KINDS); stops the view's older request. Returns its serial."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
        self._serial += 1
        self._control.latest[kind] = self._serial
        self._submit(_Compute(kind, self._serial, self._control.generation, request), kind)
        return self._serial

    def cancel(self) -> None:
        """Stop every request made so far (running or waiting)."""
        self._control.cancelled = self._serial

    def is_busy(self) -> bool:
        return self._worker.is_busy()

    def wait_idle(self, timeout_ms: int | None = None) -> bool:
        return self._worker.wait_idle(timeout_ms)

    def shutdown(self) -> None:
        """Stop the running work at its next check and end the thread; idempotent."""
        self._shut_down = True
        self.cancel()
        self._control.generation += 1  # a running computation stops without a word
        self._worker.shutdown()

    def _submit(self, item, key) -> None:
        if not self._shut_down:
            self._worker.submit(item, key)

    def _on_bug(self, item, message: str) -> None:
        kind = getattr(item, "kind", "model")
        self.failed.emit(Problem(kind, getattr(item, "serial", 0), _sentence(message)))


def _yield_cpu_to_the_window() -> None:
    """Lower this (worker) thread's CPU priority, and that of the threads it starts (OpenMP's for t-SNE).

    On a machine whose cores are all busy the UI thread then gets a core first, so the window keeps
    reacting; the work takes the same time when cores are free. Linux only (a thread's id is a
    process id there); elsewhere, and without permission, nothing changes.
    """
    import os
    import threading

    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _WORKER_NICE)
        except (AttributeError, OSError):
            pass


def _sentence(message: str) -> str:
    message = message.strip() or "something went wrong"
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."
