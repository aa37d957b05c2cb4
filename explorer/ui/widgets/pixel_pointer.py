"""The pointer over a mosaic view, as map pixels: hover (throttled), click and double click.

Every pointer move over the graphics viewport is noted; a proxy passes on the
latest one at most :data:`HOVER_RATE` times a second (it never drops the
last), and a pixel is reported only when it changes.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtWidgets import QGraphicsView

__all__ = ["HOVER_RATE", "PixelPointer"]

# Hover reports per second; a frame is ~16 ms, so more would only queue work.
HOVER_RATE = 60

Pixel = tuple[int, int, int]


class _PointerWatcher(QObject):
    """Forwards every pointer move over the graphics viewport, and its leaving.

    Watching the viewport rather than pyqtgraph's ``sigMouseMoved`` matters:
    the scene drops moves closer than 10 ms apart, so the last position
    before the pointer stops could be lost and the hover would go stale.
    It also keeps the view's tooltip off the map pixels: there the hover
    explains the pixel, and a resting pointer must not cover it with a tooltip.
    """

    def __init__(self, on_move, on_leave, over_pixel, parent: QObject) -> None:
        super().__init__(parent)
        self._on_move = on_move
        self._on_leave = on_leave
        self._over_pixel = over_pixel

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # Qt override
        kind = event.type()
        if kind == QEvent.Type.MouseMove:
            self._on_move(event.position())
        elif kind == QEvent.Type.Leave:
            self._on_leave()
        elif kind == QEvent.Type.ToolTip and self._over_pixel(QPointF(event.pos())):
            return True  # handled: no tooltip over a map pixel
        return False


class PixelPointer(QObject):
    """Reports the map pixel under the pointer of a graphics view, and clicks on one.

    Parameters
    ----------
    graphics : QGraphicsView
        The view whose viewport is watched.
    pixel_at_scene : callable
        ``pixel_at_scene(scene_pos)`` -> ``(map_index, y, x)``, or None over
        gaps, labels and anything else that is not a map pixel.
    parent : QObject
        Owner (the view).

    Signals
    -------
    pixel_hovered(int, int, int)
        Map index, row, column under the pointer; at most ``HOVER_RATE`` per
        second and only when the pixel changes.
    pixel_clicked(int, int, int)
        Same, for a left click.
    hover_left()
        The pointer left the last reported pixel for a gap or left the view.
    double_clicked()
        A left double click anywhere on the view.
    """

    pixel_hovered = Signal(int, int, int)
    pixel_clicked = Signal(int, int, int)
    hover_left = Signal()
    double_clicked = Signal()
    _pointer_moved = Signal(object)      # scene position, unthrottled (internal)

    def __init__(self, graphics: QGraphicsView, pixel_at_scene: Callable[[QPointF], Pixel | None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self._graphics = graphics
        self._pixel_at_scene = pixel_at_scene
        self._hovered: Pixel | None = None
        self._pointer_inside = False
        self._hover_proxy = pg.SignalProxy(self._pointer_moved, rateLimit=HOVER_RATE,
                                           slot=self._on_pointer_moved_throttled)
        self._watcher = _PointerWatcher(self._on_viewport_mouse_move, self._on_pointer_left,
                                        self._is_over_pixel, self)
        graphics.viewport().installEventFilter(self._watcher)
        graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def set_hovered(self, pixel: Pixel | None) -> None:
        """Report `pixel` as hovered (None: the pointer left it), unless it already is.

        Parameters
        ----------
        pixel : tuple of int or None
            ``(map_index, y, x)``, or None for no pixel.
        """
        if pixel == self._hovered:
            return
        previous, self._hovered = self._hovered, pixel
        if pixel is None:
            if previous is not None:
                self.hover_left.emit()
        else:
            self.pixel_hovered.emit(*pixel)

    def forget_hovered(self) -> None:
        """Forget the pixel last reported, so the next pointer move reports its pixel again."""
        self._hovered = None

    def _on_viewport_mouse_move(self, position: QPointF) -> None:
        self._pointer_inside = True
        self._pointer_moved.emit(self._viewport_to_scene(position))

    def _viewport_to_scene(self, position: QPointF) -> QPointF:
        # viewportTransform keeps sub-pixel positions (mapToScene takes QPoint only).
        to_scene, _ = self._graphics.viewportTransform().inverted()
        return to_scene.map(position)

    def _is_over_pixel(self, position: QPointF) -> bool:
        return self._pixel_at_scene(self._viewport_to_scene(position)) is not None

    def _on_pointer_moved_throttled(self, args: tuple) -> None:
        # A report still queued in the proxy when the pointer left is stale.
        if self._pointer_inside:
            self.set_hovered(self._pixel_at_scene(args[0]))

    def _on_pointer_left(self) -> None:
        self._pointer_inside = False
        self.set_hovered(None)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if event.double():
            self.double_clicked.emit()
            return
        pixel = self._pixel_at_scene(event.scenePos())
        if pixel is not None:
            self.pixel_clicked.emit(*pixel)
