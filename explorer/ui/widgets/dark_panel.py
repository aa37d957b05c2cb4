"""The dark panel mosaics are shown on: its text colour, its messages and the item that hides gaps.

The panel's background is :data:`~explorer.core.render.luts.BACKGROUND_RGB`
(exports paint gaps in it too); text on it is :data:`LABEL_RGB`.  Gaps and
label bands of a mosaic hold a neutral value and are painted over by one path
item in the background colour, so no gap can be mistaken for a value (NaN
gaps would do the same but make pyqtgraph scan for NaN positions on every
update).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QLabel

from explorer.core.render.layout import Layout, gap_regions
from explorer.core.render.luts import BACKGROUND_RGB
from explorer.ui.widgets.text_style import set_colours

__all__ = ["LABEL_RGB", "MESSAGE_SCALE", "dark_message_label", "gap_item", "gap_path"]

#: Text on the dark panel: tile labels, captions, colour-bar ticks, messages.
LABEL_RGB = (236, 239, 243)
#: Size of the panel's messages relative to the window's text (13 pt at the usual 9 pt).
MESSAGE_SCALE = 1.45


def gap_item() -> QGraphicsPathItem:
    """The item that paints a mosaic's gaps in the background colour (one path, above the image).

    Returns
    -------
    QGraphicsPathItem
        Without a path yet: give it :func:`gap_path` of the layout shown.
    """
    item = QGraphicsPathItem()
    item.setPen(QPen(Qt.PenStyle.NoPen))
    item.setBrush(QColor(*BACKGROUND_RGB))
    item.setZValue(1)
    return item


def gap_path(layout: Layout) -> QPainterPath:
    """Everything in a mosaic that is not a tile, as one path.

    Parameters
    ----------
    layout : Layout
        The mosaic's layout.

    Returns
    -------
    QPainterPath
        In mosaic coordinates, winding fill (overlapping regions stay filled).
    """
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for rows, cols in gap_regions(layout):
        path.addRect(QRectF(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start))
    return path


def dark_message_label(object_name: str) -> QLabel:
    """The centred, wrapped sentence shown on the dark panel in place of maps.

    Parameters
    ----------
    object_name : str
        The label's object name (for style sheets and tests).

    Returns
    -------
    QLabel
        Plain text, in :data:`LABEL_RGB` on the background colour.
    """
    label = QLabel()
    label.setObjectName(object_name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setMargin(24)
    set_colours(label, QColor(*LABEL_RGB), QColor(*BACKGROUND_RGB))
    return label
