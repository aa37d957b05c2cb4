"""A one-slot mailbox: the newest request replaces any that is still waiting.

Live views must never build a backlog: while a worker computes, the user may
make ten more edits, and only the last one matters. `put` replaces what is
waiting and says whether the worker needs waking (it does not if it is
already busy); the worker `take`s until nothing is left.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestOnly(Generic[T]):
    """Thread-safe holder of at most one pending item."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: T | None = None
        self._busy = False
        self.dropped = 0  # items replaced before anyone took them (for tests and stats)

    def put(self, item: T) -> bool:
        """Leave `item` for the worker; True if the worker must be woken."""
        with self._lock:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            wake = not self._busy
            self._busy = True
            return wake

    def take(self) -> T | None:
        """The waiting item, or None, after which the next `put` wakes the worker again."""
        with self._lock:
            item, self._item = self._item, None
            if item is None:
                self._busy = False
            return item
