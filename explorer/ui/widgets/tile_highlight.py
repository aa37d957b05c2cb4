"""An outlined window over one tile of a mosaic (a receptive field, a pooling window).

The outline is drawn over a light halo so it shows on every colour; both
have cosmetic pens (their width is in screen pixels at any zoom).  The
window is kept in tile coordinates, so it follows its tile when the grid
changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from explorer.core.render.layout import Layout

__all__ = ["TileHighlight"]

_HALO_RGBA = (255, 255, 255, 215)


class TileHighlight:
    """The highlight items of the mosaic in one view box (hidden until a window is set).

    Parameters
    ----------
    view_box : pg.ViewBox
        The view box that shows the mosaic.
    """

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._spec: tuple[int, int, int, int, int] | None = None
        self._halo = QGraphicsRectItem()
        self._outline = QGraphicsRectItem()
        for item, z in ((self._halo, 20), (self._outline, 21)):
            item.setZValue(z)
            item.setBrush(Qt.BrushStyle.NoBrush)
            item.setVisible(False)
            view_box.addItem(item, ignoreBounds=True)
        halo_pen = QPen(QColor(*_HALO_RGBA), 4.0)
        halo_pen.setCosmetic(True)   # width in screen pixels at any zoom
        halo_pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        self._halo.setPen(halo_pen)

    def set_window(self, map_index: int, top: int, left: int, bottom: int, right: int,
                   color: str | QColor | Sequence[int]) -> None:
        """Outline pixels ``[top, bottom) x [left, right)`` of tile ``map_index`` (once placed).

        Parameters
        ----------
        map_index : int
            The tile.
        top, left, bottom, right : int
            The window in the tile's pixels; it may extend past the tile.
        color : str, QColor or sequence of int
            The outline's colour.
        """
        self._spec = (int(map_index), int(top), int(left), int(bottom), int(right))
        pen = QPen(pg.mkColor(color), 2.0)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        self._outline.setPen(pen)

    def forget(self) -> None:
        """No window (hidden once placed)."""
        self._spec = None

    def place(self, layout: Layout | None) -> None:
        """Show the window over its tile in `layout`, clipped to the tile; hide it if nothing is left.

        Parameters
        ----------
        layout : Layout or None
            The mosaic's layout (None: nothing shown).
        """
        spec = self._spec
        rect = None
        if spec is not None and layout is not None and 0 <= spec[0] < layout.count:
            index, top, left, bottom, right = spec
            top, bottom = max(top, 0), min(bottom, layout.tile_h)
            left, right = max(left, 0), min(right, layout.tile_w)
            if bottom > top and right > left:
                oy, ox = layout.positions[index]
                rect = QRectF(ox + left, oy + top, right - left, bottom - top)
        for item in (self._halo, self._outline):
            if rect is None:
                item.setVisible(False)
            else:
                item.setRect(rect)
                item.setVisible(True)

    def rect(self) -> QRectF | None:
        """The outline in mosaic (view) coordinates, or None when none is shown.

        Returns
        -------
        QRectF or None
            A copy of the outline's rectangle.
        """
        return QRectF(self._outline.rect()) if self._outline.isVisible() else None
