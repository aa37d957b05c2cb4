"""One throttle for every stream of live updates: hand on the newest value at once after a rest, then at most once per interval.

A throttle fires during continuous input (a debounce would wait for a pause
that a moving pen or a running training never makes). Values offered while
one waits replace it (or are merged into it), so nothing queues up and the
view never falls behind; the last value offered is always handed on. The
drawing pad asks for a guess through one (every frame while the pen moves),
the training studio draws batch updates through another (a few times a second,
because painting costs CPU the training thread needs).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

__all__ = ["Throttle"]


class Throttle(QObject):
    """Deliver the newest offered value, at most once every `interval_ms` (UI thread only).

    Parameters
    ----------
    interval_ms : int
        The least time between two deliveries.
    deliver : callable
        Called with the value, in the owner's thread.
    merge : callable, optional
        ``merge(waiting, newer)``: the value to keep when a newer one replaces
        one still waiting (default: the newer one).
    at_once : bool
        After a rest, deliver inside `offer` (True, the default) or at the next
        turn of the event loop (False), so that values queued in the same turn
        are merged into one delivery.
    parent : QObject, optional
    """

    def __init__(self, interval_ms: int, deliver: Callable[[object], None],
                 merge: Callable[[object, object], object] | None = None, *, at_once: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._at_once = at_once
        self._deliver = deliver
        self._merge = merge or (lambda waiting, newer: newer)
        self._waiting = None
        self._has_waiting = False
        self._last = -math.inf  # time.monotonic() when the last delivery began
        self._timer = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)  # not 5% early
        self._timer.timeout.connect(self.flush)

    def offer(self, value=None) -> None:
        """Deliver `value` now if the last delivery is an interval old, else when it is."""
        self._waiting = self._merge(self._waiting, value) if self._has_waiting else value
        self._has_waiting = True
        if self._timer.isActive():
            return
        wait_ms = self.interval_ms - (time.monotonic() - self._last) * 1e3
        if wait_ms <= 0 and self._at_once:
            self.flush()
        else:
            self._timer.start(math.ceil(max(0.0, wait_ms)))

    def flush(self) -> None:
        """Deliver the waiting value now, if there is one (it counts as a delivery)."""
        if not self._has_waiting:
            return
        value, self._waiting, self._has_waiting = self._waiting, None, False
        self._timer.stop()
        # Counted from the start: the cadence does not stretch by the time `deliver` takes.
        self._last = time.monotonic()
        self._deliver(value)

    def waiting(self) -> bool:
        """True while a value waits to be delivered."""
        return self._has_waiting
