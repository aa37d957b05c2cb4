"""Classify images off the UI thread with the app's current model.

One `InferenceService` per window. It owns a worker thread holding a
`Predictor` (its own copy of the model: the training model is never touched)
and keeps it up to date from `ModelSnapshot`s (weights only when the
architecture is unchanged, so following a training run costs little) or from
a loaded .keras file. Requests are latest-wins per tag ("draw", "probe"): a
fast drawing hand never builds a queue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from explorer.core.latest import LatestOnly
from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.predict.prediction import Prediction


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


class _Worker(QObject):
    result_ready = Signal(object)
    errored = Signal(str, str)  # (tag or "model", message)
    model_changed = Signal(object)  # ModelInfo of the model now in use

    def __init__(self, pending: LatestOnly) -> None:
        super().__init__()
        self._pending = pending
        self._predictor = None
        self._key = None
        self._source = ""
        self._staged: ModelSnapshot | None = None  # newest snapshot, applied when a request needs it
        self._applied: ModelInfo | None = None  # the model actually answering

    @Slot()
    def run_pending(self) -> None:
        while (job := self._pending.take()) is not None:
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
        self.model_changed.emit(ModelInfo(snapshot.source, tuple(snapshot.input_shape), tuple(snapshot.class_names)))

    def _apply_model(self, model) -> None:
        from explorer.core.predict.predictor import Predictor

        previous = (self._predictor, self._key)
        try:
            if isinstance(model, ModelSnapshot):
                key = (model.model, model.layers, tuple(model.input_shape), len(model.class_names))
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
        self.model_changed.emit(info)

    def _keep_previous(self, previous, problem: str) -> None:
        self._predictor, self._key = previous
        self.errored.emit("model", problem)
        if self._applied is not None:  # a staged snapshot was announced: say which model still answers
            self._source = self._applied.source
            self.model_changed.emit(self._applied)

    def _answer(self, request: _Request) -> None:
        if self._staged is not None:
            staged, self._staged = self._staged, None
            self._apply_model(staged)
        if self._predictor is None:
            self.errored.emit(request.tag, "there is no model yet: train one or load a .keras file")
            return
        start = time.perf_counter()
        try:
            prediction = self._predictor.predict(request.image)
            heat = self._predictor.grad_cam(request.image, prediction.label) if request.heat else None
        except Exception as exc:
            self.errored.emit(request.tag, f"{type(exc).__name__}: {exc}")
            return
        elapsed = (time.perf_counter() - start) * 1e3
        self.result_ready.emit(InferenceResult(request.tag, request.serial, prediction, heat, elapsed, self._source))


class InferenceService(QObject):
    """The app's classifier: follow snapshots or load files; answer requests.

    Signals
    -------
    result_ready(InferenceResult)
    errored(str tag, str message)   tag "model" when a model could not be used
    model_changed(ModelInfo)
    """

    result_ready = Signal(object)
    errored = Signal(str, str)
    model_changed = Signal(object)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending = LatestOnly(first=_MODEL)  # a model update is applied before any request
        self._serial = 0
        self._info: ModelInfo | None = None
        self._thread = QThread(self)
        self._thread.setObjectName("inference")
        self._worker = _Worker(self._pending)
        self._worker.moveToThread(self._thread)
        self._wake.connect(self._worker.run_pending)
        self._worker.result_ready.connect(self.result_ready)
        self._worker.errored.connect(self.errored)
        self._worker.model_changed.connect(self._on_model_changed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()

    def has_model(self) -> bool:
        """True once a model has been accepted (the drawing pad prompts until then)."""
        return self._info is not None

    def model_info(self):
        """The ModelInfo of the model in use, or None: for views created after it arrived."""
        return self._info

    def set_snapshot(self, snapshot: ModelSnapshot) -> None:
        """Use this architecture and these weights (newest snapshot wins)."""
        self._submit(_MODEL, snapshot)

    def load_model_file(self, path: str) -> None:
        """Use a .keras file (loaded safely in the worker; errors come back as errored("model", ...))."""
        self._submit(_MODEL, str(path))

    def request(self, image: np.ndarray, tag: str = "draw", *, heat: bool = False) -> int:
        """Classify `image` (H, W, C) float32; replaces this tag's waiting request. Returns its serial."""
        self._serial += 1
        self._submit(tag, _Request(tag, self._serial, np.array(image, np.float32), heat))
        return self._serial

    def shutdown(self) -> None:
        """Stop the worker thread (after the current prediction); idempotent."""
        self._pending.clear()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    def _submit(self, key: str, item) -> None:
        if self._pending.put(item, key):
            self._wake.emit()

    def _on_model_changed(self, info: ModelInfo) -> None:
        self._info = info
        self.model_changed.emit(info)
