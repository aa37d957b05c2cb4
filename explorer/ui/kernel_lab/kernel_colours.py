"""The kernel lab's colours for weights: tints by sign, readable text, kernel thumbnails.

Weights are tinted with the colour scheme's signed map (View → Colour maps):
white at zero, full colour at the largest magnitude of the kernel.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

from explorer.ui.widgets.appearance import colour_scheme

__all__ = ["WARNING_COLOUR", "colour_scale", "diverging_colour", "kernel_pixmap", "text_colour"]

#: Warnings in a dark red, readable in both themes.
WARNING_COLOUR = QColor(178, 24, 43)


def diverging_colour(value: float, scale: float) -> QColor:
    """The colour scheme's signed colour for `value` (white at zero); `scale` maps to full colour.

    Full colour is taken at 90 % of the scheme's range, not its darkest end,
    so the numbers printed on the cells stay readable.

    Parameters
    ----------
    value : float
        The weight to colour.
    scale : float
        The magnitude that gets full colour; 0 or less colours everything white.
    """
    t = 0.0 if scale <= 0 else max(-1.0, min(1.0, float(value) / scale))
    if t == 0.0:
        return QColor(255, 255, 255)  # every scheme's centre: zero is unmistakable
    lut = colour_scheme().signed
    index = min(len(lut) - 1, max(0, int(round((len(lut) - 1) / 2 * (1 + 0.8 * t)))))
    return QColor(*(int(v) for v in lut[index]))


def text_colour(background: QColor) -> QColor:
    """Black or white, whichever reads better on `background`."""
    luminance = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QColor(Qt.GlobalColor.black) if luminance > 140 else QColor(Qt.GlobalColor.white)


def colour_scale(kernel: np.ndarray) -> float:
    """The magnitude that gets full colour in `kernel`: its largest absolute weight (0 when empty)."""
    return float(np.abs(kernel).max()) if kernel.size else 0.0


def kernel_pixmap(kernel: np.ndarray, size: int = 40) -> QPixmap:
    """A small picture of `kernel`: one tinted square per cell.

    Parameters
    ----------
    kernel : numpy.ndarray
        A 2-D kernel.
    size : int
        Width and height of the pixmap in pixels.
    """
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    h, w = kernel.shape
    cell = max(1, (size - 2) // max(h, w))
    left, top = (size - cell * w) // 2, (size - cell * h) // 2
    scale = colour_scale(kernel)
    painter = QPainter(pixmap)
    for r in range(h):
        for c in range(w):
            painter.fillRect(left + c * cell, top + r * cell, cell, cell, diverging_colour(kernel[r, c], scale))
    painter.setPen(QPen(QColor(120, 120, 120)))
    painter.drawRect(left, top, cell * w - 1, cell * h - 1)
    painter.end()
    return pixmap
