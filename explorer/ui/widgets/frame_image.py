"""A frame (:mod:`explorer.core.render.frame`) as one QImage, and the graphics item that paints it.

:func:`frame_qimage` may run on any thread (a QImage is not a widget): the
kernel lab's worker calls it, so the UI thread only paints one ready
``Format_RGB32`` image, the format Qt draws without converting it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from explorer.core.render.frame import Frame, frame_pixels, packed_lut
from explorer.core.render.layout import gap_regions
from explorer.core.render.luts import BACKGROUND_RGB

__all__ = ["FrameImage", "frame_qimage"]

_TABLES: dict[int, tuple[np.ndarray, list[int]]] = {}


def _colour_table(lut: np.ndarray) -> list[int]:
    cached = _TABLES.get(id(lut))
    if cached is None or cached[0] is not lut:
        cached = _TABLES[id(lut)] = (lut, [int(v) for v in packed_lut(lut)])
    return cached[1]


def frame_qimage(frame: Frame) -> QImage:
    """The frame's pixels as a ``Format_RGB32`` QImage that owns its memory.

    A "maps" frame's table entries become pixels in Qt's own conversion of an
    indexed image (several times faster than a NumPy gather); gaps and NaN
    pixels are then painted in the background colour, so the image equals
    :func:`~explorer.core.render.frame.frame_pixels`.

    Parameters
    ----------
    frame : Frame
        A frame.

    Returns
    -------
    QImage
        (layout.width x layout.height), independent of the frame's arrays.
    """
    layout = frame.layout
    if frame.kind == "rgb" or (frame.nan_maps is not None and frame.nan_maps.any()):
        pixels = np.ascontiguousarray(frame_pixels(frame))
        image = QImage(pixels.data, layout.width, layout.height, 4 * layout.width, QImage.Format.Format_RGB32)
        return image.copy()  # detach from the NumPy buffer
    index = np.ascontiguousarray(frame.index)
    indexed = QImage(index.data, layout.width, layout.height, index.strides[0], QImage.Format.Format_Indexed8)
    indexed.setColorTable(_colour_table(frame.lut))
    image = indexed.convertToFormat(QImage.Format.Format_RGB32)
    regions = gap_regions(layout)
    if regions:
        painter = QPainter(image)
        background = QColor(*BACKGROUND_RGB)
        for rows, cols in regions:
            painter.fillRect(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start, background)
        painter.end()
    return image


class FrameImage(pg.GraphicsObject):
    """One QImage drawn at mosaic coordinates (0, 0)..(width, height), as pg.ImageItem draws its image."""

    def __init__(self) -> None:
        super().__init__()
        self._image: QImage | None = None
        self._rect = QRectF()

    def set_image(self, image: QImage | None) -> None:
        """Show `image` (None: nothing).

        Parameters
        ----------
        image : QImage or None
            Kept by reference; never modified.
        """
        rect = QRectF() if image is None else QRectF(0, 0, image.width(), image.height())
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
            self.informViewBoundsChanged()
        self._image = image
        self.update()

    def image(self) -> QImage | None:
        """The image shown."""
        return self._image

    def boundingRect(self) -> QRectF:  # Qt override
        return QRectF(self._rect)

    def paint(self, painter: QPainter, *_args) -> None:  # Qt override
        if self._image is not None:
            painter.drawImage(self._rect, self._image)
