"""Hand on the newest of a stream of values at most every so often: the studio's one draw throttle.

Painting curves and activations costs CPU that the training thread needs, so
the studio draws batch updates at most a few times a second. A value offered
when nothing was drawn for a whole interval is handed on at the next turn of
the event loop; later ones wait for the rest of the interval, each replacing
(or merged into) the one still waiting, so the view never falls behind.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

__all__ = ["LatestThrottle"]


class LatestThrottle(QObject):
    """Deliver the newest offered value, at most once every `interval_ms` (UI thread only).

    Parameters
    ----------
    interval_ms : int
        The least time between two deliveries.
    deliver : callable
        Called with the value.
    merge : callable, optional
        ``merge(waiting, newer)``: the value to keep when a newer one replaces
        one still waiting (default: the newer one).
    parent : QObject, optional
    """

    def __init__(self, interval_ms: int, deliver: Callable[[object], None],
                 merge: Callable[[object, object], object] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._deliver = deliver
        self._merge = merge or (lambda waiting, newer: newer)
        self._waiting = None
        self._has_waiting = False
        self._last = -math.inf  # time.monotonic() of the last delivery
        self._timer = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)  # not 5% early
        self._timer.timeout.connect(self.flush)

    def offer(self, value) -> None:
        """Keep `value` as the one to deliver next; schedule the delivery if none is."""
        self._waiting = self._merge(self._waiting, value) if self._has_waiting else value
        self._has_waiting = True
        if not self._timer.isActive():
            since_ms = (time.monotonic() - self._last) * 1e3
            self._timer.start(round(max(0.0, self.interval_ms - since_ms)))

    def flush(self) -> None:
        """Deliver the waiting value now, if there is one (it counts as a delivery)."""
        if not self._has_waiting:
            return
        value, self._waiting, self._has_waiting = self._waiting, None, False
        self._timer.stop()
        self._last = time.monotonic()
        self._deliver(value)

    def waiting(self) -> bool:
        """True while a value waits to be delivered."""
        return self._has_waiting
