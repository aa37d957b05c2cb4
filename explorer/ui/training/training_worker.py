"""Run a `Trainer` on its own QThread; the UI only ever sees immutable updates.

The worker thread owns the training model (design.md: one owner per model).
`TrainingController` lives in the UI thread: it starts a fresh thread per run,
forwards stop/pause/resume/probe requests (thread-safe flags in the Trainer),
and re-emits every update through a queued connection. Closing the
window calls `shutdown`, which stops the run and waits for the thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from explorer.core.train.config import TrainConfig
from explorer.core.train.updates import Failed
from explorer.ui.services.gc_policy import collect_on_ui_thread, defer_full_collections


class _Worker(QObject):
    progressed = Signal(object)  # an update, emitted from the worker thread
    finished = Signal()

    def __init__(self, trainer) -> None:
        super().__init__()
        self._trainer = trainer

    @Slot()
    def run(self) -> None:
        try:
            self._trainer.run(self.progressed.emit)
        except Exception as exc:  # a bug must reach the window, not kill the thread silently
            self.progressed.emit(Failed(message=f"{type(exc).__name__}: {exc}"))
        finally:
            self.finished.emit()


class TrainingController(QObject):
    """Start, pause, resume and stop training runs from the UI thread.

    Signals
    -------
    progressed(TrainUpdate)
    running_changed(bool)
    """

    progressed = Signal(object)
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, trainer_factory=None) -> None:
        super().__init__(parent)
        self._factory = trainer_factory  # tests may pass a fake; default: explorer.core.train.trainer.Trainer
        self._thread: QThread | None = None
        self._trainer = None
        self._paused = False
        self.running_changed.connect(defer_full_collections)  # no long collection while a model trains

    def start(self, config: TrainConfig, **trainer_options) -> None:
        """Start a run with `config` (after any previous run has fully stopped)."""
        if self.is_running():
            raise RuntimeError("a training run is already in progress")
        self._cleanup()
        collect_on_ui_thread()  # no garbage collection on the training thread (see gc_policy)
        factory = self._factory
        if factory is None:
            from explorer.core.train.trainer import Trainer as factory  # TensorFlow stays lazy until here
        self._trainer = factory(config, **trainer_options)
        self._paused = False
        thread = QThread(self)
        thread.setObjectName("training")
        worker = _Worker(self._trainer)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self.progressed)  # queued: re-emitted in the UI thread
        # Direct: quit() is thread-safe, and a queued call would wait for the UI
        # thread, which may itself be blocked in wait() (closing the window).
        worker.finished.connect(thread.quit, Qt.DirectConnection)
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(lambda: self.running_changed.emit(False))
        self._thread, self._worker = thread, worker
        thread.start()
        self.running_changed.emit(True)

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def is_paused(self) -> bool:
        return self._paused and self.is_running()

    def pause(self) -> None:
        if self.is_running():
            self._paused = True
            self._trainer.pause()

    def resume(self) -> None:
        if self.is_running():
            self._paused = False
            self._trainer.resume()

    def stop(self) -> None:
        """Ask the run to stop after the current batch (returns at once)."""
        if self.is_running():
            self._paused = False
            self._trainer.stop()

    def set_probe(self, image) -> None:
        """The image whose activations the run reports (latest wins)."""
        if self._trainer is not None:
            self._trainer.set_probe(image)

    def trained_model(self):
        """The last run's model once its thread has ended (None before, or while running)."""
        if self._trainer is None or self.is_running():
            return None
        return getattr(self._trainer, "model", None)

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Wait for the thread to end; True if it has."""
        if self._thread is None:
            return True
        return bool(self._thread.wait() if timeout_ms is None else self._thread.wait(timeout_ms))

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop any run and wait for its thread (the window calls this when closing)."""
        self.stop()
        return self.wait(timeout_ms)

    def _cleanup(self) -> None:
        if self._thread is not None:
            self._thread.wait()
            self._thread.deleteLater()  # a child of this controller: it would stay until the window closes
            self._thread = None
