"""A fixed (non-zoomable) mosaic whose height follows its width: the picture of one activation row.

It leaves the wheel to the scroll area around it and explains the map pixel
under the pointer in a tooltip; its gaps are painted in the dark panel's
background, and signed mosaics follow the colour scheme the user picks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from explorer.core.render.layout import Layout
from explorer.core.render.luts import BACKGROUND_RGB
from explorer.ui.widgets.appearance import colour_scheme
from explorer.ui.widgets.appearance import signals as appearance_signals
from explorer.ui.widgets.dark_panel import gap_item, gap_path
from explorer.ui.widgets.help_text import describe

__all__ = ["MAX_SCREEN_PX_PER_MAP_PX", "MosaicCanvas"]

# A map pixel is never drawn larger than this many screen pixels (tiny 3x3
# maps would otherwise become huge blocks in a wide window).
MAX_SCREEN_PX_PER_MAP_PX = 12.0


class MosaicCanvas(pg.GraphicsView):
    """One fixed (non-zoomable) mosaic image whose height follows its width.

    The wheel is left to the scroll area around it; a tooltip describes the
    map pixel under the pointer (through ``tooltip_provider(x, y)`` in
    mosaic coordinates).
    """

    def __init__(self, name: str, tip: str, *, max_scale: float = MAX_SCREEN_PX_PER_MAP_PX,
                 max_height: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=QColor(*BACKGROUND_RGB))
        describe(self, name, tip)
        self.view_box = pg.ViewBox(lockAspect=True, enableMouse=False, invertY=True,
                                   enableMenu=False, defaultPadding=0.0)
        self.view_box.disableAutoRange()
        self.setCentralItem(self.view_box)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        # Gaps between tiles, painted in the background colour (as FeatureMapView does).
        self._gap_item = gap_item()
        self.view_box.addItem(self._gap_item, ignoreBounds=True)
        self._gap_key: object = None
        self._size = (0, 0)                 # mosaic (height, width)
        self._max_scale = float(max_scale)
        self._max_height = max_height
        self.tooltip_provider: Callable[[float, float], str | None] | None = None
        self._lut_role: np.ndarray | str | None = None
        appearance_signals.colour_scheme_changed.connect(self._on_colour_scheme_changed)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # ----- content ---------------------------------------------------------
    def set_mosaic(self, mosaic: np.ndarray, lut: np.ndarray | None,
                   gaps: Layout | QPainterPath | None = None, gap_key: object = None) -> None:
        """Show a fresh [0, 1] float32 mosaic (2-D through ``lut``, or RGB with ``lut=None``).

        ``lut`` may be "signed": the current colour scheme's diverging map, kept
        up to date when the user picks another scheme.

        ``gaps`` (a Layout, or a path) is painted over in the background
        colour; it is rebuilt only when ``gap_key`` (default: the layout) changes.
        """
        self._lut_role = lut
        lut = self._resolve_lut()
        if lut is not self.image_item.lut:
            self.image_item.setLookupTable(lut, update=False)
        self.image_item.setImage(mosaic, autoLevels=False, levels=(0.0, 1.0))
        key = gaps if gap_key is None else gap_key
        if key != self._gap_key:
            if gaps is None:
                path = QPainterPath()
            elif isinstance(gaps, QPainterPath):
                path = gaps
            else:
                path = gap_path(gaps)
            self._gap_item.setPath(path)
            self._gap_key = key
        size = mosaic.shape[:2]
        if size != self._size:
            self._size = size
            self.view_box.setRange(QRectF(0, 0, size[1], size[0]), padding=0.0)
            self.updateGeometry()

    def clear_image(self) -> None:
        """Show nothing (the mosaic's size is kept)."""
        self.image_item.clear()

    def _resolve_lut(self) -> np.ndarray | None:
        # "signed" follows the colour scheme (View → Colour maps); arrays (grey images) are fixed.
        return colour_scheme().signed if isinstance(self._lut_role, str) else self._lut_role

    def _on_colour_scheme_changed(self, _name: str) -> None:
        if isinstance(self._lut_role, str):
            self.image_item.setLookupTable(self._resolve_lut())

    def mosaic_size(self) -> tuple[int, int]:
        """(height, width) of the mosaic shown."""
        return self._size

    # ----- size ------------------------------------------------------------
    def hasHeightForWidth(self) -> bool:  # Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # Qt override
        h, w = self._size
        if not h or not w:
            return 24
        scale = min(max(width, 1) / w, self._max_scale)
        height = max(16, int(round(h * scale)))
        if self._max_height is not None:
            height = min(height, self._max_height)
        return height

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(360, self.heightForWidth(360))

    def minimumSizeHint(self) -> QSize:  # Qt override
        return QSize(60, 16)

    # ----- pointer -----------------------------------------------------------
    def mosaic_point(self, pos: QPoint) -> tuple[float, float]:
        """Mosaic (x, y) under a viewport position."""
        p = self.view_box.mapSceneToView(self.mapToScene(pos))
        return p.x(), p.y()

    def viewport_point(self, x: float, y: float) -> QPoint:
        """Viewport position of mosaic point (x, y)."""
        return self.mapFromScene(self.view_box.mapViewToScene(QPointF(x, y)))

    def tooltip_at(self, pos: QPoint) -> str | None:
        """The tooltip text for a viewport position (None outside every tile)."""
        if self.tooltip_provider is None or not self._size[0]:
            return None
        return self.tooltip_provider(*self.mosaic_point(pos))

    def wheelEvent(self, event) -> None:  # Qt override
        event.ignore()      # not zoomable: let the scroll area around it scroll

    def viewportEvent(self, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
                return True
        return super().viewportEvent(event)
