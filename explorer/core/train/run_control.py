"""How other threads steer a training run, and how often the run reports: :class:`RunControl`.

Any thread may ask a run to stop, pause or resume, or give it a new probe
image; those only set flags, which the training thread reads between
batches (the worker owns the training model: nobody else touches it). The
training thread also keeps here when each kind of report is next due
(one :class:`Cadence` per kind of report). The reporter reads the flags and a cadence after every
batch, so those reads are the events' own ``is_set`` and a plain attribute:
the per-batch work costs no more than it would without this object.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from explorer.core.arrays import frozen_array

__all__ = ["RunControl", "Cadence"]


class Cadence:
    """Lets something happen at most once every `interval` seconds, on the caller's clock.

    Used by one thread only (no lock). Open at first: the first :meth:`due` is True.
    :attr:`next_at` is the clock reading from which it is due (a hot loop may
    compare with it directly).

    Parameters
    ----------
    interval : float
        Seconds; 0 lets everything through.
    """

    __slots__ = ("interval", "next_at")

    def __init__(self, interval: float) -> None:
        self.interval = float(interval)
        self.next_at = -math.inf

    def due(self, now: float) -> bool:
        """True if `now` is at least `interval` after the last :meth:`passed` (or it never passed)."""
        return now >= self.next_at

    def passed(self, now: float) -> None:
        """It happened at `now`: the next one is due `interval` later."""
        self.next_at = now + self.interval

    def kept(self, now: float) -> None:
        """It happened at `now`: the next one is due `interval` after this one was due.

        For a steady rate when the clock is read only every so often (the
        calls of several training steps): on average once per `interval`,
        never sooner than half an interval after `now`. Long overdue (or
        open), it counts from `now`, as :meth:`passed`.
        """
        due = self.next_at if self.next_at > now - self.interval else now
        self.next_at = max(due + self.interval, now + self.interval / 2)

    def open(self, now: float = -math.inf) -> None:
        """Make it due from `now` on (default: at once), whatever happened before."""
        self.next_at = now


class RunControl:
    """The flags and the probe slot of one run, and its report throttles.

    :meth:`stop`, :meth:`pause`, :meth:`resume` and :meth:`set_probe` are
    thread-safe and return at once; so are the flag reads :meth:`stop_requested`,
    :meth:`running` and :meth:`paused`. The training thread waits in
    :meth:`wait_for_resume` and takes probes with :meth:`take_probe`.

    Parameters
    ----------
    batch_interval_s : float
        Seconds between batch updates.
    weights_interval_s : float
        Seconds between weight copies in the updates.
    probe_interval_s : float
        Seconds between probe predictions (a new probe image is answered at the next update).
    snapshot_interval_s : float
        Seconds between model snapshots for the classifier.
    """

    def __init__(self, *, batch_interval_s: float = 1 / 3, weights_interval_s: float = 0.5,
                 probe_interval_s: float = 1 / 3, snapshot_interval_s: float = 1.0) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        #: ``stop_requested()``: True once :meth:`stop` was called.
        self.stop_requested = self._stop.is_set
        #: ``running()``: False while paused (True again on resume, and once stopped).
        self.running = self._running.is_set
        self._probe_lock = threading.Lock()
        self._probe_image: np.ndarray | None = None
        self._probe_serial = 0
        self._probe_seen = -1  # the serial the training thread last took (only it reads and writes this)
        #: The training thread's throttles (see the parameters).
        self.batch_updates = Cadence(batch_interval_s)
        self.weights = Cadence(weights_interval_s)
        self.probes = Cadence(probe_interval_s)
        self.snapshots = Cadence(snapshot_interval_s)

    # ------------------------------------------------------------ any thread
    def stop(self) -> None:
        """End the run after the current batch (also ends a pause)."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Hold training after the current batch until :meth:`resume` or :meth:`stop`."""
        self._running.clear()
        if self._stop.is_set():  # a stop that raced in between wins: never pause a stopped run
            self._running.set()

    def resume(self) -> None:
        """Continue after :meth:`pause`."""
        self._running.set()

    def set_probe(self, image: np.ndarray | None) -> None:
        """The image whose activations the updates carry (a private read-only copy; latest wins).

        None stops the probe.
        """
        frozen = None if image is None else frozen_array(image)
        with self._probe_lock:
            self._probe_image = frozen
            self._probe_serial += 1

    def paused(self) -> bool:
        """True while a pause holds the run."""
        return not self._running.is_set()

    # ------------------------------------------------------- training thread
    def wait_for_resume(self, timeout: float) -> bool:
        """Wait (without spinning) up to `timeout` seconds; True once resumed or stopped."""
        return self._running.wait(timeout) or self._stop.is_set()

    def probe_changed(self) -> bool:
        """True if a probe image was set since the last :meth:`take_probe`."""
        with self._probe_lock:
            return self._probe_serial != self._probe_seen

    def probe_due(self, now: float) -> bool:
        """True if a probe prediction is due: a new image, or the probe throttle has passed."""
        return self.probes.due(now) or self.probe_changed()

    def take_probe(self, now: float) -> np.ndarray | None:
        """The current probe image (None if there is none), now answered: the throttle restarts."""
        with self._probe_lock:
            self._probe_seen, image = self._probe_serial, self._probe_image
        self.probes.passed(now)
        return image
