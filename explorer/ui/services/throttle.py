"""One throttle for every stream of live updates: act at once after a rest, then once per interval.

A throttle fires during continuous input (a debounce would wait for a pause
that a moving pen or a running training never makes); the newest state is
what the action reads, so nothing queues up, and the last change is always
acted on.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

__all__ = ["Throttle"]


class Throttle(QObject):
    """Call `action` at once for a change after a rest, then once per interval while changes go on.

    A throttle, not a debounce: a pen that never pauses (a 125 Hz mouse sends
    a move every 8 ms) still gets an answer every `interval_ms`, for the
    newest drawing, and the last change is always acted on. The timer
    repeats, so the cadence does not stretch by the time `action` takes.

    Parameters
    ----------
    interval_ms : int
        The least time between two calls of `action`.
    action : callable
        Called with no arguments, in the owner's thread.
    parent : QObject, optional
    """

    def __init__(self, interval_ms: int, action: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._action = action
        self._pending = False
        self._timer = QTimer(self, interval=interval_ms, timerType=Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def poke(self) -> None:
        """Something changed: act now if resting, else at the end of this interval."""
        if self._timer.isActive():
            self._pending = True
            return
        self._timer.start()  # before acting: the next interval counts from now
        self._action()

    def _tick(self) -> None:
        if not self._pending:
            self._timer.stop()  # a whole interval without change: rest
            return
        self._pending = False
        self._action()
