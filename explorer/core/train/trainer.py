"""Train a convnet in a worker thread and report immutable progress updates.

:class:`Trainer` wraps one ``model.fit`` run. The caller (the UI's worker
QThread, or the ``train`` command) calls :meth:`Trainer.run`, which blocks and
hands :class:`~explorer.core.train.types.TrainUpdate` values to a `report`
function: "started", throttled "batch" updates, "epoch", then "finished",
"stopped", "diverged" or "failed". Other threads steer the run with
:meth:`~Trainer.stop`, :meth:`~Trainer.pause`, :meth:`~Trainer.resume` and
:meth:`~Trainer.set_probe`, which only set flags the training thread reads
between batches (design.md: the worker owns the training model).

Speed: the per-batch work is a float check and a clock read. Heavier things
are throttled by time: "batch" updates at most every 125 ms, a weight snapshot
(read-only copies of ``model.get_weights()``) at most every 500 ms, the probe
image's activations at most every 250 ms or at once after a new probe; the
probe goes through :class:`~explorer.core.predict.predictor.Predictor` (one compiled
function, under a millisecond) on the training model's own layers.

TensorFlow is imported lazily, inside :meth:`Trainer.run`.
"""

from __future__ import annotations

import math
import pathlib
import secrets
import threading
import time
from collections.abc import Callable

import numpy as np

from explorer.core.arrays import frozen_array
from explorer.core.predict.prediction import Prediction
from explorer.core.train.checkpoints import DEFAULT_CHECKPOINT_DIR, Checkpoints
from explorer.core.train.config import TrainConfig, check_config
from explorer.core.train.evaluation import Evaluation, evaluate
from explorer.core.train.history import metrics_of
from explorer.core.train.snapshots import weights_snapshot
from explorer.core.train.training_data import check_data, load_data, read_only_view, tensor_in_slices
from explorer.core.train.updates import TrainUpdate

__all__ = ["Trainer"]


