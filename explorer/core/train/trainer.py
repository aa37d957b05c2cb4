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
import os
import pathlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np

from explorer.core.arrays import frozen_array
from explorer.core.files import atomic_write
from explorer.core.train.types import OPTIMIZERS, Evaluation, ModelSnapshot, Prediction, TrainConfig, TrainUpdate

__all__ = [
    "DEFAULT_CHECKPOINT_DIR",
    "Trainer",
    "default_checkpoint_dir",
    "evaluate",
    "history_csv",
    "save_history_csv",
    "make_snapshot",
]

#: Metrics in the order people read them (others follow alphabetically).
_METRIC_ORDER = ("loss", "accuracy", "val_loss", "val_accuracy")
#: Keras clips probabilities like this before the log in cross-entropy.
_EPSILON = 1e-7


class _UserDataFolder:
    """The default of ``Trainer(checkpoint_dir=...)``: the user's data folder."""

    def __repr__(self) -> str:
        return "DEFAULT_CHECKPOINT_DIR"


#: ``Trainer(checkpoint_dir=DEFAULT_CHECKPOINT_DIR)``: checkpoints under :func:`default_checkpoint_dir`.
DEFAULT_CHECKPOINT_DIR = _UserDataFolder()


def default_checkpoint_dir() -> pathlib.Path:
    """``<user data folder>/checkpoints``.

    The user data folder is ``$XDG_DATA_HOME/feature-map-explorer`` or
    ``~/.local/share/feature-map-explorer`` (``$FME_DATA_DIR`` overrides it,
    see :func:`explorer.paths.user_data_dir`). Each run writes
    ``<run-id>/epoch-NN.keras`` inside. Not created here.
    """
    from explorer.paths import user_data_dir

    return user_data_dir(create=False) / "checkpoints"


