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

A full collection walks every long-lived object: 20-40 ms on this kind of
machine once a few models have been trained, twice that while training
competes for the CPU. So while a model trains only the young generations are
collected (what training makes and drops dies young), and the full collection
waits until the run has ended.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

__all__ = ["UiThreadCollector", "collect_on_ui_thread", "defer_full_collections"]

YOUNG_INTERVAL_MS = 500
FULL_EVERY = 60  # young collections between two full ones (30 s)


class UiThreadCollector(QObject):
    """Collects garbage from a timer on the UI thread: young generations each tick, all of them every FULL_EVERY."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._count = 0
        self.deferring = False  # see defer_full_collections
        self._full_due = False
        self.timer = QTimer(self)
        self.timer.setInterval(YOUNG_INTERVAL_MS)
        self.timer.timeout.connect(self._collect)
        self.timer.start()

    def _collect(self) -> None:
        self._count += 1
        self._full_due = self._full_due or self._count % FULL_EVERY == 0
        full = self._full_due and not self.deferring
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect(2 if full else 1)
        if full:
            self._full_due = False


def collect_on_ui_thread(app: QApplication | None = None) -> None:
    """Turn automatic collection off and collect from a timer on the UI thread (idempotent)."""
    app = app or QApplication.instance()
    if app.findChild(UiThreadCollector) is None:
        gc.collect()  # what is garbage already goes now, on this thread
        UiThreadCollector(app)
    gc.disable()


def defer_full_collections(defer: bool) -> None:
    """While `defer` is True (a model is training), collect only the young generations.

    A full collection that fell due meanwhile runs at the first tick after
    ``defer_full_collections(False)``. Does nothing before
    :func:`collect_on_ui_thread` has been called.
    """
    app = QApplication.instance()
    collector = app.findChild(UiThreadCollector) if app is not None else None
    if collector is not None:
        collector.deferring = bool(defer)
