"""The one worker mechanism: a QObject on its own QThread, fed by a latest-wins mailbox.

The kernel lab, the inference service and the training controller each own a
`MailboxWorker`. Any thread may `submit` an item; the worker thread calls
``handle(item)`` for the newest item under each key, dropping the ones that
were replaced while it was busy, so a fast hand never builds a queue. The
handler reports back by emitting signals of an object that lives in the UI
thread: Qt queues such emissions to the receiver's thread by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from explorer.core.latest import LatestOnly

__all__ = ["MailboxWorker"]


class _PythonThread(QThread):
    """A QThread that keeps one Python thread state for its whole life, as a ``threading.Thread`` does.

    Without a Python ``run``, PySide makes a new Python thread state for each
    slot it calls on the thread and frees it when the slot returns. Extensions
    that remember the thread state of an OS thread are then left with a
    dangling pointer: pybind11 (inside TensorFlow) records the state of the
    thread that first imports it and reuses it in ``gil_scoped_acquire``, so
    the next item on that thread (a second training run) crashed in
    ``take_gil`` on freed memory. Running the event loop from Python holds the
    state from start to finish; slots nest inside it and free nothing.
    """

    def run(self) -> None:
        self.exec()


class _Runner(QObject):
    """Lives in the worker thread: takes items until the mailbox is empty."""

    def __init__(self, mailbox: LatestOnly, handle: Callable[[object], None],
                 failed: Callable[[object, str], None]) -> None:
        super().__init__()
        self._mailbox = mailbox
        self._handle = handle
        self._failed = failed

    @Slot()
    def run_pending(self) -> None:
        while (item := self._mailbox.take()) is not None:
            try:
                self._handle(item)
            except Exception as exc:  # a bug must not kill the thread or the window
                self._failed(item, f"{type(exc).__name__}: {exc}")


class MailboxWorker(QObject):
    """Run ``handle(item)`` on a thread of its own for the newest item under each key.

    Parameters
    ----------
    name : str
        The thread's name (shown by debuggers and in tests).
    handle : callable
        Called on the worker thread with each item taken from the mailbox.
    first : hashable, optional
        A key whose item is handled before any other (e.g. "use this model").
    parent : QObject, optional
        The owner; the thread is its child.

    Signals
    -------
    failed(item, message)
        ``handle`` raised: the item and one line naming the exception.
    """

    failed = Signal(object, str)
    _wake = Signal()

    def __init__(self, name: str, handle: Callable[[object], None], *, first: Hashable | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mailbox: LatestOnly = LatestOnly(first=first)
        self._thread = _PythonThread(self)
        self._thread.setObjectName(name)
        self._runner = _Runner(self.mailbox, handle, self.failed.emit)
        self._runner.moveToThread(self._thread)
        self._wake.connect(self._runner.run_pending)  # queued: runs in the worker thread
        self._thread.finished.connect(self._runner.deleteLater)
        self._thread.start()

    def submit(self, item, key: Hashable | None = None) -> None:
        """Leave `item` under `key`, replacing what waits there; wake the thread if it sleeps."""
        if self.mailbox.put(item, key):
            self._wake.emit()

    def is_busy(self) -> bool:
        """True from a `submit` until the thread has handled everything it was given."""
        return self.mailbox.busy and self._thread.isRunning()

    def wait_idle(self, timeout_ms: int | None = None) -> bool:
        """Block until nothing is waiting or being handled; True if so within `timeout_ms`."""
        return self.mailbox.wait_idle(None if timeout_ms is None else timeout_ms / 1000)

    def worker_thread(self) -> QThread:
        """The worker thread (``thread()`` is the owner's, as for any QObject)."""
        return self._thread

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Drop what waits, let the current item finish, stop the thread; idempotent.

        Returns True when the thread has ended (within `timeout_ms`, if given).
        """
        self.mailbox.clear()
        if not self._thread.isRunning():
            return True
        self._thread.quit()
        return bool(self._thread.wait() if timeout_ms is None else self._thread.wait(timeout_ms))
