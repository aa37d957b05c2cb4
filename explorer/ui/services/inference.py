"""Classify images off the UI thread with the app's current model.

One `InferenceService` per window. It owns a `MailboxWorker` (the app's one
worker mechanism) whose thread holds a `Predictor` (its own copy of the
model: the training model is never touched) and keeps it up to date from
`ModelSnapshot`s (weights only when the architecture is unchanged, so
following a training run costs little) or from a loaded .keras file. Model
updates go under one mailbox key, handled before any request; requests are
latest-wins per tag ("draw", "probe"): a fast drawing hand never builds a
queue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.predict.prediction import Prediction
from explorer.ui.services.workers import MailboxWorker


@dataclass(frozen=True)
class InferenceResult:
    tag: str
    serial: int
    prediction: Prediction
    heat: np.ndarray | None  # Grad-CAM (or saliency) map (H, W) in [0, 1], if asked for
    elapsed_ms: float  # prediction + activations (+ heat) compute time
    source: str  # which model answered


_MODEL = "\0model"  # the mailbox key of model updates: no tag can clash with it


@dataclass(frozen=True)
class ModelInfo:
    """What the drawing pad needs to know about the model in use."""

    source: str  # for people: where the model came from
    input_shape: tuple[int, ...]  # (H, W, C) the model expects
    class_names: tuple[str, ...]


@dataclass(frozen=True)
class _Request:
    tag: str
    serial: int
    image: np.ndarray
    heat: bool


class _ModelSlot:
    """The worker thread's side: the model in use, the staged snapshot, and the answers.

    Only the worker thread calls `handle`; it reports through the callables it
    was given, which emit signals of the service (queued to the UI thread).
    """

    def __init__(self, result, error, model_changed) -> None:
        self._result = result  # (InferenceResult)
        self._error = error  # (tag or "model", message)
        self._model_changed = model_changed  # (ModelInfo)
        self._predictor = None
        self._key = None
        self._source = ""
        self._staged: ModelSnapshot | None = None  # newest snapshot, applied when a request needs it
        self._applied: ModelInfo | None = None  # the model actually answering

    def handle(self, job) -> None:
        if isinstance(job, _Request):
            self._answer(job)
        elif isinstance(job, ModelSnapshot):
            self._stage(job)
        else:
            self._staged = None  # a file replaces any staged snapshot
            self._apply_model(job)

    def _stage(self, snapshot: ModelSnapshot) -> None:
        """Remember the newest snapshot; build or update the network only when something is classified.

        Snapshots arrive every second while a model trains; applying each one
        would take CPU from training even when nobody is drawing.
        """
        self._staged = snapshot
        self._source = snapshot.source
        self._model_changed(ModelInfo(snapshot.source, tuple(snapshot.input_shape), tuple(snapshot.class_names)))

    def _apply_model(self, model) -> None:
        from explorer.core.predict.predictor import Predictor

        previous = (self._predictor, self._key)
        try:
            if isinstance(model, ModelSnapshot):
                key = (model.model, model.layers, model.architecture, tuple(model.input_shape), len(model.class_names))
                if key == self._key and self._predictor is not None:
                    self._predictor.set_weights(model.weights)  # same network, newer weights
                else:
                    self._predictor, self._key = Predictor.from_snapshot(model), key
                info = ModelInfo(model.source, tuple(model.input_shape), tuple(model.class_names))
            else:
                from explorer.core.model.model_files import load_model

                loaded = load_model(model)
                self._predictor, self._key = Predictor(loaded), None
                shape = tuple(int(d) for d in loaded.input_shape[1:])
                classes = int(loaded.output_shape[-1])
                info = ModelInfo(f"loaded from {model}", shape, tuple(str(i) for i in range(classes)))
        except Exception as exc:  # a broken model must be reported, and the previous one kept
            self._keep_previous(previous, str(exc))
            return
        if not getattr(self._predictor, "output_is_distribution", True):
            self._keep_previous(previous, self._predictor.output_problem)
            return
        self._source, self._applied = info.source, info
        self._model_changed(info)

    def _keep_previous(self, previous, problem: str) -> None:
        self._predictor, self._key = previous
        self._error("model", problem)
        if self._applied is not None:  # a staged snapshot was announced: say which model still answers
            self._source = self._applied.source
            self._model_changed(self._applied)

    def _answer(self, request: _Request) -> None:
        if self._staged is not None:
            staged, self._staged = self._staged, None
            self._apply_model(staged)
        if self._predictor is None:
            self._error(request.tag, "there is no model yet: train one or load a .keras file")
            return
        start = time.perf_counter()
        try:
            prediction = self._predictor.predict(request.image)
            heat = self._predictor.grad_cam(request.image, prediction.label) if request.heat else None
        except Exception as exc:
            self._error(request.tag, f"{type(exc).__name__}: {exc}")
            return
        elapsed = (time.perf_counter() - start) * 1e3
        self._result(InferenceResult(request.tag, request.serial, prediction, heat, elapsed, self._source))


class InferenceService(QObject):
    """The app's classifier: follow snapshots or load files; answer requests.

    Signals are emitted in the thread the service lives in (the UI thread),
    whichever thread the work was done in.

    Signals
    -------
    result_ready(InferenceResult)
    errored(str tag, str message)   tag "model" when a model could not be used
    model_changed(ModelInfo)
    """

    result_ready = Signal(object)
    errored = Signal(str, str)
    model_changed = Signal(object)
    # Emitted on the worker thread; the service receives them in its own thread.
    _answered = Signal(object)
    _failed = Signal(str, str)
    _model_info = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serial = 0  # request() only: the UI thread's counter
        self._info: ModelInfo | None = None
        self._answered.connect(self.result_ready)
        self._failed.connect(self.errored)
        self._model_info.connect(self._on_model_changed)
        slot = _ModelSlot(self._answered.emit, self._failed.emit, self._model_info.emit)
        # A model update is applied before any request.
        self._worker = MailboxWorker("inference", slot.handle, first=_MODEL, parent=self)
        self._worker.failed.connect(self._on_worker_failed)

    def has_model(self) -> bool:
        """True once a model has been accepted (the drawing pad prompts until then)."""
        return self._info is not None

    def model_info(self):
        """The ModelInfo of the model in use, or None: for views created after it arrived."""
        return self._info

    def set_snapshot(self, snapshot: ModelSnapshot) -> None:
        """Use this architecture and these weights (newest snapshot wins).

        Safe to call from any thread (a training worker hands its snapshots
        over directly): it only leaves the snapshot in the worker's mailbox.
        """
        self._worker.submit(snapshot, _MODEL)

    def load_model_file(self, path: str) -> None:
        """Use a .keras file (loaded safely in the worker; errors come back as errored("model", ...))."""
        self._worker.submit(str(path), _MODEL)

    def request(self, image: np.ndarray, tag: str = "draw", *, heat: bool = False) -> int:
        """Classify `image` (H, W, C) float32; replaces this tag's waiting request.

        Call it from the UI thread (the serials count there). Returns the
        request's serial, which its `InferenceResult` carries.
        """
        self._serial += 1
        self._worker.submit(_Request(tag, self._serial, np.array(image, np.float32), heat), tag)
        return self._serial

    def shutdown(self) -> None:
        """Stop the worker thread (after the current prediction); idempotent."""
        self._worker.shutdown()

    def _on_model_changed(self, info: ModelInfo) -> None:
        self._info = info
        self.model_changed.emit(info)

    def _on_worker_failed(self, job, message: str) -> None:
        """A bug in the worker's handling (not a bad model or image, which it reports itself)."""
        self.errored.emit(job.tag if isinstance(job, _Request) else "model", message)
