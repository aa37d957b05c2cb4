"""Graphics-scene work done when the caller chooses, not piled up for later."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QGraphicsView

__all__ = ["settle_scene"]


def settle_scene(view: QGraphicsView) -> None:
    """Do the graphics scene's queued bookkeeping for `view` now, within the caller's time slice.

    A changed pyqtgraph item makes its scene queue work (dirty items, bounding
    rectangles: Python code in pyqtgraph) for the next pass over posted events.
    Left alone, the work of every row and plot updated in one draw piles up in
    that one pass, and the event loop stalls for tens of milliseconds.
    """
    scene = view.scene()
    if scene is not None:
        QCoreApplication.sendPostedEvents(scene, QEvent.Type.MetaCall)
