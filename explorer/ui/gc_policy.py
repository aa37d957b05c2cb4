"""Python's garbage collector runs on the UI thread only.

An automatic collection runs in whichever thread happens to allocate when a
threshold is crossed: the training worker, the classifier or the kernel-lab
thread. If the garbage then holds a Qt widget (a closed window, a layer row
that was replaced), the widget is destroyed on that thread, which Qt forbids
and which was seen to deadlock (the worker waited for the GIL inside
QObject::~QObject during a collection). So automatic collection is turned off
and a UI-thread timer collects instead: the young generations often (cheap),
everything now and then. Before each collection the pending ``deleteLater``
calls take effect, so no collection clears the attributes of a widget that is
still alive in C++ and about to receive the events of its own destruction.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

__all__ = ["collect_on_ui_thread"]

YOUNG_INTERVAL_MS = 500
FULL_EVERY = 60  # young collections between two full ones (30 s)


class _Collector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._count = 0
        self.timer = QTimer(self)
        self.timer.setInterval(YOUNG_INTERVAL_MS)
        self.timer.timeout.connect(self._collect)
        self.timer.start()

    def _collect(self) -> None:
        self._count += 1
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect(2 if self._count % FULL_EVERY == 0 else 1)


def collect_on_ui_thread(app: QApplication | None = None) -> None:
    """Turn automatic collection off and collect from a timer on the UI thread (idempotent)."""
    app = app or QApplication.instance()
    if app.findChild(_Collector) is None:
        gc.collect()  # what is garbage already goes now, on this thread
        _Collector(app)
    gc.disable()
