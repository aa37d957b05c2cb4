"""The run replayed: record moments from the run's updates, and show the one the timeline picks.

:class:`ReplayController` keeps a :class:`~explorer.core.train.replay.ReplayRecorder`
fed from the studio's updates (weights the updates already carry: nothing is
copied from the training model) and owns the :class:`~explorer.ui.training.timeline.Timeline`.
When a moment is chosen it shows the curves up to then with a marker, that
moment's first-layer filters, and the probe's activations recomputed from
that moment's weights on a thread of its own (a :class:`Predictor` built
from the moment's snapshot: the training model is never touched), and emits
``replayed(ModelSnapshot)`` for the drawing pad and the other parts.

While a replay lasts, the run's live snapshots are held back
(:class:`LiveSnapshots`): the drawing pad stays on the moment shown. Live,
a new run or a loaded model ends the replay and the newest live snapshot
goes out again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.train.replay import ReplayMoment, ReplayRecorder
from explorer.core.train.snapshots import make_snapshot
from explorer.core.train.updates import RunStarted
from explorer.ui.services.workers import MailboxWorker
from explorer.ui.training.timeline import Timeline

__all__ = ["ReplayController", "LiveSnapshots", "replay_snapshot"]


class LiveSnapshots:
    """Passes a run's snapshots on (from any thread), except while held; keeps the newest.

    Parameters
    ----------
    forward : callable
        Receives each snapshot offered while not held, in the offering thread.
    """

    def __init__(self, forward: Callable[[ModelSnapshot], None]) -> None:
        self._forward = forward
        self._lock = threading.Lock()
        self._held = False
        self.latest: ModelSnapshot | None = None

    def offer(self, snapshot: ModelSnapshot) -> None:
        """A new live snapshot: remembered, and passed on unless held (thread-safe)."""
        with self._lock:  # forwarded under the lock: nothing passes after hold() has returned
            self.latest = snapshot
            if not self._held:
                self._forward(snapshot)

    def hold(self) -> None:
        """Keep the snapshots back (a replay begins)."""
        with self._lock:
            self._held = True

    def forget(self) -> None:
        """Forget the newest snapshot (a new run starts: the last run's is not its model)."""
        with self._lock:
            self.latest = None

    def release(self) -> ModelSnapshot | None:
        """Pass snapshots on again; returns the newest one held back or passed (None if none came)."""
        with self._lock:
            self._held = False
            return self.latest


def replay_snapshot(moment: ReplayMoment, template: ModelSnapshot | None, config, started) -> ModelSnapshot | None:
    """A :class:`ModelSnapshot` of `moment`: the run's own (`template`) with the moment's weights.

    Without a template that fits (same number and shapes of weights) it is
    made from the run's `config` and `started`; None if neither is known, or
    if the run starts from a base model (only its snapshots say how to build it).
    """
    source = f"replay: {moment.label}"
    if template is not None and len(template.weights) == len(moment.weights) and all(
            a.shape == b.shape for a, b in zip(template.weights, moment.weights)):
        return replace(template, weights=moment.weights, source=source, final=False)
    if config is None or started is None or config.base:
        return None
    return make_snapshot(config, started, moment.weights, source)


class _ProbeSlot:
    """The replay thread's side: its own Predictor, rebuilt only when the architecture changes."""

    def __init__(self, answer) -> None:
        self._answer = answer  # (serial, Prediction or None, message)
        self._predictor = None
        self._key = None

    def handle(self, job) -> None:
        from explorer.core.predict.predictor import Predictor

        snapshot, image, serial = job
        key = (snapshot.model, snapshot.layers, tuple(snapshot.input_shape), len(snapshot.class_names),
               getattr(snapshot, "architecture", ""))
        try:
            if self._predictor is not None and key == self._key:
                self._predictor.set_weights(snapshot.weights)
            else:
                self._predictor, self._key = Predictor.from_snapshot(snapshot), key
            prediction = self._predictor.predict(image)
        except Exception as exc:  # a moment that cannot be shown is said, never a crash
            self._answer(serial, None, f"cannot replay this moment's activations: {exc}")
            return
        self._answer(serial, prediction, "")


class ReplayController(QObject):
    """Record a run's moments and replay the one the timeline shows.

    Parameters
    ----------
    curves : CurvesView
    filters : FiltersView
    activations : ActivationsView
    probe_image : callable
        Returns the studio's probe image (or None).
    live : callable
        Receives the run's live snapshots (from the training thread) while no replay holds them.
    parent : QObject, optional

    Signals
    -------
    replayed(ModelSnapshot)
        The model at the moment shown, or, when the replay ends, the newest live one again.
    ended()
        The replay ended: the studio draws the run as it is now.
    """

    replayed = Signal(object)
    ended = Signal()
    _answered = Signal(int, object, str)  # from the replay thread

    def __init__(self, *, curves, filters, activations, probe_image: Callable[[], np.ndarray | None],
                 live: Callable[[ModelSnapshot], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._curves, self._filters, self._activations = curves, filters, activations
        self._probe_image = probe_image
        self.timeline = Timeline()
        self._recorder = ReplayRecorder()
        self._snapshots = LiveSnapshots(live)
        self._worker: MailboxWorker | None = None  # no thread until the first replay
        self._config = self._started = None
        self._moment: ReplayMoment | None = None
        self._snapshot: ModelSnapshot | None = None
        self._serial = 0
        self._probe_shown: tuple[int, np.ndarray] | None = None  # (serial, image) asked for last
        #: The probe's Prediction through the moment's weights, as last shown (None: none yet, or live).
        self.probe_prediction = None
        self._answered.connect(self._on_answered)
        self.timeline.moment_chosen.connect(self.show)
        self.timeline.live_requested.connect(self.end)

    # ------------------------------------------------------------------ state
    @property
    def active(self) -> bool:
        """True while a moment of the run is shown instead of the run as it is now."""
        return self._moment is not None

    def moments(self) -> tuple[ReplayMoment, ...]:
        """The moments kept of the current (or last) run, oldest first."""
        return self._recorder.replay.moments

    def offer_snapshot(self, snapshot: ModelSnapshot) -> None:
        """A live snapshot of the run (called on the training thread): passed on unless replaying."""
        self._snapshots.offer(snapshot)

    # ------------------------------------------------------------------ the run
    def begin(self, config) -> None:
        """A new run of `config` starts: end any replay, forget the last run's moments."""
        self.end()
        self._snapshots.forget()
        self._recorder.clear()
        self._config, self._started = config, None
        self.timeline.set_moments(())

    def record(self, update) -> None:
        """Keep `update` as a moment if it is one worth keeping (the studio's every update)."""
        if isinstance(update, RunStarted):
            self._started = update
        elif self._recorder.offer(update):
            self.timeline.set_moments(self._recorder.replay.moments)

    def forget(self) -> None:
        """A model was loaded: end any replay without going back to the run, and forget the run."""
        self.end(announce=False)
        self._recorder.clear()
        self.timeline.set_moments(())

    # ------------------------------------------------------------------ replay
    def show(self, moment: ReplayMoment) -> None:
        """Show the run as it was at `moment`."""
        snapshot = replay_snapshot(moment, self._snapshots.latest, self._config, self._started)
        if snapshot is None:
            return
        self._snapshots.hold()
        self._moment, self._snapshot = moment, snapshot
        self._curves.show_moment(moment)
        kernels = [w for w in moment.weights if w.ndim == 4]
        if kernels:
            self._filters.set_weights(kernels[0], moment=moment.label)
        self._ask_probe(self._probe_image())
        self.replayed.emit(snapshot)

    def set_probe(self, image) -> None:
        """The studio's probe changed: while replaying, its activations come from the moment's weights."""
        if self.active:
            self._ask_probe(image)

    def end(self, *, announce: bool = True) -> None:
        """Back to the run as it is now; with `announce`, the newest live snapshot goes out again."""
        if self._moment is None:
            return
        self._moment = self._snapshot = self.probe_prediction = None
        self._probe_shown = None
        latest = self._snapshots.release()
        self.timeline.show_live()
        self._curves.show_live()
        if announce and latest is not None:
            self.replayed.emit(latest)
        self.ended.emit()

    def shutdown(self) -> None:
        """End the replay thread (the studio calls this when the window closes)."""
        if self._worker is not None:
            self._worker.shutdown()

    def _ask_probe(self, image) -> None:
        if image is None or self._snapshot is None:
            return
        if self._worker is None:
            slot = _ProbeSlot(self._answered.emit)
            self._worker = MailboxWorker("replay", slot.handle, parent=self)
        self._serial += 1
        image = np.array(image, np.float32)
        self._probe_shown = (self._serial, image)
        self._worker.submit((self._snapshot, image, self._serial))

    def _on_answered(self, serial: int, prediction, message: str) -> None:
        shown = self._probe_shown
        if shown is None or serial != shown[0] or not self.active:
            return  # an older moment's answer, or the replay is over
        if prediction is None:
            self._activations.clear(message)
        else:
            self.probe_prediction = prediction
            self._activations.set_prediction(prediction, input_image=shown[1], progressive=True)