# ---------------------------------------------------------------- the trainer
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
        Default: :func:`default_checkpoint_dir`.

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
        _check_config(config)
        self._config = config
        self._dataset = dataset
        if checkpoint_dir is DEFAULT_CHECKPOINT_DIR:
            checkpoint_dir = default_checkpoint_dir()
        self._checkpoint_root = None if checkpoint_dir is None else pathlib.Path(checkpoint_dir)
        self.run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
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
        self._checkpoints: list[pathlib.Path] = []
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
        return None if self._checkpoint_root is None else self._checkpoint_root / self.run_id

    @property
    def checkpoints(self) -> tuple[pathlib.Path, ...]:
        """The checkpoint files written so far, oldest first."""
        return tuple(self._checkpoints)

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
            data = self._dataset if self._dataset is not None else _load(config)
            x_train, y_train = data.x_train, data.y_train
            if config.limit is not None:
                x_train, y_train = x_train[: config.limit], y_train[: config.limit]
            x_test, y_test = data.x_test, data.y_test
            _check_data(x_train, y_train, x_test, config.validation_split)
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
        optimizer = _make_optimizer(keras, config)
        fit_model = _with_augmentation(keras, model, config) if config.augmentation.enabled else model
        fit_model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        self._model, self._fit_model = model, fit_model
        probe_predictor = Predictor(model)  # traced here, not during the first batches

        n_samples = len(x_train)
        n_fit = math.floor(n_samples * (1.0 - config.validation_split)) if config.validation_split else n_samples
        batches = math.ceil(n_fit / config.batch_size)
        reporter = _reporter_class(keras)(
            trainer=self, report=report, predictor=probe_predictor, n_fit=n_fit, batches=batches,
            learning_rate=_learning_rate(optimizer),
        )
        report(TrainUpdate(
            kind="started", epochs=epochs, batches=batches, input_shape=input_shape, class_names=class_names,
            test_images=_read_only_view(x_test), test_labels=_read_only_view(y_test),
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
                    _tensor_in_slices(tf, x_train), y_train, batch_size=config.batch_size, epochs=epochs,
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
        folder = self.checkpoint_folder
        if folder is None:
            return ""
        from explorer.core.model.model_files import save_model

        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = save_model(self._model, folder / f"epoch-{epoch:02d}.keras")
        except (OSError, ValueError) as exc:
            self._checkpoint_root = None  # one message, not one per epoch
            reason = getattr(exc, "strerror", None) or str(exc)
            return f"could not save a checkpoint in {folder} ({reason}); checkpoints are off for this run"
        self._checkpoints.append(path)
        return ""

    def _finish(self, report, reporter, model, x_test, y_test, num_classes, early) -> None:
        config = self._config
        self._history = reporter.history_view()
        common = dict(
            epoch=reporter.epoch, epochs=config.epochs, batch=reporter.batch, batches=reporter.batches,
            history=self._history, samples_per_s=reporter.mean_rate(),
        )
        if reporter.diverged is not None:
            report(TrainUpdate(
                kind="diverged", metrics=dict(reporter.last_metrics), weights=_weights_snapshot(model),
                message=reporter.divergence_message(config), **common,
            ))
            return
        stopped = self._stop.is_set()
        evaluation = None
        note = ""
        if len(x_test) == 0:
            note = "there is no test set to evaluate on"
        elif not stopped:
            evaluation = evaluate(model, x_test, y_test, num_classes, stop=self._stop)
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
            kind=kind, metrics=metrics, weights=_weights_snapshot(model), probe=reporter.probe_prediction(),
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
                self.last_metrics = _metrics(logs)
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
            metrics = _metrics(logs)
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
                history=self._history_view, weights=_weights_snapshot(self.trainer._model),
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
                weights = _weights_snapshot(self.trainer._model)
            metrics = _metrics(logs)
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
                metrics=_metrics(logs), history=self._history_view,
                weights=_weights_snapshot(trainer._model), probe=self._probe_now(started), message="paused",
            ))
            while not trainer._running.wait(0.1) and not trainer._stop.is_set():
                serial, _ = trainer._probe()
                if serial != self._probe_seen:
                    self.report(TrainUpdate(
                        kind="batch", epoch=self.epoch, epochs=self.epochs, batch=self.batch,
                        batches=self.batches, metrics=_metrics(logs), history=self._history_view,
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


# --------------------------------------------------------------- helpers
def _tensor_in_slices(tf, array: np.ndarray, rows: int = 2048):
    """`array` as one tensor, copied a slice at a time.

    Given NumPy images, ``fit`` copies them into a tensor in one call that
    holds the GIL throughout: 84 ms for MNIST's 54,000 training images, a
    freeze of the window at the start of every run. A slice of 2,048 images
    holds it for ~2 ms, and the concatenation runs in TensorFlow without it.
    The price: while they are joined, the slices and the whole exist side by
    side (twice the images' size, for a moment).
    """
    if len(array) <= rows:
        return tf.convert_to_tensor(array)
    return tf.concat([tf.convert_to_tensor(array[start:start + rows]) for start in range(0, len(array), rows)], 0)


def _check_config(config: TrainConfig) -> None:
    def whole(value, name, low):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")

    if not isinstance(config, TrainConfig):
        raise ValueError(f"expected a TrainConfig, got {type(config).__name__}")
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {config.optimizer!r}: use one of {', '.join(OPTIMIZERS)}")
    whole(config.epochs, "epochs", 1)
    whole(config.batch_size, "batch size", 1)
    whole(config.patience, "patience", 0)
    if config.limit is not None:
        whole(config.limit, "limit", 1)
    rate = config.learning_rate
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, Real) or not math.isfinite(rate)
                             or rate <= 0):
        raise ValueError(f"the learning rate must be a number > 0, got {rate!r}")
    split = config.validation_split
    if isinstance(split, bool) or not isinstance(split, Real) or not 0 <= split < 1:
        raise ValueError(f"the validation split must be a fraction, 0 <= split < 1, got {split!r}")
    aug = config.augmentation
    for name, value in (("rotation", aug.rotation), ("translation", aug.translation), ("zoom", aug.zoom)):
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
            raise ValueError(f"augmentation {name} must be a fraction, 0 <= {name} < 1, got {value!r}")


def _load(config: TrainConfig):
    from explorer.core.train import datasets

    return datasets.load_dataset(config.dataset, data_dir=config.data_dir, limit=config.limit, seed=config.seed)


