"""Compute kernel-lab results on a worker thread; the latest request wins.

The UI thread calls `LabComputer.submit` on every edit. Requests go through a
`LatestOnly` mailbox, so a slow computation is never queued behind: the worker
computes the newest request when it is free, and stale ones are dropped.
TensorFlow (which `ops` may use for big banks) is therefore never called on
the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from explorer.core.lab.pipeline import LabRequest, compute
from explorer.core.latest import LatestOnly


class _Worker(QObject):
    finished = Signal(object, object)  # (LabRequest, LabResult)
    errored = Signal(object, str)  # (LabRequest, message)

    def __init__(self, mailbox: LatestOnly) -> None:
        super().__init__()
        self._mailbox = mailbox

    @Slot()
    def run_pending(self) -> None:
        while (request := self._mailbox.take()) is not None:
            try:
                result = compute(request)
            except ValueError as exc:  # impossible shapes etc.: explained in the view
                self.errored.emit(request, str(exc))
            except Exception as exc:  # a bug must not kill the thread or the window
                self.errored.emit(request, f"{type(exc).__name__}: {exc}")
            else:
                self.finished.emit(request, result)


class LabComputer(QObject):
    """Owns the worker thread; re-emits results in the owner's (UI) thread.

    Signals
    -------
    finished(request, result)
    errored(request, message)
    """

    finished = Signal(object, object)
    errored = Signal(object, str)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mailbox: LatestOnly[LabRequest] = LatestOnly()
        self._thread = QThread(self)
        self._thread.setObjectName("kernel-lab")
        self._worker = _Worker(self.mailbox)
        self._worker.moveToThread(self._thread)
        self._wake.connect(self._worker.run_pending)  # queued: runs in the worker thread
        self._worker.finished.connect(self.finished)
        self._worker.errored.connect(self.errored)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()

    def submit(self, request: LabRequest) -> None:
        """Ask for `request` to be computed; replaces any request still waiting."""
        if self.mailbox.put(request):
            self._wake.emit()

    def shutdown(self) -> None:
        """Stop the thread after the current computation (a few ms at most); idempotent."""
        self.mailbox.take()  # drop what is waiting
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()