class Trainer:
    """One training run: load data, build, compile, fit, evaluate, report.

    Parameters
    ----------
    config : TrainConfig
    dataset : Dataset, optional
        Already loaded data (an :class:`explorer.core.train.datasets.Dataset` or
        anything with its attributes); else :meth:`run` loads
        ``config.dataset``. ``config.limit`` applies either way.
    checkpoint_dir : path-like or None
        Folder under which each epoch's model is saved as
        ``<run-id>/epoch-NN.keras`` (atomically); None disables checkpoints.
        Default: :func:`~explorer.core.train.checkpoints.default_checkpoint_dir`.

    Raises
    ------
    ValueError
        If a field of `config` is out of range (the message names it).

    Notes
    -----
    A Trainer runs once. :meth:`run` blocks; :meth:`stop`, :meth:`pause`,
    :meth:`resume` and :meth:`set_probe` may be called from any thread at any
    time (before, during or after the run).
    """

    #: Seconds between "batch" updates: the studio draws at most 3 a second, and each update
    #: delivered to the UI thread costs CPU that training needs.
    BATCH_INTERVAL_S = 1 / 3
    #: Seconds between weight snapshots in "batch" updates (at most 2 per second).
    WEIGHTS_INTERVAL_S = 0.5
    #: Seconds between probe predictions (a new probe image is answered at the next update): one
    #: with every batch update.
    PROBE_INTERVAL_S = 1 / 3
    #: A stopped run is still evaluated if that should take at most this long.
    STOPPED_EVALUATION_BUDGET_S = 5.0

    def __init__(self, config: TrainConfig, *, dataset=None, checkpoint_dir=DEFAULT_CHECKPOINT_DIR):
        check_config(config)
        self._config = config
        self._dataset = dataset
        self.run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        self._checkpoints = Checkpoints(checkpoint_dir, self.run_id)
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._probe_lock = threading.Lock()
        self._probe_image: np.ndarray | None = None
        self._probe_serial = 0
        self._model = None  # the model people get (build_model's Sequential)
        self._fit_model = None  # what fit() trains: the model, or an augmentation wrapper around it
        self._history: dict[str, tuple[float, ...]] = {}
        self._evaluation: Evaluation | None = None
        self._ran = False

    # ------------------------------------------------------------ properties
    @property
    def config(self) -> TrainConfig:
        return self._config

    @property
    def model(self):
        """The trained Keras model (None until built). Use it only after :meth:`run` returns."""
        return self._model

    @property
    def history(self) -> dict[str, tuple[float, ...]]:
        """Per-epoch metrics of the completed epochs (after :meth:`run`)."""
        return dict(self._history)

    @property
    def evaluation(self) -> Evaluation | None:
        """The test-set evaluation of the last update, if any (after :meth:`run`)."""
        return self._evaluation

    @property
    def checkpoint_folder(self) -> pathlib.Path | None:
        """``<checkpoint_dir>/<run-id>``, or None if checkpoints are off."""
        return self._checkpoints.folder

    @property
    def checkpoints(self) -> tuple[pathlib.Path, ...]:
        """The checkpoint files written so far, oldest first."""
        return self._checkpoints.written

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    # --------------------------------------------------- thread-safe controls
    def stop(self) -> None:
        """End the run after the current batch (also ends a pause). Returns at once."""
        self._stop.set()
        self._running.set()
        fit_model = self._fit_model
        if fit_model is not None:
            fit_model.stop_training = True

    def pause(self) -> None:
        """Hold training after the current batch until :meth:`resume` or :meth:`stop`."""
        self._running.clear()
        if self._stop.is_set():  # a stop that raced in between wins: never pause a stopped run
            self._running.set()

    def resume(self) -> None:
        """Continue after :meth:`pause`."""
        self._running.set()

    def set_probe(self, image: np.ndarray | None) -> None:
        """The image whose activations the updates carry (a private copy is kept; latest wins).

        None stops the probe. The image must have the dataset's input shape
        ((H, W) is accepted for one channel); one that does not fit is dropped
        at the next update.
        """
        frozen = None if image is None else frozen_array(image)
        with self._probe_lock:
            self._probe_image = frozen
            self._probe_serial += 1

    def _probe(self) -> tuple[int, np.ndarray | None]:
        with self._probe_lock:
            return self._probe_serial, self._probe_image

    # -------------------------------------------------------------- the run
    def run(self, report: Callable[[TrainUpdate], None]) -> None:
        """Train, reporting every step to `report` (called in this thread). Blocks.

        Problems with the data, the architecture or the resources end in a
        "failed" update; only programming errors (and exceptions raised by
        `report` itself) escape.
        """
        if self._ran:
            raise RuntimeError("a Trainer runs once: make a new one for the next run")
        self._ran = True
        config = self._config
        epochs = config.epochs

        def fail(message: str) -> None:
            report(TrainUpdate(kind="failed", epochs=epochs, message=message))

        from explorer.core.train.datasets import DatasetError

        try:
            data = self._dataset if self._dataset is not None else load_data(config)
            x_train, y_train = data.x_train, data.y_train
            if config.limit is not None:
                x_train, y_train = x_train[: config.limit], y_train[: config.limit]
            x_test, y_test = data.x_test, data.y_test
            check_data(x_train, y_train, x_test, config.validation_split)
        except DatasetError as exc:
            fail(str(exc))
            return
        except OSError as exc:
            fail(f"cannot read the data: {exc.strerror or exc}")
            return
        except MemoryError:
            fail("not enough memory to load the data: try a limit or a smaller dataset")
            return
        if self._stop.is_set():
            report(TrainUpdate(kind="stopped", epochs=epochs, message="stopped before training began"))
            return

        from explorer.core import tf_backend
        from explorer.core.model.build import build_model
        from explorer.core.predict.predictor import Predictor
        from explorer.core.train.augment import with_augmentation
        from explorer.core.train.optimizers import learning_rate_of, make_optimizer

        tf = tf_backend.load()
        import keras

        input_shape = tuple(int(n) for n in data.input_shape)
        class_names = tuple(str(name) for name in data.class_names)
        keras.utils.set_random_seed(int(config.seed))
        try:
            model = build_model(
                config.model, input_shape=input_shape, num_classes=int(data.num_classes), layers=config.layers
            )
        except ValueError as exc:
            fail(f"cannot build the model {config.model!r}: {exc}")
            return
        optimizer = make_optimizer(keras, config)
        if config.augmentation.enabled:
            fit_model = with_augmentation(keras, model, config.augmentation, config.seed)
        else:
            fit_model = model
        fit_model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        self._model, self._fit_model = model, fit_model
        probe_predictor = Predictor(model)  # traced here, not during the first batches

        n_samples = len(x_train)
        n_fit = math.floor(n_samples * (1.0 - config.validation_split)) if config.validation_split else n_samples
        batches = math.ceil(n_fit / config.batch_size)
        reporter = _reporter_class(keras)(
            trainer=self, report=report, predictor=probe_predictor, n_fit=n_fit, batches=batches,
            learning_rate=learning_rate_of(optimizer),
        )
        report(TrainUpdate(
            kind="started", epochs=epochs, batches=batches, input_shape=input_shape, class_names=class_names,
            test_images=read_only_view(x_test), test_labels=read_only_view(y_test),
            message=(f"{config.model} on {getattr(data, 'source', config.dataset)}: {n_fit:,} training, "
                     f"{n_samples - n_fit:,} validation, {len(x_test):,} test images"),
        ))

        callbacks: list = [reporter]
        early = None
        if config.patience > 0:
            monitor = "val_loss" if config.validation_split else "loss"
            early = keras.callbacks.EarlyStopping(monitor=monitor, patience=config.patience)
            callbacks.append(early)
        try:
            if not self._stop.is_set():
                fit_model.fit(
                    tensor_in_slices(tf, x_train), y_train, batch_size=config.batch_size, epochs=epochs,
                    validation_split=config.validation_split, shuffle=True, verbose=0, callbacks=callbacks,
                )
        except (MemoryError, tf.errors.ResourceExhaustedError):
            fail(f"training ran out of memory: try a batch size smaller than {config.batch_size}")
            return
        except tf.errors.OpError as exc:
            fail(f"training failed: {exc.message.splitlines()[0] if exc.message else type(exc).__name__}")
            return
        self._finish(report, reporter, model, x_test, y_test, len(class_names), early)

    def _write_checkpoint(self, epoch: int) -> str:
        """Save the model as ``epoch-NN.keras``; "" or a message saying why it could not."""
        return self._checkpoints.save(self._model, epoch)

    def _finish(self, report, reporter, model, x_test, y_test, num_classes, early) -> None:
        config = self._config
        self._history = reporter.history_view()
        common = dict(
            epoch=reporter.epoch, epochs=config.epochs, batch=reporter.batch, batches=reporter.batches,
            history=self._history, samples_per_s=reporter.mean_rate(),
        )
        if reporter.diverged is not None:
            report(TrainUpdate(
                kind="diverged", metrics=dict(reporter.last_metrics), weights=weights_snapshot(model),
                message=reporter.divergence_message(config), **common,
            ))
            return
        stopped = self._stop.is_set()
        evaluation = None
        note = ""
        if len(x_test) == 0:
            note = "there is no test set to evaluate on"
        elif not stopped:
            evaluation = evaluate(model, x_test, y_test, num_classes, should_stop=self._stop.is_set)
            stopped = evaluation is None
        elif reporter.trained_samples == 0:
            note = "not evaluated (no batch was trained)"
        else:
            estimate = len(x_test) / max(reporter.mean_rate(), 1.0)  # inference is faster than training
            if estimate <= self.STOPPED_EVALUATION_BUDGET_S:
                evaluation = evaluate(model, x_test, y_test, num_classes)
            else:
                note = f"not evaluated (the test set would take about {estimate:.0f} s)"
        self._evaluation = evaluation
        metrics = dict(reporter.last_metrics)
        if evaluation is not None:
            metrics.update(test_loss=evaluation.test_loss, test_accuracy=evaluation.test_accuracy)
        kind = "stopped" if stopped else "finished"
        if stopped and reporter.batch == 0 and reporter.epoch <= 1:
            message = "stopped before the first batch"
        elif stopped:
            message = f"stopped at epoch {reporter.epoch}, batch {reporter.batch}"
        else:
            message = f"finished {reporter.completed_epochs} epoch{'s' if reporter.completed_epochs != 1 else ''}"
            if early is not None and early.stopped_epoch > 0:
                message += (f" (early stopping: {early.monitor} had not improved for {config.patience} "
                            f"epoch{'s' if config.patience != 1 else ''})")
        if evaluation is not None:
            message += f": {evaluation.test_accuracy:.2%} test accuracy"
        elif note:
            message += f"; {note}"
        report(TrainUpdate(
            kind=kind, metrics=metrics, weights=weights_snapshot(model), probe=reporter.probe_prediction(),
            evaluation=evaluation, message=message, **common,
        ))