def _check_data(x_train, y_train, x_test, validation_split: float) -> None:
    from explorer.core.train.datasets import DatasetError

    if len(x_train) != len(y_train):
        raise DatasetError(f"{len(x_train):,} training images but {len(y_train):,} labels")
    if len(x_train) == 0:
        raise DatasetError("there are no training images")
    if validation_split:
        split_at = math.floor(len(x_train) * (1.0 - validation_split))
        if split_at == 0 or split_at == len(x_train):
            raise DatasetError(
                f"a validation split of {validation_split:g} of {len(x_train):,} training images leaves "
                f"{'no training' if split_at == 0 else 'no validation'} images: use more data or another split"
            )
    for name, images in (("training", x_train), ("test", x_test)):
        for start in range(0, len(images), 4096):  # in chunks: no image-sized temporary array
            if not np.isfinite(images[start:start + 4096]).all():
                raise DatasetError(f"the {name} images contain NaN or infinite values")


def _make_optimizer(keras, config: TrainConfig):
    classes = {
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "nadam": keras.optimizers.Nadam,
    }
    optimizer_class = classes[config.optimizer]
    if config.learning_rate is None:
        return _without_replica_sum(optimizer_class())
    return _without_replica_sum(optimizer_class(learning_rate=float(config.learning_rate)))


def _without_replica_sum(optimizer):
    """The optimizer, minus Keras' sum of the gradients over replicas when there is only one.

    On one device that sum is the gradients themselves, but Keras 3 still calls
    TensorFlow's ``ReplicaContext.all_reduce``, a ``tf.custom_gradient`` that
    registers a new gradient function in a global registry every time a training
    step is traced. That function keeps the whole traced step alive: every model
    trained in the process leaked about 8 MB and its graphs (the upstream reports
    tensorflow/tensorflow#61791 and keras-team/tf-keras#286; ``clear_session``
    does not help). Empty gradients are filtered out before this step either way.
    """
    import tensorflow as tf

    one_replica = not tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync == 1
    if one_replica and hasattr(optimizer, "_all_reduce_sum_gradients"):  # Keras' TensorFlow optimizer
        optimizer._all_reduce_sum_gradients = list
    return optimizer


def _learning_rate(optimizer) -> float:
    try:
        return float(np.asarray(optimizer.learning_rate))
    except (TypeError, ValueError):
        return float("nan")


def _with_augmentation(keras, model, config: TrainConfig):
    """A training-only wrapper: random layers first, then `model` (shared weights).

    The random layers live only in the wrapper, so the model that is probed,
    snapshotted, saved and evaluated is exactly :func:`build_model`'s (and the
    random layers would be identities at inference anyway).
    """
    from explorer.core.train.augment import augmentation_layers

    layers = augmentation_layers(config.augmentation, int(config.seed))
    shape = tuple(model.inputs[0].shape[1:])
    return keras.Sequential([keras.Input(shape=shape), *layers, model], name=f"{model.name}-augmented")


def _metrics(logs) -> dict[str, float]:
    if not logs:
        return {}
    out = {key: float(logs[key]) for key in _METRIC_ORDER if key in logs}
    for key in sorted(logs):
        if key not in out and isinstance(logs[key], (int, float)):
            out[key] = float(logs[key])
    return out


def _read_only_view(array):
    view = np.asarray(array).view()
    view.setflags(write=False)
    return view


def _weights_snapshot(model) -> tuple[np.ndarray, ...]:
    out = []
    for weight in model.get_weights():
        copy = np.array(weight, copy=True)
        copy.setflags(write=False)
        out.append(copy)
    return tuple(out)


