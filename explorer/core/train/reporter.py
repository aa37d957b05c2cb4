"""The Keras callback of a run: fit()'s hooks become typed updates; it obeys stop and pause; it sees NaN.

:class:`Reporter` holds the logic and imports no TensorFlow; :func:`keras_reporter`
mixes in ``keras.callbacks.Callback`` (Keras is only imported by the trainer,
lazily) so that Keras calls the hooks straight, with no call in between.

Per batch: a float check, a clock read, a throttle compare and two flag reads
(the stop and pause events). With several training steps per call into
TensorFlow (``steps_per_execution``), Keras calls these hooks once per call,
naming its last batch: pause and stop are then seen once per call, and
batch updates keep a steady rate (:meth:`Cadence.kept
<explorer.core.train.run_control.Cadence.kept>`). Everything else is throttled through the run's
:class:`~explorer.core.train.run_control.RunControl`: batch updates, weight
copies, probe predictions and model snapshots for the classifier, each at
most every so often (the first batch of every epoch is always reported, a
new probe image is answered at the next update).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.predict.prediction import Prediction
from explorer.core.train.config import TrainConfig
from explorer.core.train.history import metrics_of
from explorer.core.train.run_control import RunControl
from explorer.core.train.snapshots import make_snapshot, weights_snapshot
from explorer.core.train.updates import BatchDone, EpochDone, Paused, RunStarted, TrainUpdate

__all__ = ["Reporter", "keras_reporter"]

#: Seconds a pause waits between looks at the flags and the probe slot.
_PAUSE_POLL_S = 0.1


class Reporter:
    """Turns ``fit()``'s callbacks into updates for `report`.

    Parameters
    ----------
    control : RunControl
        The run's flags, probe slot and throttles.
    report : callable
        Receives each update, in the training thread.
    snapshots : callable or None
        Receives a :class:`ModelSnapshot` whenever weights are copied and a
        snapshot is due (None: none are made).
    predictor : Predictor
        Answers the probe with the training model's own layers.
    model : keras.Model
        The model whose weights are reported (not an augmentation wrapper around it).
    config : TrainConfig
    started : RunStarted
        The run's first update (for the snapshots).
    n_fit : int
        Images trained per epoch (the rest of the training set validates).
    learning_rate : float
        The optimizer's, for the divergence message.
    checkpoint : callable
        ``checkpoint(epoch)`` saves the model after each completed epoch; it
        returns "" or a sentence saying why it could not.

    Notes
    -----
    After ``fit`` returns, the trainer reads where the run got to:
    :attr:`epoch`, :attr:`batch`, :attr:`completed_epochs`,
    :attr:`trained_samples`, :attr:`diverged`, :attr:`last_metrics`,
    :meth:`history_view`, :meth:`mean_rate`.
    """

    def __init__(self, *, control: RunControl, report: Callable[[TrainUpdate], None],
                 snapshots: Callable[[ModelSnapshot], None] | None, predictor, model, config: TrainConfig,
                 started: RunStarted, n_fit: int, learning_rate: float, checkpoint: Callable[[int], str]) -> None:
        super().__init__()  # keras.callbacks.Callback's, once mixed in
        self._control = control
        # Read after every batch: bound once here (the events' own is_set, the throttle itself).
        self._batch_updates, self._running, self._stop_requested = (
            control.batch_updates, control.running, control.stop_requested)
        self._report = report
        self._snapshots = snapshots
        self._predictor = predictor
        self._trained_model = model
        self._config = config
        self._started = started
        self._checkpoint = checkpoint
        self.n_fit = n_fit
        self.batches = started.batches
        self.batch_size = config.batch_size
        self.epochs = config.epochs
        self.learning_rate = learning_rate
        self.epoch = 0  # 1-based, current
        self.batch = 0  # 1-based, last finished
        self.completed_epochs = 0
        self.trained_samples = 0
        self.rated_samples = 0  # the samples and seconds behind samples/s (see on_epoch_end)
        self.rated_seconds = 0.0
        self.diverged: tuple[int, int, float] | None = None  # (epoch, batch, loss)
        self.last_metrics: dict[str, float] = {}
        self._history: dict[str, list[float]] = {}
        self._history_view: dict[str, tuple[float, ...]] = {}
        self._epoch_start = 0.0
        self._epoch_paused = 0.0
        self._last_batch_time = 0.0
        self._rate_origin = (0.0, 0, 0.0)
        self._origin_pending = True  # the epoch's first report (of its first batch, or first call's) is to come
        self._last_rate = 0.0

    # ------------------------------------------------------------ Keras hooks
    def on_train_begin(self, logs=None):
        if self._control.stop_requested():
            self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        self.batch = 0
        self._epoch_start = self._last_batch_time = time.perf_counter()
        self._epoch_paused = 0.0
        self._rate_origin = (self._epoch_start, 0, 0.0)
        self._origin_pending = True
        self._control.batch_updates.open()  # the first batch of every epoch is reported

    def on_train_batch_end(self, batch, logs=None):
        loss = logs.get("loss") if logs else None
        # With several steps per call Keras numbers the call by its last step, one past the data at an
        # epoch's end when the batches do not divide evenly.
        self.batch = min(batch + 1, self.batches)
        if loss is not None and not math.isfinite(loss):
            self.diverged = (self.epoch, batch + 1, loss)
            self.last_metrics = metrics_of(logs)
            self.model.stop_training = True
            return
        now = self._last_batch_time = time.perf_counter()
        if now >= self._batch_updates.next_at:  # Cadence.due, inlined: this runs after every batch
            self._emit_batch(logs, now)
        if not self._running():
            self._pause(logs)
        if self._stop_requested():
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        # Validation after a stop or a NaN would only cost time.
        if self.diverged is not None or self._control.stop_requested():
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
        if self.diverged is not None or self._control.stop_requested():
            return  # an interrupted epoch: no curve point, no checkpoint
        self.completed_epochs = self.epoch
        metrics = metrics_of(logs)
        self.last_metrics = metrics
        for key, value in metrics.items():
            self._history.setdefault(key, []).append(value)
        self._history_view = {key: tuple(values) for key, values in self._history.items()}
        message = self._checkpoint(self.epoch)
        rate = rated / seconds
        now = time.perf_counter()
        self._control.weights.passed(now)
        weights = weights_snapshot(self._trained_model)
        self._report(EpochDone(
            epoch=self.epoch, epochs=self.epochs, batch=self.batches, batches=self.batches, metrics=metrics,
            history=self._history_view, samples_per_s=rate, eta_s=(self.epochs - self.epoch) * self.n_fit / rate,
            weights=weights, probe=self._probe_now(now), message=message,
        ))
        self.offer_snapshot(weights, now)

    # ------------------------------------------------------------ for the trainer
    def probe_prediction(self) -> Prediction | None:
        """The probe through the weights as they are now (None without a probe that fits)."""
        return self._probe_now(time.perf_counter())

    def history_view(self) -> dict[str, tuple[float, ...]]:
        """The completed epochs' metrics (a mapping nobody changes: a new one after each epoch)."""
        return self._history_view

    def mean_rate(self) -> float:
        """Samples per second over the run, pauses and each epoch's first batch left out."""
        return self.rated_samples / self.rated_seconds if self.rated_seconds > 0 else 0.0

    def offer_snapshot(self, weights, now: float) -> None:
        """Hand `weights` to the snapshot receiver as a :class:`ModelSnapshot`, if one is due at `now`."""
        throttle = self._control.snapshots
        if self._snapshots is None or not throttle.due(now):
            return
        throttle.passed(now)
        source = f"training: epoch {self.epoch} of {self.epochs}, batch {self.batch}"
        self._snapshots(make_snapshot(self._config, self._started, weights, source))

    def divergence_message(self) -> str:
        """Where the loss stopped being finite, and the learning rate to try instead."""
        config = self._config
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

    # ------------------------------------------------------------ helpers
    def _emit_batch(self, logs, now: float) -> None:
        control = self._control
        control.batch_updates.kept(now)
        samples = min(self.batch * self.batch_size, self.n_fit)
        if self._origin_pending:
            # The first batch of a run includes compiling the training step: measure from its end (with
            # several steps per call, from the end of the first call).
            self._origin_pending = False
            self._rate_origin = (now, samples, self._epoch_paused)
            rate = self._last_rate
        else:
            rated, elapsed = self._since_first_batch(samples, now)
            rate = rated / elapsed if elapsed > 0 else self._last_rate
            self._last_rate = rate
        remaining = (self.n_fit - samples) + (self.epochs - self.epoch) * self.n_fit
        weights = None
        if control.weights.due(now):
            control.weights.passed(now)
            weights = weights_snapshot(self._trained_model)
        metrics = metrics_of(logs)
        self.last_metrics = metrics
        self._report(BatchDone(
            epoch=self.epoch, epochs=self.epochs, batch=self.batch, batches=self.batches, metrics=metrics,
            history=self._history_view, samples_per_s=rate, eta_s=remaining / rate if rate > 0 else None,
            weights=weights, probe=self._probe_due(now),
        ))
        if weights is not None:
            self.offer_snapshot(weights, now)

    def _since_first_batch(self, samples: int, now: float) -> tuple[int, float]:
        """Samples trained and seconds spent (pauses left out) since the end of the epoch's first batch."""
        origin_time, origin_samples, origin_paused = self._rate_origin
        return samples - origin_samples, now - origin_time - (self._epoch_paused - origin_paused)

    def _paused_update(self, logs, **fields) -> Paused:
        return Paused(epoch=self.epoch, epochs=self.epochs, batch=self.batch, batches=self.batches,
                      metrics=metrics_of(logs), history=self._history_view, **fields)

    def _pause(self, logs) -> None:
        """Wait (no spinning) until resumed or stopped; answer new probes meanwhile."""
        control = self._control
        started = time.perf_counter()
        weights = weights_snapshot(self._trained_model)
        self._report(self._paused_update(logs, weights=weights, probe=self._probe_now(started)))
        self.offer_snapshot(weights, started)
        while not control.wait_for_resume(_PAUSE_POLL_S):
            if control.probe_changed():
                self._report(self._paused_update(logs, probe=self._probe_now(time.perf_counter())))
        now = time.perf_counter()
        self._epoch_paused += now - started
        control.batch_updates.open(now)  # show at once that training goes on

    def _probe_due(self, now: float) -> Prediction | None:
        return self._probe_now(now) if self._control.probe_due(now) else None

    def _probe_now(self, now: float) -> Prediction | None:
        image = self._control.take_probe(now)
        if image is None:
            return None
        try:
            return self._predictor.predict(image)
        except ValueError:  # wrong shape or NaN pixels: drop it, training goes on
            return None


_KERAS_CLASSES: dict[type, type] = {}


def keras_reporter(keras, **options) -> Reporter:
    """A :class:`Reporter` that is also a ``keras.callbacks.Callback``, for ``fit(callbacks=[...])``.

    Parameters
    ----------
    keras : module
        The imported ``keras``.
    **options
        :class:`Reporter`'s parameters.
    """
    base = keras.callbacks.Callback
    combined = _KERAS_CLASSES.get(base)
    if combined is None:
        combined = _KERAS_CLASSES[base] = type("KerasReporter", (Reporter, base), {"__module__": __name__})
    return combined(**options)