# ---------------------------------------------------------- the callback
_REPORTER_CLASS = None


def _reporter_class(keras):
    """The Keras callback class (defined on first use: Keras is imported lazily)."""
    global _REPORTER_CLASS
    if _REPORTER_CLASS is not None:
        return _REPORTER_CLASS

    class _Reporter(keras.callbacks.Callback):
        """Turns fit()'s callbacks into TrainUpdates; obeys stop/pause; detects NaN."""

        def __init__(self, *, trainer: Trainer, report, predictor, n_fit: int, batches: int, learning_rate: float):
            super().__init__()
            self.trainer = trainer
            self.report = report
            self.predictor = predictor
            self.n_fit = n_fit
            self.batches = batches
            self.batch_size = trainer.config.batch_size
            self.epochs = trainer.config.epochs
            self.learning_rate = learning_rate
            self.epoch = 0  # 1-based, current
            self.batch = 0  # 1-based, last finished
            self.completed_epochs = 0
            self.trained_samples = 0
            self.rated_samples = 0  # the samples and seconds behind samples/s (see on_epoch_end)
            self.rated_seconds = 0.0
            self.diverged: tuple[int, int, float] | None = None
            self.last_metrics: dict[str, float] = {}
            self._history: dict[str, list[float]] = {}
            self._history_view: dict[str, tuple[float, ...]] = {}
            self._epoch_start = 0.0
            self._epoch_paused = 0.0
            self._last_batch_time = 0.0
            self._next_emit = 0.0
            self._next_weights = 0.0
            self._next_probe = 0.0
            self._probe_seen = -1
            self._probe_result: Prediction | None = None
            self._rate_origin = (0.0, 0, 0.0)
            self._last_rate = 0.0

        # ------------------------------------------------ Keras hooks
        def on_train_begin(self, logs=None):
            if self.trainer._stop.is_set():
                self.model.stop_training = True

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1
            self.batch = 0
            self._epoch_start = self._last_batch_time = time.perf_counter()
            self._epoch_paused = 0.0
            self._rate_origin = (self._epoch_start, 0, 0.0)
            self._next_emit = 0.0  # the first batch of every epoch is reported

        def on_train_batch_end(self, batch, logs=None):
            loss = logs.get("loss") if logs else None
            self.batch = batch + 1
            if loss is not None and not math.isfinite(loss):
                self.diverged = (self.epoch, batch + 1, loss)
                self.last_metrics = metrics_of(logs)
                self.model.stop_training = True
                return
            now = self._last_batch_time = time.perf_counter()
            trainer = self.trainer
            if now >= self._next_emit:
                self._emit_batch(logs, now)
            if not trainer._running.is_set():
                self._pause(logs)
            if trainer._stop.is_set():
                self.model.stop_training = True

        def on_test_batch_end(self, batch, logs=None):
            # Validation after a stop or a NaN would only cost time.
            if self.diverged is not None or self.trainer._stop.is_set():
                self.model.stop_evaluating = True

        def on_epoch_end(self, epoch, logs=None):
            done = self.batch * self.batch_size if self.batch < self.batches else self.n_fit
            self.trained_samples += done
            # Timed from the end of the first batch, which in the first epoch also compiles the
            # training step (a one-off 0.2-0.5 s): samples/s is the pace of training itself.
            rated, seconds = self._since_first_batch(done, self._last_batch_time)
            if rated <= 0:  # only one batch: it is all there is to time
                rated, seconds = done, self._last_batch_time - self._epoch_start - self._epoch_paused
            seconds = max(seconds, 1e-9)
            self.rated_samples += rated
            self.rated_seconds += seconds
            if self.diverged is not None or self.trainer._stop.is_set():
                return  # an interrupted epoch: no curve point, no checkpoint
            self.completed_epochs = self.epoch
            metrics = metrics_of(logs)
            self.last_metrics = metrics
            for key, value in metrics.items():
                self._history.setdefault(key, []).append(value)
            self._history_view = {key: tuple(values) for key, values in self._history.items()}
            message = self.trainer._write_checkpoint(self.epoch)
            rate = rated / seconds
            now = time.perf_counter()
            self._next_weights = now + Trainer.WEIGHTS_INTERVAL_S
            self.report(TrainUpdate(
                kind="epoch", epoch=self.epoch, epochs=self.epochs, batch=self.batches, batches=self.batches,
                metrics=metrics, samples_per_s=rate, eta_s=(self.epochs - self.epoch) * self.n_fit / rate,
                history=self._history_view, weights=weights_snapshot(self.trainer._model),
                probe=self._probe_now(now), message=message,
            ))

        # ------------------------------------------------ helpers
        def _emit_batch(self, logs, now: float) -> None:
            self._next_emit = now + Trainer.BATCH_INTERVAL_S
            samples = min(self.batch * self.batch_size, self.n_fit)
            if self.batch == 1:
                # The first batch of a run includes compiling the training step: measure from its end.
                self._rate_origin = (now, samples, self._epoch_paused)
                rate = self._last_rate
            else:
                rated, elapsed = self._since_first_batch(samples, now)
                rate = rated / elapsed if elapsed > 0 else self._last_rate
                self._last_rate = rate
            remaining = (self.n_fit - samples) + (self.epochs - self.epoch) * self.n_fit
            weights = None
            if now >= self._next_weights:
                self._next_weights = now + Trainer.WEIGHTS_INTERVAL_S
                weights = weights_snapshot(self.trainer._model)
            metrics = metrics_of(logs)
            self.last_metrics = metrics
            self.report(TrainUpdate(
                kind="batch", epoch=self.epoch, epochs=self.epochs, batch=self.batch, batches=self.batches,
                metrics=metrics, samples_per_s=rate, eta_s=remaining / rate if rate > 0 else None,
                history=self._history_view, weights=weights, probe=self._probe_due(now),
            ))

        def _since_first_batch(self, samples: int, now: float) -> tuple[int, float]:
            """Samples trained and seconds spent (pauses left out) since the end of the epoch's first batch."""
            origin_time, origin_samples, origin_paused = self._rate_origin
            return samples - origin_samples, now - origin_time - (self._epoch_paused - origin_paused)

        def _pause(self, logs) -> None:
            """Wait (no spinning) until resumed or stopped; answer new probes meanwhile."""
            started = time.perf_counter()
            trainer = self.trainer
            self.report(TrainUpdate(
                kind="batch", epoch=self.epoch, epochs=self.epochs, batch=self.batch, batches=self.batches,
                metrics=metrics_of(logs), history=self._history_view,
                weights=weights_snapshot(trainer._model), probe=self._probe_now(started), message="paused",
            ))
            while not trainer._running.wait(0.1) and not trainer._stop.is_set():
                serial, _ = trainer._probe()
                if serial != self._probe_seen:
                    self.report(TrainUpdate(
                        kind="batch", epoch=self.epoch, epochs=self.epochs, batch=self.batch,
                        batches=self.batches, metrics=metrics_of(logs), history=self._history_view,
                        probe=self._probe_now(time.perf_counter()), message="paused",
                    ))
            now = time.perf_counter()
            self._epoch_paused += now - started
            self._next_emit = now  # show at once that training goes on

        def _probe_due(self, now: float) -> Prediction | None:
            serial, _ = self.trainer._probe()
            if serial == self._probe_seen and now < self._next_probe:
                return None
            return self._probe_now(now)

        def _probe_now(self, now: float) -> Prediction | None:
            serial, image = self.trainer._probe()
            self._probe_seen = serial
            self._next_probe = now + Trainer.PROBE_INTERVAL_S
            if image is None:
                self._probe_result = None
                return None
            try:
                self._probe_result = self.predictor.predict(image)
            except ValueError:  # wrong shape or NaN pixels: drop it, training goes on
                self._probe_result = None
            return self._probe_result

        def probe_prediction(self) -> Prediction | None:
            return self._probe_now(time.perf_counter())

        def history_view(self) -> dict[str, tuple[float, ...]]:
            return self._history_view

        def mean_rate(self) -> float:
            return self.rated_samples / self.rated_seconds if self.rated_seconds > 0 else 0.0

        def divergence_message(self, config: TrainConfig) -> str:
            epoch, batch, loss = self.diverged
            what = "NaN" if math.isnan(loss) else "infinite"
            rate = self.learning_rate
            if config.learning_rate is None:
                rate_text = f"{rate:g} (the {config.optimizer} default)"
            else:
                rate_text = str(float(config.learning_rate))
            suggestion = 0.001 if rate > 0.001 else rate / 10
            return (
                f"the loss became {what} at epoch {epoch}, batch {batch}: the learning rate {rate_text} is too "
                f"high — try {suggestion:g}. Training stopped; the model's weights may now be NaN or huge, so "
                "its predictions mean nothing until it is trained again."
            )

    _REPORTER_CLASS = _Reporter
    return _Reporter
