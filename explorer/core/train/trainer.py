"""Train a convnet in a worker thread and report immutable, typed progress updates.

:class:`Trainer` wraps one ``model.fit`` run. The caller (the UI's training
worker, or the ``train`` command) calls :meth:`Trainer.run`, which blocks and
hands updates (:mod:`explorer.core.train.updates`) to a `report` function:
:class:`~explorer.core.train.updates.RunStarted`, throttled
:class:`~explorer.core.train.updates.BatchDone` updates, one
:class:`~explorer.core.train.updates.EpochDone` per epoch, then one of
:data:`~explorer.core.train.updates.RUN_ENDS`. Given a `snapshots` function
too, it also hands over :class:`~explorer.core.model.snapshot.ModelSnapshot`\\ s
for the classifier, at most one a second and the trained model's at the end.
The model comes from :func:`~explorer.core.train.model_for_run.build_run_model`
(from scratch, or transfer learning from a base); a fine-tuning warm-up fits
twice (:mod:`explorer.core.train.phases`), epochs numbered across both.

Other threads steer the run with :meth:`~Trainer.stop`, :meth:`~Trainer.pause`,
:meth:`~Trainer.resume` and :meth:`~Trainer.set_probe`: they only set flags in
the run's :class:`~explorer.core.train.run_control.RunControl`, which the
training thread reads between batches (the worker owns the training model).

Speed: the per-batch work is a float check, a clock read and a few flag
reads (:mod:`explorer.core.train.reporter`). Heavier things are throttled by
time: batch updates at most every 1/3 s, a weight copy (read-only copies of
``model.get_weights()``) at most every 0.5 s, the probe image's activations at
most every 1/3 s or at once after a new probe, a snapshot at most every 1 s.
The probe goes through :class:`~explorer.core.predict.predictor.Predictor`
(one compiled function, under a millisecond) on the training model's own layers.

Devices: ``config.devices`` picks the ``tf.distribute`` strategy
(:mod:`explorer.core.train.distribute`): by default TensorFlow's default
strategy, one device, as a plain ``fit``; with several, a ``MirroredStrategy``
that splits each (global) batch between them. The model, its optimizer and
the augmentation wrapper are made inside the strategy's scope.

TensorFlow is imported lazily, inside :meth:`Trainer.run`.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import secrets
import time
from collections.abc import Callable

import numpy as np

from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.train.checkpoints import DEFAULT_CHECKPOINT_DIR, Checkpoints
from explorer.core.train.config import TrainConfig, check_config
from explorer.core.train.evaluation import Evaluation, evaluate
from explorer.core.train.model_for_run import build_run_model
from explorer.core.train.phases import FINE_TUNE_RATE_FACTOR, fit_in_phases
from explorer.core.train.run_control import RunControl
from explorer.core.train.snapshots import make_snapshot, weights_snapshot, with_architecture
from explorer.core.train.training_data import check_data, load_data, read_only_view, tensor_in_slices
from explorer.core.train.updates import Diverged, Failed, Finished, RunStarted, Stopped, TrainUpdate

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
    time (before, during or after the run). The intervals below are read when
    the Trainer is made.
    """

    #: Seconds between batch updates: the studio draws at most 3 a second, and each update
    #: delivered to the UI thread costs CPU that training needs.
    BATCH_INTERVAL_S = 1 / 3
    #: Seconds between weight copies in batch updates (at most 2 per second).
    WEIGHTS_INTERVAL_S = 0.5
    #: Seconds between probe predictions (a new probe image is answered at the next update): one
    #: with every batch update.
    PROBE_INTERVAL_S = 1 / 3
    #: Seconds between model snapshots for the classifier while training.
    SNAPSHOT_INTERVAL_S = 1.0
    #: A stopped run is still evaluated if that should take at most this long.
    STOPPED_EVALUATION_BUDGET_S = 5.0

    def __init__(self, config: TrainConfig, *, dataset=None, checkpoint_dir=DEFAULT_CHECKPOINT_DIR):
        check_config(config)
        self._config = config
        self._dataset = dataset
        self.run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        self._checkpoints = Checkpoints(checkpoint_dir, self.run_id)
        self._control = RunControl(
            batch_interval_s=self.BATCH_INTERVAL_S, weights_interval_s=self.WEIGHTS_INTERVAL_S,
            probe_interval_s=self.PROBE_INTERVAL_S, snapshot_interval_s=self.SNAPSHOT_INTERVAL_S,
        )
        self._model = None  # the model people get (build_model's Sequential)
        self._fit_model = None  # what fit() trains: the model, or an augmentation wrapper around it
        self._history: dict[str, tuple[float, ...]] = {}
        self._evaluation: Evaluation | None = None
        self._ran = False
        self._replicas = 1

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
    def replicas(self) -> int:
        """How many devices train in step (``num_replicas_in_sync`` of the run's strategy; 1 until it starts)."""
        return self._replicas

    @property
    def stop_requested(self) -> bool:
        return self._control.stop_requested()

    @property
    def paused(self) -> bool:
        return self._control.paused()

    # --------------------------------------------------- thread-safe controls
    def stop(self) -> None:
        """End the run after the current batch (also ends a pause). Returns at once."""
        self._control.stop()
        fit_model = self._fit_model
        if fit_model is not None:
            fit_model.stop_training = True

    def pause(self) -> None:
        """Hold training after the current batch until :meth:`resume` or :meth:`stop`."""
        self._control.pause()

    def resume(self) -> None:
        """Continue after :meth:`pause`."""
        self._control.resume()

    def set_probe(self, image: np.ndarray | None) -> None:
        """The image whose activations the updates carry (a private copy is kept; latest wins).

        None stops the probe. The image must have the dataset's input shape
        ((H, W) is accepted for one channel); one that does not fit is dropped
        at the next update.
        """
        self._control.set_probe(image)

    # -------------------------------------------------------------- the run
    def run(self, report: Callable[[TrainUpdate], None],
            snapshots: Callable[[ModelSnapshot], None] | None = None) -> None:
        """Train, reporting every step to `report` (called in this thread). Blocks.

        Parameters
        ----------
        report : callable
            Receives each update.
        snapshots : callable, optional
            Receives a :class:`ModelSnapshot` of the model while it trains (at
            most every :attr:`SNAPSHOT_INTERVAL_S`, when weights are copied
            anyway) and, once the model is evaluated, a final one. Called in
            this thread.

        Notes
        -----
        Problems with the data, the architecture or the resources end in a
        :class:`~explorer.core.train.updates.Failed` update; only programming
        errors (and exceptions raised by `report` itself) escape.
        """
        if self._ran:
            raise RuntimeError("a Trainer runs once: make a new one for the next run")
        self._ran = True
        config = self._config
        epochs = config.epochs

        def fail(message: str) -> None:
            report(Failed(epochs=epochs, message=message))

        from explorer.core import tf_backend
        from explorer.core.train.datasets import DatasetError
        from explorer.core.train.distribute import DeviceError, describe_devices, strategy_for

        tf = tf_backend.load()
        try:  # before the data loads: asking for devices the machine lacks fails at once
            strategy = strategy_for(tf, config.devices)
        except DeviceError as exc:
            fail(str(exc))
            return
        replicas = int(strategy.num_replicas_in_sync)
        if config.batch_size < replicas:
            fail(f"the batch size ({config.batch_size}) must be at least the number of devices ({replicas}): "
                 "each device trains on its share of every batch")
            return
        self._replicas = replicas
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
        if self._control.stop_requested():
            report(Stopped(epochs=epochs, message="stopped before training began"))
            return

        import keras

        from explorer.core.predict.predictor import Predictor
        from explorer.core.train.augment import with_augmentation
        from explorer.core.train.optimizers import learning_rate_of, make_optimizer
        from explorer.core.train.reporter import keras_reporter

        input_shape = tuple(int(n) for n in data.input_shape)
        class_names = tuple(str(name) for name in data.class_names)
        keras.utils.set_random_seed(int(config.seed))
        # Variables made in the scope belong to the strategy (mirrored on each device when there are
        # several); the default strategy's scope is what a plain fit runs in anyway.
        with strategy.scope():
            try:
                built = build_run_model(keras, config, data)
            except ValueError as exc:
                fail(str(exc))
                return
            model = built.model
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
        started = RunStarted(
            epochs=epochs, batches=math.ceil(n_fit / config.batch_size), input_shape=input_shape,
            class_names=class_names, test_images=read_only_view(x_test), test_labels=read_only_view(y_test),
            message=(f"{built.label} on {getattr(data, 'source', config.dataset)}: {n_fit:,} training, "
                     f"{n_samples - n_fit:,} validation, {len(x_test):,} test images"
                     + (f", {describe_devices(strategy)}" if replicas > 1 else "")),
        )
        snapshots = with_architecture(snapshots, built.architecture)
        reporter = keras_reporter(
            keras, control=self._control, report=report, snapshots=snapshots, predictor=probe_predictor,
            model=model, config=config, started=started, n_fit=n_fit, learning_rate=learning_rate_of(optimizer),
            checkpoint=lambda epoch: self._checkpoints.save(model, epoch),
        )
        report(started)

        callbacks: list = [reporter]
        early = None
        if config.patience > 0:
            monitor = "val_loss" if config.validation_split else "loss"
            early = keras.callbacks.EarlyStopping(monitor=monitor, patience=config.patience)
            callbacks.append(early)
        try:
            if not self._control.stop_requested():
                x_fit = tensor_in_slices(tf, x_train)

                def fit(initial_epoch: int, until: int) -> None:
                    fit_model.fit(
                        x_fit, y_train, batch_size=config.batch_size, epochs=until, initial_epoch=initial_epoch,
                        validation_split=config.validation_split, shuffle=True, verbose=0, callbacks=callbacks,
                    )

                def unfreeze() -> None:  # the fine-tuning phase: the top layers too, 10x slower
                    built.unfreeze(config)
                    with strategy.scope():
                        rate = learning_rate_of(optimizer) * FINE_TUNE_RATE_FACTOR
                        slower = make_optimizer(keras, dataclasses.replace(config, learning_rate=rate))
                        reporter.learning_rate = learning_rate_of(slower)
                        fit_model.compile(optimizer=slower, loss="sparse_categorical_crossentropy",
                                          metrics=["accuracy"])

                fit_in_phases(fit, unfreeze, warmup_epochs=config.warmup_epochs, epochs=epochs, go_on=lambda: (
                    not self._control.stop_requested() and reporter.diverged is None
                    and reporter.completed_epochs == config.warmup_epochs))
        except (MemoryError, tf.errors.ResourceExhaustedError):
            fail(f"training ran out of memory: try a batch size smaller than {config.batch_size}")
            return
        except tf.errors.OpError as exc:
            fail(f"training failed: {exc.message.splitlines()[0] if exc.message else type(exc).__name__}")
            return
        self._finish(report, snapshots, reporter, started, x_test, y_test, early)

    def _finish(self, report, snapshots, reporter, started: RunStarted, x_test, y_test, early) -> None:
        """Evaluate what fit() left (unless it diverged), then report how the run ended."""
        config, model = self._config, self._model
        self._history = reporter.history_view()
        common = dict(
            epoch=reporter.epoch, epochs=config.epochs, batch=reporter.batch, batches=reporter.batches,
            history=self._history, samples_per_s=reporter.mean_rate(),
        )
        weights = weights_snapshot(model)
        if reporter.diverged is not None:
            report(Diverged(metrics=dict(reporter.last_metrics), weights=weights,
                            message=reporter.divergence_message(), **common))
            reporter.offer_snapshot(weights, time.perf_counter())
            return
        evaluation, stopped, note = self._evaluate(reporter, x_test, y_test, len(started.class_names))
        self._evaluation = evaluation
        metrics = dict(reporter.last_metrics)
        if evaluation is not None:
            metrics.update(test_loss=evaluation.test_loss, test_accuracy=evaluation.test_accuracy)
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
        ended = Stopped if stopped else Finished
        report(ended(metrics=metrics, weights=weights, probe=reporter.probe_prediction(), evaluation=evaluation,
                     message=message, **common))
        if evaluation is None:
            reporter.offer_snapshot(weights, time.perf_counter())
        elif snapshots is not None:
            snapshots(make_snapshot(config, started, weights, f"trained: {evaluation.test_accuracy:.2%} test accuracy",
                                    final=True))

    def _evaluate(self, reporter, x_test, y_test, num_classes: int) -> tuple[Evaluation | None, bool, str]:
        """(evaluation or None, whether the run counts as stopped, why it was not evaluated)."""
        control = self._control
        stopped = control.stop_requested()
        if len(x_test) == 0:
            return None, stopped, "there is no test set to evaluate on"
        if not stopped:
            evaluation = evaluate(self._model, x_test, y_test, num_classes, should_stop=control.stop_requested)
            return evaluation, evaluation is None, ""
        if reporter.trained_samples == 0:
            return None, True, "not evaluated (no batch was trained)"
        estimate = len(x_test) / max(reporter.mean_rate(), 1.0)  # inference is faster than training
        if estimate <= self.STOPPED_EVALUATION_BUDGET_S:
            return evaluate(self._model, x_test, y_test, num_classes), True, ""
        return None, True, f"not evaluated (the test set would take about {estimate:.0f} s)"