# ------------------------------------------------------------ evaluation
def evaluate(model, images, labels, num_classes: int | None = None, *, batch_size: int = 256,
             stop: threading.Event | None = None) -> Evaluation | None:
    """Evaluate `model` on a test set in one prediction pass.

    Parameters
    ----------
    model : keras.Model
        Outputs class probabilities.
    images, labels : ndarray
        (N, H, W, C) float32 and (N,) int.
    num_classes : int, optional
        Size of the confusion matrix (default: the model's output size).
    batch_size : int
    stop : threading.Event, optional
        If set while predicting, the pass ends early and None is returned.

    Returns
    -------
    Evaluation or None
        The loss is sparse categorical cross-entropy computed from the
        probabilities (clipped to [1e-7, 1 - 1e-7] as Keras does);
        ``misclassified`` lists the wrongly classified indices, the most
        confident mistakes first. None if `stop` interrupted it.
    """
    from sklearn.metrics import confusion_matrix

    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    labels = np.asarray(labels).astype(np.int64, copy=False)
    if num_classes is None:
        num_classes = int(model.outputs[0].shape[-1])
    callbacks = []
    if stop is not None:
        class _StopCheck(keras.callbacks.Callback):
            def on_predict_batch_end(self, batch, logs=None):
                if stop.is_set():
                    self.model.stop_predicting = True

        callbacks.append(_StopCheck())
    probabilities = np.asarray(model.predict(images, batch_size=batch_size, verbose=0, callbacks=callbacks))
    if len(probabilities) != len(labels) or (stop is not None and stop.is_set()):
        return None
    probabilities = probabilities.reshape(len(labels), -1)
    predicted = np.argmax(probabilities, axis=1)
    totals = probabilities.sum(axis=1, keepdims=True)
    normalised = probabilities / np.where(totals > 0, totals, 1.0)
    chosen = np.clip(normalised[np.arange(len(labels)), labels], _EPSILON, 1.0 - _EPSILON)
    loss = float(np.mean(-np.log(chosen))) if len(labels) else float("nan")
    accuracy = float(np.mean(predicted == labels)) if len(labels) else float("nan")
    confusion = confusion_matrix(labels, predicted, labels=np.arange(num_classes)).astype(np.int64)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    misclassified = tuple(int(i) for i in wrong[np.argsort(-confidence, kind="stable")])
    predicted = predicted.astype(np.int64)
    for array in (confusion, predicted):
        array.setflags(write=False)
    return Evaluation(test_loss=loss, test_accuracy=accuracy, confusion=confusion, misclassified=misclassified,
                      predicted=predicted)


# -------------------------------------------------------- history & snapshot
def history_csv(history: Mapping[str, Sequence[float]]) -> str:
    """The per-epoch curves as CSV text: ``epoch,loss,accuracy,...``, one row per epoch.

    Columns follow the mapping's order; a curve shorter than the others
    leaves its cells empty. Values are written with full precision.
    """
    keys = [str(key) for key in history]
    columns = [list(history[key]) for key in history]
    rows = max((len(column) for column in columns), default=0)
    lines = [",".join(["epoch", *keys])]
    for index in range(rows):
        cells = [str(index + 1)]
        for column in columns:
            cells.append(repr(float(column[index])) if index < len(column) else "")
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def save_history_csv(path: str | os.PathLike[str], history: Mapping[str, Sequence[float]]) -> pathlib.Path:
    """Write :func:`history_csv` to `path` atomically; returns the absolute path.

    Raises
    ------
    OSError
        If the folder is missing or not writable.
    """
    text = history_csv(history)

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)

    return atomic_write(path, write)


def make_snapshot(config: TrainConfig, started: TrainUpdate, weights, source: str,
                  final: bool = False) -> ModelSnapshot:
    """A :class:`ModelSnapshot` for the drawing pad from a run's config, its "started" update and weights.

    Parameters
    ----------
    config : TrainConfig
        The run's configuration (model name and custom layers).
    started : TrainUpdate
        The run's "started" update (input shape and class names).
    weights : sequence of ndarray
        ``model.get_weights()`` order, e.g. an update's ``weights``; arrays
        that are not read-only are copied.
    source : str
        For people, e.g. "training: epoch 2 of 5, batch 300".
    final : bool
        True once training has finished.
    """
    frozen = []
    for weight in weights:
        if isinstance(weight, np.ndarray) and not weight.flags.writeable:
            frozen.append(weight)
        else:
            copy = np.array(weight, copy=True)
            copy.setflags(write=False)
            frozen.append(copy)
    return ModelSnapshot(
        model=config.model, layers=tuple(config.layers), input_shape=tuple(started.input_shape),
        class_names=tuple(started.class_names), weights=tuple(frozen), source=source, final=final,
    )
