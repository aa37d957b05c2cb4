"""The labels above a mosaic's tiles: text items on screen, and the same text painted into exports.

On screen each label is a text item in view (mosaic) coordinates, so it can
never spill over a neighbouring tile; its scale keeps it at a comfortable
screen size when zoomed in and shrinks it with its band when zoomed out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from explorer.core.render.layout import Layout
from explorer.ui.widgets.dark_panel import LABEL_RGB

__all__ = ["TileLabels", "paint_labels"]

# Label text height on screen when there is room for it, in lines of the view's font
# (19 px at the usual 9 pt), so labels follow the UI scale.
_LABEL_SCREEN_LINES = 1.35
_EXPORT_LABEL_MAX_PX = 24.0


def _label_font() -> QFont:
    # The size only sets the glyph detail: labels are scaled to fit anyway.
    font = QFont()
    font.setPointSizeF(12.0)
    font.setWeight(QFont.Weight.DemiBold)
    return font


def _text_item() -> QGraphicsSimpleTextItem:
    item = QGraphicsSimpleTextItem()
    item.setFont(_label_font())
    item.setBrush(QColor(*LABEL_RGB))
    item.setZValue(5)
    return item


class TileLabels:
    """The label items of the mosaic in one view box, reused from update to update.

    Parameters
    ----------
    view_box : pg.ViewBox
        The view box that shows the mosaic.
    """

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._items: list[QGraphicsSimpleTextItem] = []
        self._screen_px = _LABEL_SCREEN_LINES * 14.0  # set from the font by set_line_height
        self._shown: tuple[Layout, tuple[str, ...]] | None = None  # what show() last laid out

    def set_line_height(self, pixels: float) -> None:
        """Size the labels for text lines of `pixels` (the owner's font: the UI scale).

        Parameters
        ----------
        pixels : float
            Height of one line of the owner's text.
        """
        self._screen_px = _LABEL_SCREEN_LINES * pixels
        self._shown = None  # the next show() places the labels again

    def show(self, layout: Layout, labels: Sequence[str]) -> None:
        """Give each tile of `layout` a text item in its label band.

        Parameters
        ----------
        layout : Layout
            The mosaic's layout (no band: no labels).
        labels : sequence of str
            One per tile; blank ones are hidden.
        """
        labels = tuple(labels) if layout.label_h else ()
        if (layout, labels) == self._shown:
            return  # new pixels in the same tiles: the items are right where they are
        self._shown = (layout, labels)
        while len(self._items) < len(labels):
            item = _text_item()
            self._view_box.addItem(item, ignoreBounds=True)
            self._items.append(item)
        for i, item in enumerate(self._items):
            shown = i < len(labels) and bool(labels[i])
            if shown and item.text() != labels[i]:
                item.setText(labels[i])
            item.setVisible(shown)
        self.place(layout)

    def place(self, layout: Layout | None) -> None:
        """Size the labels for the current zoom: a fixed screen size, shrunk to fit the band.

        Called on every view transform change, so only K multiplications.

        Parameters
        ----------
        layout : Layout or None
            The mosaic's layout (None: nothing shown).
        """
        if layout is None or not layout.label_h:
            return
        px_w, px_h = self._view_box.viewPixelSize()     # view units per screen pixel
        if not (px_w > 0 and px_h > 0 and math.isfinite(px_w) and math.isfinite(px_h)):
            px_w = px_h = 1.0
        max_h = self._screen_px * px_h                  # in view (mosaic) units
        box_h = layout.label_h * 0.82
        box_w = layout.tile_w + layout.gap * 0.6
        for i, item in enumerate(self._items[:layout.count]):
            if not item.isVisible():
                continue
            rect = item.boundingRect()
            scale = min(max_h, box_h) / rect.height()
            scale = min(scale, box_w / max(rect.width(), 1e-9))
            item.setScale(scale)
            top, left = layout.positions[i]
            # The text's bottom sits just above the tile.
            item.setPos(left, top - min(layout.label_h * 0.08, 3 * px_h) - rect.height() * scale)

    def visible_items(self, count: int) -> list[QGraphicsSimpleTextItem]:
        """The visible label items of the first `count` tiles, in tile order.

        Parameters
        ----------
        count : int
            Tiles shown.

        Returns
        -------
        list of QGraphicsSimpleTextItem
            The items with text.
        """
        return [item for item in self._items[:count] if item.isVisible()]


def paint_labels(rgb: np.ndarray, layout: Layout, labels: Sequence[str]) -> np.ndarray:
    """The tile labels painted into an exported mosaic, as on screen but at a fixed most size.

    Parameters
    ----------
    rgb : ndarray
        (H, W, 3) uint8 mosaic laid out by `layout`; not written.
    layout : Layout
        Its layout, with label bands.
    labels : sequence of str
        One per tile; blank ones are skipped.

    Returns
    -------
    ndarray
        A new (H, W, 3) uint8 image.
    """
    h, w, _ = rgb.shape
    buf = np.ascontiguousarray(rgb)
    image = QImage(buf.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = _label_font()
    painter.setFont(font)
    painter.setPen(QColor(*LABEL_RGB))
    metrics = QFontMetricsF(font)
    for label, (top, left) in zip(labels, layout.positions):
        if not label:
            continue
        text_h = metrics.height()
        scale = min(min(layout.label_h * 0.82, _EXPORT_LABEL_MAX_PX) / text_h,
                    (layout.tile_w + layout.gap * 0.6) / max(metrics.horizontalAdvance(label), 1e-9))
        painter.save()
        painter.translate(left, top - min(layout.label_h * 0.08, 3) - text_h * scale)
        painter.scale(scale, scale)
        painter.drawText(QPointF(0, metrics.ascent()), label)
        painter.restore()
    painter.end()
    ptr = image.constBits()
    out = np.frombuffer(ptr, dtype=np.uint8, count=image.sizeInBytes()).reshape(h, image.bytesPerLine())
    return out[:, :3 * w].reshape(h, w, 3).copy()
