"""The drawing pad: draw a digit with the mouse or a pen, white ink on black like MNIST.

The pad keeps the drawing as data (:class:`~explorer.core.predict.drawing.Stroke`
values, in 0..1 pad coordinates) and rasterises it with
:func:`~explorer.core.predict.drawing.render_strokes` twice: at its on-screen size
for display and at :data:`INK_SIZE` for :meth:`DrawCanvas.ink`. Both images
are updated one segment at a time while drawing (pen and eraser compose with
max/min, so this is exactly what rendering everything again would give) and
rebuilt only after undo, clear, replay or a resize.

Keys when the pad has focus: Esc clears (undoable), Ctrl+Z undoes the last
stroke. A tablet's pressure scales the brush; the pen's eraser end erases.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import Property, QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPointingDevice,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from explorer.core.predict.drawing import DEFAULT_BRUSH, INK_THRESHOLD, MAX_BRUSH, MIN_BRUSH, Stroke, render_strokes
from explorer.core.render.luts import apply_lut

__all__ = ["INK_SIZE", "MIN_SIDE", "OVERLAY_ALPHA", "DrawCanvas"]

#: Smallest side of the pad in pixels (ten times MNIST's 28).
MIN_SIDE = 240  # the pad grows with the window; this keeps 640x480 windows usable
#: Side of the image :meth:`DrawCanvas.ink` returns by default. Fixed rather
#: than the on-screen size, so resizing the window never changes a prediction.
INK_SIZE = 280
#: Opacity of the hottest overlay pixels; cold ones are fully transparent.
OVERLAY_ALPHA = 0.6

# Mouse moves shorter than this many screen pixels add no point: they would
# not change the picture, only make strokes longer to render.
_MIN_STEP_PX = 1.0

_HELP = (
    "Draw a digit with the mouse or a pen: white ink on black, like MNIST. "
    "Esc clears the pad, Ctrl+Z undoes the last stroke."
)


@functools.cache
def _heat_lut() -> np.ndarray:
    import pyqtgraph as pg  # only once an overlay is shown

    # "inferno": perceptually uniform, colour-blind safe, dark when cold.
    return pg.colormap.get("inferno").getLookupTable(0.0, 1.0, 256)


class _Raster:
    """One rendering of the drawing at one size, kept up to date stroke by stroke."""

    def __init__(self, size: int = 0):
        self.size = size
        self.image = np.zeros((max(size, 1), max(size, 1)), dtype=np.float32)

    def rebuild(self, strokes: Iterable[Stroke], size: int | None = None) -> None:
        if size is not None:
            self.size = size
        self.image = render_strokes(strokes, max(self.size, 1))

    def add(self, piece: Stroke) -> None:
        render_strokes((piece,), max(self.size, 1), out=self.image)


class DrawCanvas(QWidget):
    """A square drawing pad for digits, large enough for a projector.

    Signals
    -------
    ink_changed()
        The ink changed: on every point while drawing, and after undo, clear
        and set_strokes (the panel throttles).
    stroke_finished()
        A stroke was completed (pen or mouse released).
    """

    ink_changed = Signal()
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None, *, brush: float = DEFAULT_BRUSH):
        super().__init__(parent)
        self._strokes: tuple[Stroke, ...] = ()
        self._history: list[tuple[Stroke, ...]] = []  # earlier drawings, for undo
        self._current: list[tuple[float, float, float]] | None = None  # points being drawn
        self._current_style = (DEFAULT_BRUSH, False)  # its (width, eraser)
        self._brush = DEFAULT_BRUSH
        self._eraser = False
        self._hover: QPointF | None = None
        self._overlay: np.ndarray | None = None
        self._overlay_image: QImage | None = None
        self._view = _Raster()  # on-screen resolution, sized when painted
        self._ink = _Raster(INK_SIZE)
        self.set_brush(brush)

        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)  # for the brush outline
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Drawing pad")
        self.setAccessibleDescription(_HELP)
        self.setToolTip(_HELP)

    # ----------------------------------------------------------- public API

    def strokes(self) -> tuple[Stroke, ...]:
        """The drawing as data, oldest first (including a stroke being drawn)."""
        if self._current is None:
            return self._strokes
        return self._strokes + (Stroke(tuple(self._current), *self._current_style),)

    def set_strokes(self, strokes: Iterable[Stroke]) -> None:
        """Replace the drawing (replay, tests); undo then removes them one by one."""
        strokes = tuple(strokes)
        for stroke in strokes:
            if not isinstance(stroke, Stroke):
                raise TypeError(f"expected Stroke values, got {type(stroke).__name__}")
        self._current = None
        self._strokes = strokes
        self._history = [strokes[:i] for i in range(len(strokes))]
        self._redraw()

    def ink(self, size: int | tuple[int, int] | None = None) -> np.ndarray:
        """The drawing as a fresh (H, W) float32 image in [0, 1], white ink on black.

        size is a side or (height, width); None gives INK_SIZE x INK_SIZE.
        """
        if size is None or size == INK_SIZE or size == (INK_SIZE, INK_SIZE):
            return self._ink.image.copy()
        return render_strokes(self.strokes(), size)

    def is_empty(self) -> bool:
        """True when no ink is visible (nothing drawn, or all of it erased)."""
        return not bool((self._ink.image >= INK_THRESHOLD).any())

    def clear(self) -> None:
        """Wipe the pad (Esc); undo brings the drawing back."""
        if self._current is None and not self._strokes:
            return
        self._current = None
        if self._strokes:
            self._history.append(self._strokes)
            self._strokes = ()
        self._redraw()

    def undo(self) -> bool:
        """Remove the last stroke (Ctrl+Z), or undo a clear; False if nothing to undo."""
        if self._current is not None:
            self._current = None
        elif self._history:
            self._strokes = self._history.pop()
        else:
            return False
        self._redraw()
        return True

    def can_undo(self) -> bool:
        return self._current is not None or bool(self._history)

    def brush(self) -> float:
        """Brush diameter as a fraction of the pad's side."""
        return self._brush

    def set_brush(self, width: float) -> None:
        """Set the brush diameter (fraction of the side), clamped to MIN_BRUSH..MAX_BRUSH."""
        width = float(width)
        if not math.isfinite(width):
            raise ValueError(f"the brush width must be a number, got {width!r}")
        self._brush = min(max(width, MIN_BRUSH), MAX_BRUSH)
        self.update()

    brush_width = Property(float, brush, set_brush)

    def is_eraser(self) -> bool:
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        """Erase instead of drawing with the next strokes."""
        self._eraser = bool(on)
        self.update()

    eraser = Property(bool, is_eraser, set_eraser)

    def overlay(self) -> np.ndarray | None:
        """The heat map shown over the drawing (read-only), or None."""
        return self._overlay

    def set_overlay(self, heat: np.ndarray | None) -> None:
        """Show a heat map in [0, 1] over the drawing (Grad-CAM, saliency), or hide it.

        Any (H, W) size is stretched over the pad; hot areas get the
        "inferno" colours, cold ones stay transparent so the ink shows.
        """
        if heat is None:
            self._overlay = self._overlay_image = None
            self.update()
            return
        values = np.array(heat, dtype=np.float32)
        if values.ndim != 2 or values.size == 0:
            raise ValueError(f"the overlay must be a non-empty (H, W) array, got shape {values.shape}")
        values = np.clip(np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
        values.setflags(write=False)
        rgba = np.empty(values.shape + (4,), dtype=np.uint8)
        rgba[..., :3] = apply_lut(values, _heat_lut())
        rgba[..., 3] = np.round(values * (255 * OVERLAY_ALPHA)).astype(np.uint8)
        height, width = values.shape
        image = QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
        self._overlay, self._overlay_image = values, image.copy()  # copy: owns its pixels
        self.update()

    # ---------------------------------------------------------- geometry

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_SIDE, MIN_SIDE)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(width, MIN_SIDE)

    def pad_rect(self) -> QRectF:
        """The square drawing area, centred in the widget (widget pixels)."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _to_pad(self, pos: QPointF) -> tuple[float, float]:
        rect = self.pad_rect()
        side = max(rect.width(), 1.0)
        return (pos.x() - rect.left()) / side, (pos.y() - rect.top()) / side

    # ---------------------------------------------------------- drawing

    def _begin(self, pos: QPointF, pressure: float, eraser: bool) -> None:
        x, y = self._to_pad(pos)
        self._current_style = (self._brush, eraser)
        first = Stroke(((x, y, pressure),), *self._current_style)
        self._current = list(first.points)  # as Stroke normalised them
        self._add_piece(first)

    def _extend(self, pos: QPointF, pressure: float) -> None:
        x, y = self._to_pad(pos)
        last = self._current[-1]
        if math.hypot(x - last[0], y - last[1]) * self.pad_rect().width() < _MIN_STEP_PX:
            return
        piece = Stroke((last, (x, y, pressure)), *self._current_style)
        self._current.append(piece.points[1])
        self._add_piece(piece)

    def _finish(self) -> None:
        stroke = self.strokes()[-1]
        self._history.append(self._strokes)
        self._strokes += (stroke,)
        self._current = None
        self.stroke_finished.emit()

    def _add_piece(self, piece: Stroke) -> None:
        self._ink.add(piece)
        self._view.add(piece)
        self.update()
        self.ink_changed.emit()

    def _redraw(self) -> None:
        strokes = self.strokes()
        self._ink.rebuild(strokes)
        self._view.rebuild(strokes)
        self.update()
        self.ink_changed.emit()

    # ---------------------------------------------------------- events

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is None:
            self._begin(event.position(), 1.0, self._eraser)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = event.position()
        if self._current is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), 1.0)
        else:
            self.update()  # the brush outline follows the mouse

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._extend(event.position(), 1.0)
            self._finish()
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        pressure = float(event.pressure())
        self._hover = event.position()
        if kind == QEvent.Type.TabletPress and self._current is None:
            eraser_end = event.pointerType() == QPointingDevice.PointerType.Eraser
            self._begin(event.position(), pressure, self._eraser or eraser_end)
        elif kind == QEvent.Type.TabletMove and self._current is not None:
            self._extend(event.position(), pressure)
        elif kind == QEvent.Type.TabletRelease and self._current is not None:
            self._finish()
        else:
            self.update()
        event.accept()  # no synthesised mouse events: the stroke is drawn once

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def _own_key(self, event: QKeyEvent) -> str | None:
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            return "clear"
        if event.matches(QKeySequence.StandardKey.Undo):
            return "undo"
        return None

    def event(self, event: QEvent) -> bool:
        # Take Esc and Ctrl+Z before window-wide shortcuts (another panel's
        # undo) while the pad has focus, as QLineEdit does.
        if event.type() == QEvent.Type.ShortcutOverride and self._own_key(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._own_key(event)
        if action == "clear":
            self.clear()
        elif action == "undo":
            self.undo()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ---------------------------------------------------------- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.pad_rect()
        ratio = self.devicePixelRatioF()
        side_px = max(1, round(rect.width() * ratio))
        if self._view.size != side_px:
            self._view.rebuild(self.strokes(), side_px)

        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        painter.fillRect(rect, Qt.GlobalColor.black)

        grey = np.ascontiguousarray(np.round(self._view.image * 255.0).astype(np.uint8))
        image = QImage(grey.data, side_px, side_px, side_px, QImage.Format.Format_Grayscale8)
        image.setDevicePixelRatio(ratio)
        painter.drawImage(rect.topLeft(), image)

        if self._overlay_image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(rect, self._overlay_image)

        if self._current is None and self.is_empty():
            painter.setPen(QColor(150, 150, 150))
            font = QFont(self.font())
            # Grows with the pad, never smaller than the window's text (the UI scale).
            font.setPointSizeF(max(self.font().pointSizeF(), rect.width() / 22))
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Draw a digit here")

        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        frame = QPen(highlight if self.hasFocus() else QColor(90, 90, 90), 3 if self.hasFocus() else 1)
        painter.setPen(frame)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect.adjusted(1, 1, -1, -1))

        if self._hover is not None and rect.contains(self._hover):
            radius = self._brush * rect.width() / 2
            colour = QColor(255, 120, 120) if self._eraser else QColor(120, 180, 255)
            painter.setPen(QPen(colour, 1.5, Qt.PenStyle.DashLine if self._eraser else Qt.PenStyle.SolidLine))
            painter.drawEllipse(self._hover, radius, radius)
        painter.end()
