"""Run each `Trainer` on the controller's worker thread; the UI only ever sees immutable updates.

The worker thread owns the training model: nobody else touches it.
`TrainingController` lives in the UI thread and owns a `MailboxWorker`: a
thread for each run, started with it (a controller that never trains holds
no thread). It forwards stop/pause/resume/probe requests
(thread-safe flags in the Trainer) and re-emits every update in the UI
thread. The run's model snapshots go out on the worker thread itself
(`snapshot_ready`): a receiver connected directly, such as the classifier's
thread-safe `InferenceService.set_snapshot`, gets them without the UI thread.
Closing the window calls `shutdown`, which stops the run and ends the thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from explorer.core.train.config import TrainConfig
from explorer.core.train.updates import Failed
from explorer.ui.services.gc_policy import collect_on_ui_thread, defer_full_collections
from explorer.ui.services.workers import MailboxWorker


class TrainingController(QObject):
    """Start, pause, resume and stop training runs from the UI thread.

    Signals
    -------
    progressed(TrainUpdate)
        Every update of the run, in the UI thread.
    running_changed(bool)
        In the UI thread, when a run starts and when it has ended.
    snapshot_ready(ModelSnapshot)
        Emitted on the worker thread: connect with ``Qt.DirectConnection`` to
        keep it off the UI thread (the receiver must then be thread-safe).
    """

    progressed = Signal(object)
    running_changed = Signal(bool)
    snapshot_ready = Signal(object)
    _run_ended = Signal(object)  # the trainer whose run() returned, emitted on the worker thread

    def __init__(self, parent: QObject | None = None, *, trainer_factory=None) -> None:
        super().__init__(parent)
        self._factory = trainer_factory  # tests may pass a fake; default: explorer.core.train.trainer.Trainer
        self._worker: MailboxWorker | None = None  # made by the first start(): no thread until a run
        self._shut_down = False
        self._trainer = None
        self._paused = False
        self._announced = False  # what running_changed last said
        self._run_ended.connect(self._on_run_ended)  # queued: in the UI thread
        self.running_changed.connect(defer_full_collections)  # no long collection while a model trains

    def _run(self, trainer) -> None:  # on the worker thread
        try:
            trainer.run(self.progressed.emit, self.snapshot_ready.emit)
        except Exception as exc:  # a bug must reach the window, not kill the thread silently
            self.progressed.emit(Failed(message=f"{type(exc).__name__}: {exc}"))
        finally:
            self._run_ended.emit(trainer)

    def start(self, config: TrainConfig, **trainer_options) -> None:
        """Start a run with `config` (after any previous run has fully stopped)."""
        if self.is_running():
            raise RuntimeError("a training run is already in progress")
        if self._shut_down:
            raise RuntimeError("the training controller has been shut down")
        collect_on_ui_thread()  # no garbage collection on the training thread (see gc_policy)
        factory = self._factory
        if factory is None:
            from explorer.core.train.trainer import Trainer as factory  # TensorFlow stays lazy until here
        self._trainer = factory(config, **trainer_options)
        self._paused = False
        if self._worker is not None:
            # A fresh thread for each run: TensorFlow was seen to crash (a segfault while tracing the
            # second run's first tf.function) when one thread trained two models in the window.
            self._worker.shutdown()  # idle: its run has returned
            self._worker.deleteLater()
        self._worker = MailboxWorker("training", self._run, parent=self)
        self._worker.submit(self._trainer)
        self._announce(True)

    def is_running(self) -> bool:
        # The worker is busy from the submit until the run has returned.
        return self._worker is not None and self._worker.is_busy()

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
        """The last run's model once its run has ended (None before, or while running)."""
        if self._trainer is None or self.is_running():
            return None
        return getattr(self._trainer, "model", None)

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Wait for the run to end; True if it has (or none was started)."""
        return self._worker is None or self._worker.wait_idle(timeout_ms)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop any run and end the worker thread (the window calls this when closing).

        Returns True when the thread has ended within `timeout_ms`.
        """
        self._shut_down = True
        self.stop()
        ended = self.wait(timeout_ms)
        if self._worker is None:
            return ended
        # A run still going after the timeout: the thread quits once it returns, no longer waited for.
        return self._worker.shutdown(timeout_ms if ended else 0) and ended

    def _on_run_ended(self, trainer) -> None:
        if trainer is self._trainer:  # not a run that a newer one has replaced
            self._announce(False)

    def _announce(self, running: bool) -> None:
        if running != self._announced:
            self._announced = running
            self.running_changed.emit(running)
