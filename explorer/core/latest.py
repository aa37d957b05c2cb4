"""A mailbox where the newest request replaces any that is still waiting.

Live views must never build a backlog: while a worker computes, the user may
make ten more edits, and only the last one matters. `put` replaces what is
waiting (per key: the drawing pad's request does not replace the studio's
probe) and says whether the worker needs waking; at most one wake-up is in
flight however fast requests come. The worker `take`s until nothing is left.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestOnly(Generic[T]):
    """Thread-safe holder of the newest pending item per key (one key unless given).

    Parameters
    ----------
    first : hashable, optional
        A key whose item is taken before any other (e.g. "use this model"
        before "classify this image").
    """

    def __init__(self, first=None) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._items: dict = {}
        self._first = first
        self._busy = False
        self.dropped = 0  # items replaced before anyone took them (for tests and stats)

    def put(self, item: T, key=None) -> bool:
        """Leave `item` under `key`; True if the worker must be woken."""
        with self._lock:
            if key in self._items:
                self.dropped += 1
            self._items[key] = item
            wake, self._busy = not self._busy, True
            return wake

    def take(self) -> T | None:
        """The next waiting item, or None, after which the next `put` wakes the worker again."""
        with self._lock:
            if not self._items:
                self._busy = False
                self._idle.notify_all()
                return None
            key = self._first if self._first in self._items else next(iter(self._items))
            return self._items.pop(key)

    @property
    def busy(self) -> bool:
        """True from a `put` that woke the worker until a `take` has found nothing left."""
        with self._lock:
            return self._busy

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the worker has found nothing left; True unless `timeout` seconds passed first."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def clear(self) -> None:
        """Drop everything waiting (shutting down)."""
        with self._lock:
            self._items.clear()
