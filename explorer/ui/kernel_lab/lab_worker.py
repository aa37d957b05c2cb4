"""Compute kernel-lab results on a worker thread; the latest request wins.

The UI thread calls `LabComputer.submit` on every edit. Requests go through
the worker's latest-wins mailbox, so a slow computation is never queued
behind: the worker computes the newest request when it is free, and stale
ones are dropped. TensorFlow (which `ops` may use for big banks) is therefore
never called on the UI thread. Given a `FrameSpec`, the worker also lays out
and colours the maps (`lab_frames`), so the UI thread only paints them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from explorer.core.lab.pipeline import LabRequest, compute
from explorer.ui.kernel_lab.lab_frames import FrameSpec, lab_frames
from explorer.ui.services.workers import MailboxWorker


class LabComputer(QObject):
    """Owns the kernel lab's worker; its signals arrive in the owner's (UI) thread.

    Signals
    -------
    finished(request, result, frames)
        ``frames`` is a `LabFrames` when the request came with a spec, else None.
    errored(request, message)
    """

    finished = Signal(object, object, object)  # (LabRequest, LabResult, LabFrames | None)
    errored = Signal(object, str)  # (LabRequest, message)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = MailboxWorker("kernel-lab", self._compute, parent=self)
        self._worker.failed.connect(lambda item, message: self.errored.emit(item[0], message))
        self.mailbox = self._worker.mailbox

    def _compute(self, item: tuple[LabRequest, FrameSpec | None]) -> None:  # on the worker thread
        request, spec = item
        try:
            result = compute(request)
        except ValueError as exc:  # impossible shapes etc.: explained in the view
            self.errored.emit(request, str(exc))
            return
        frames = None if spec is None else lab_frames(request, result, spec)
        self.finished.emit(request, result, frames)

    def submit(self, request: LabRequest, spec: FrameSpec | None = None) -> None:
        """Ask for `request` to be computed (and drawn as `spec` says); replaces any request still waiting."""
        self._worker.submit((request, spec))

    def shutdown(self) -> None:
        """Stop the thread after the current computation (a few ms at most); idempotent."""
        self._worker.shutdown()
