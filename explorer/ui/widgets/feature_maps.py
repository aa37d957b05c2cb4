"""Feature-map mosaic view: K maps tiled into one pyqtgraph image.

The module has two halves:

* pure helpers (no widget, no QApplication needed): :func:`mosaic_layout`,
  :func:`tile_at`, :func:`signed_levels`, :func:`unsigned_levels`,
  :func:`build_mosaic`, :func:`build_rgb_mosaic`, :func:`apply_lut` and the
  256-entry colour maps :data:`DIVERGING_LUT` and :data:`GREY_LUT`;
* :class:`FeatureMapView`, the widget that draws a mosaic, labels each tile,
  shows a colour bar and reports the hovered or clicked map pixel.

Every map is drawn through ONE ``ImageItem`` holding one float32 mosaic in
[0, 1] (levels are applied per tile in NumPy, so "per-map" and "shared" levels
cost the same).  Gaps and label bands hold a neutral value and are painted
over by a single path item in the background colour, so no gap can be
mistaken for a value (NaN gaps would do the same but make pyqtgraph scan for
NaN positions on every update).  TensorFlow is never imported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QLabel,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from explorer.core.numbers import tick_text
from explorer.core.render.inputs import as_maps, as_rgb_stack
from explorer.core.render.layout import Layout, auto_spacing, gap_regions, mosaic_layout, tile_at
from explorer.core.render.levels import check_mode, finite_extrema, signed_from_extrema, unsigned_from_extrema
from explorer.core.render.luts import BACKGROUND_RGB, GREY_LUT, apply_lut
from explorer.core.render.mosaic import build_mosaic, rgb_stack_mosaic
from explorer.ui.widgets.appearance import colour_scheme
from explorer.ui.widgets.appearance import signals as appearance_signals
from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.text_style import follow_font, line_height, scaled_font, set_axis_font, set_colours

_LABEL_RGB = (236, 239, 243)
_HALO_RGBA = (255, 255, 255, 215)

# Label text height on screen when there is room for it, in lines of the view's font
# (19 px at the usual 9 pt), so labels follow the UI scale.
_LABEL_SCREEN_LINES = 1.35
_EXPORT_LABEL_MAX_PX = 24.0
# Text sizes relative to the view's font: colour-bar ticks, and the message shown instead of maps.
_TICK_SCALE = 1.1
_MESSAGE_SCALE = 1.45
_BAR_PX = 14  # thickness of the colour bar itself

# pg.ColorMap per LUT (keyed by id of the module-level LUT arrays).
_COLOR_MAPS: dict[int, pg.ColorMap] = {}

# Hover reports per second; a frame is ~16 ms, so more would only queue work.
HOVER_RATE = 60

__all__ = ["FeatureMapView", "gap_item"]

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


def _label_font() -> QFont:
    # The size only sets the glyph detail: labels are scaled to fit anyway.
    font = QFont()
    font.setPointSizeF(12.0)
    font.setWeight(QFont.Weight.DemiBold)
    return font


def _text_item() -> QGraphicsSimpleTextItem:
    item = QGraphicsSimpleTextItem()
    item.setFont(_label_font())
    item.setBrush(QColor(*_LABEL_RGB))
    item.setZValue(5)
    return item


class FeatureMapView(QWidget):
    """K feature maps as one zoomable mosaic with labels, colour bar and pixel picking.

    Left-drag pans, the wheel zooms, a double click fits the mosaic again;
    the grid is re-chosen when the view's shape changes.
    Hover and click report map pixels as ``(map_index, y, x)`` in the map's
    own coordinates; nothing is reported over gaps or labels.

    Signals
    -------
    pixel_hovered(int, int, int)
        Map index, row, column under the pointer; at most ``HOVER_RATE`` per
        second and only when the pixel changes.
    pixel_clicked(int, int, int)
        Same, for a left click.
    hover_left()
        The pointer left the last reported pixel for a gap or left the view.
    """

    pixel_hovered = Signal(int, int, int)
    pixel_clicked = Signal(int, int, int)
    hover_left = Signal()
    _pointer_moved = Signal(object)      # scene position, unthrottled (internal)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind: str | None = None        # "maps", "rgb", "image" or None
        self._data: np.ndarray | None = None  # what the caller handed over, float32
        self._labels: tuple[str, ...] = ()
        self._signed = True
        self._levels_mode = "shared"
        self._extrema: tuple[np.ndarray, np.ndarray] | None = None
        self._levels: np.ndarray | None = None
        self._lut_role: str | None = None  # "signed", "unsigned" (the colour scheme's) or "grey"
        self._mosaic: np.ndarray | None = None
        self.layout_info: Layout | None = None
        self._hovered: tuple[int, int, int] | None = None
        self._pointer_inside = False
        self._highlight_spec: tuple | None = None
        self._shown_shape: tuple | None = None
        self._bar_text: tuple | None = None
        self._text_items: list[QGraphicsSimpleTextItem] = []
        self._label_px = _LABEL_SCREEN_LINES * 14.0  # set from the font by _apply_font
        self._build()
        self.describe("Feature maps", tip("feature_maps"))
        follow_font(self, self._apply_font)
        appearance_signals.colour_scheme_changed.connect(self._on_colour_scheme_changed)

    # ----- construction -------------------------------------------------
    def _build(self) -> None:
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(QColor(*BACKGROUND_RGB))
        self.graphics.ci.setContentsMargins(4, 4, 4, 4)
        self.view_box = self.graphics.addViewBox(row=0, col=0)
        self.view_box.setAspectLocked(True)
        self.view_box.invertY(True)          # row 0 at the top, as in the arrays
        self.view_box.setMenuEnabled(False)
        self.view_box.setDefaultPadding(0.01)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        # Gaps and label bands, painted in the background colour over the image.
        self._gap_item = gap_item()
        self._gap_layout: Layout | None = None
        self.view_box.addItem(self._gap_item, ignoreBounds=True)

        self._halo = QGraphicsRectItem()
        self._outline = QGraphicsRectItem()
        for item, z in ((self._halo, 20), (self._outline, 21)):
            item.setZValue(z)
            item.setBrush(Qt.BrushStyle.NoBrush)
            item.setVisible(False)
            self.view_box.addItem(item, ignoreBounds=True)
        halo_pen = QPen(QColor(*_HALO_RGBA), 4.0)
        halo_pen.setCosmetic(True)   # width in screen pixels at any zoom
        halo_pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        self._halo.setPen(halo_pen)

        self.color_bar = pg.ColorBarItem(
            values=(-1.0, 1.0), width=_BAR_PX, colorMap=self._color_map(colour_scheme().signed),
            interactive=False, orientation="horizontal", colorMapMenu=False,
        )
        bar_axis = self.color_bar.getAxis("bottom")
        bar_axis.setTextPen(QColor(*_LABEL_RGB))
        bar_axis.setPen(QColor(*_LABEL_RGB))
        # The min and max ticks sit on the bar's ends; by default pyqtgraph
        # hides labels that overhang the axis, which would leave only "0".
        bar_axis.setStyle(hideOverlappingLabels=False, tickLength=-5)
        self.color_bar_widget = pg.GraphicsLayoutWidget()
        # Not a control: the keyboard skips it (its tooltip still explains the colours).
        self.color_bar_widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        describe(self.color_bar_widget, "Colour scale", tip("colour_bar"))
        self.color_bar_widget.setBackground(QColor(*BACKGROUND_RGB))
        self.color_bar_widget.ci.setContentsMargins(0, 2, 0, 2)
        self.color_bar_widget.ci.layout.setColumnStretchFactor(0, 1)
        self.color_bar_widget.ci.layout.setColumnStretchFactor(2, 1)
        self.color_bar_widget.addItem(self.color_bar, row=0, col=1)
        self.color_bar.setMaximumWidth(340)
        self.color_bar.setMinimumWidth(120)

        self.message_label = QLabel()
        self.message_label.setObjectName("featureMapMessage")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setMargin(24)
        set_colours(self.message_label, QColor(*_LABEL_RGB), QColor(*BACKGROUND_RGB))

        maps_page = QWidget()
        column = QVBoxLayout(maps_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.graphics, 1)
        column.addWidget(self.color_bar_widget, 0)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(maps_page)
        self._stack.addWidget(self.message_label)
        self.color_bar_widget.setVisible(False)

        # Hover: every viewport move is noted, the proxy passes on the latest
        # one at most HOVER_RATE times a second (it never drops the last).
        self._hover_proxy = pg.SignalProxy(self._pointer_moved, rateLimit=HOVER_RATE,
                                           slot=self._on_pointer_moved_throttled)
        self._pointer_watcher = _PointerWatcher(self._on_viewport_mouse_move,
                                                self._on_pointer_left, self._is_over_pixel, self)
        self.graphics.viewport().installEventFilter(self._pointer_watcher)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)

        # Re-choose the grid when the view's shape changes; coalesced because
        # a window drag sends many resizes.
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(80)
        self._relayout_timer.timeout.connect(self._on_relayout_timeout)
        self.view_box.sigResized.connect(self._relayout_timer.start)
        self.view_box.sigTransformChanged.connect(self._on_view_transform_changed)

    def _apply_font(self, font: QFont) -> None:
        """Size the texts Qt does not size: colour-bar axis, message, tile labels (the UI scale)."""
        tick_font = scaled_font(font, _TICK_SCALE)
        set_axis_font(self.color_bar.getAxis("bottom"), tick_font)
        self.message_label.setFont(scaled_font(font, _MESSAGE_SCALE))
        # The bar, a line of ticks and a line of caption, and pyqtgraph's spacing around them.
        self.color_bar_widget.setFixedHeight(round(_BAR_PX + 2 * line_height(tick_font) + 22))
        self._label_px = _LABEL_SCREEN_LINES * line_height(font)
        self._place_labels()

    def describe(self, name: str, text: str) -> None:
        """Name the view and explain what it shows (tooltip), for the view and its graphics area.

        Parameters
        ----------
        name : str
            Short accessible name, e.g. ``"Feature maps"``.
        text : str
            One sentence on the concept the maps show.
        """
        describe(self, name, text)
        describe(self.graphics, name, text)  # the part that takes the keyboard focus

    @property
    def _lut(self) -> np.ndarray | None:
        """The lookup table for the current content, from the current colour scheme."""
        if self._lut_role == "grey":
            return GREY_LUT
        if self._lut_role is None:
            return None
        scheme = colour_scheme()
        return scheme.signed if self._lut_role == "signed" else scheme.unsigned

    def _on_colour_scheme_changed(self, _name: str) -> None:
        if self._lut_role in ("signed", "unsigned") and self._mosaic is not None:
            self.image_item.setLookupTable(self._lut)  # the mosaic is unchanged: only its colours
            self._update_color_bar()

    @staticmethod
    def _color_map(lut: np.ndarray) -> pg.ColorMap:
        # Building a ColorMap costs ~2 ms (one mkColor per entry): build each once.
        key = id(lut)
        cmap = _COLOR_MAPS.get(key)
        if cmap is None:
            cmap = _COLOR_MAPS[key] = pg.ColorMap(np.linspace(0.0, 1.0, len(lut)), np.asarray(lut))
        return cmap

    # ----- public API ------------------------------------------------------
    def set_maps(self, maps: np.ndarray, labels: Sequence[str] = (), *, signed: bool = True,
                 levels: str | None = None) -> None:
        """Show single-channel maps (H, W, K).

        Parameters
        ----------
        maps : ndarray
            (H, W, K) (or (H, W) for one map); kept by reference and never modified.
        labels : sequence of str
            One label per map (missing ones are blank; all blank hides the label bands).
        signed : bool
            True: diverging colour map with zero (white) in the middle and
            symmetric levels; False: grey from min to max.
        levels : {"shared", "per-map"}, optional
            One range for all maps, or each map scaled to its own max |value|.
            None keeps the current mode (initially "shared"), so a user's
            choice survives live updates.
        """
        arr = as_maps(maps)
        if levels is not None:
            self._levels_mode = check_mode(levels)
        if arr.size == 0:
            self.set_message(f"There are no feature maps to show (shape {arr.shape}).")
            return
        self._kind, self._data, self._signed = "maps", arr, bool(signed)
        self._labels = self._fit_labels(labels, arr.shape[2])
        self._extrema = finite_extrema(arr)
        self._lut_role = "signed" if signed else "unsigned"
        self._render()

    def set_rgb(self, images: np.ndarray | Sequence[np.ndarray], labels: Sequence[str] = ()) -> None:
        """Show colour results, (H, W, 3*K) or a list of (H, W, 3), clipped to [0, 1]; no colour bar."""
        stack = as_rgb_stack(images)
        k, h, w, _ = stack.shape
        self._kind, self._data = "rgb", stack
        self._labels = self._fit_labels(labels, k)
        self._extrema, self._lut_role = None, None
        self._render()

    def set_image(self, image: np.ndarray, label: str = "") -> None:
        """Show one input image (H, W, C): grey for C=1, RGB for C=3, one grey tile per channel otherwise.

        uint8 images are read as 0..255; float images in [0, 1] use levels 0..1,
        others their own min..max.
        """
        arr = np.asarray(image)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3 or arr.shape[2] == 0:
            raise ValueError(f"image must be (H, W, C), got shape {np.shape(image)}")
        if arr.dtype == np.uint8:
            arr = arr.astype(np.float32) / np.float32(255.0)
        arr = arr.astype(np.float32, copy=False)
        c = arr.shape[2]
        if c == 3:
            self._kind, self._data = "image", arr[None]
            self._labels = self._fit_labels([label], 1)
            self._extrema, self._lut_role = None, None
        else:
            self._kind, self._data, self._signed = "image", arr, False
            labels = [label] if c == 1 else [f"{label} channel {i}".strip() for i in range(c)]
            self._labels = self._fit_labels(labels, c)
            lo, hi = finite_extrema(arr)
            if np.all(np.nan_to_num(lo, nan=0.0) >= 0) and np.all(np.nan_to_num(hi, nan=0.0) <= 1):
                lo, hi = np.zeros(c), np.ones(c)
            self._extrema = (lo, hi)
            self._lut_role = "grey"  # an input image stays a photo in every colour scheme
        self._render()

    def set_levels_mode(self, mode: str) -> None:
        """Switch between "shared" and "per-map" levels; redraws from the stored maps."""
        self._levels_mode = check_mode(mode)
        if self._kind == "maps":
            self._render()

    def levels_mode(self) -> str:
        """The current levels mode."""
        return self._levels_mode

    def set_message(self, text: str) -> None:
        """Replace the maps by a centred explanation; the next set_maps/set_rgb/set_image clears it.

        The maps are dropped (``current_maps()`` is None, nothing to export)
        until then.
        """
        self._set_hovered(None)
        self._clear_content()
        self.message_label.setText(text)
        self._stack.setCurrentIndex(1)

    def message(self) -> str | None:
        """The explanation being shown, or None when maps are shown."""
        return self.message_label.text() if self._stack.currentIndex() == 1 else None

    def highlight(self, map_index: int, top: int, left: int, bottom: int, right: int, *,
                  color: str | QColor | Sequence[int] = "#111111") -> None:
        """Outline pixels ``[top, bottom) x [left, right)`` of tile ``map_index``.

        The range may extend past the tile (a receptive window with padding);
        it is clipped to the tile.  The outline is drawn over a light halo so
        it shows on every colour.  Replaces any previous highlight and
        follows the tile when the grid changes.
        """
        self._highlight_spec = (int(map_index), int(top), int(left), int(bottom), int(right), color)
        pen = QPen(pg.mkColor(color), 2.0)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        self._outline.setPen(pen)
        self._place_highlight()

    def clear_highlight(self) -> None:
        """Remove the highlight rectangle."""
        self._highlight_spec = None
        self._place_highlight()

    def highlight_rect(self) -> QRectF | None:
        """The highlight in mosaic (view) coordinates, or None when none is shown."""
        return QRectF(self._outline.rect()) if self._outline.isVisible() else None

    def current_maps(self) -> np.ndarray | None:
        """The arrays shown, read-only: (H, W, K) maps, (K, H, W, 3) RGB tiles or (H, W, C) image."""
        if self._data is None:
            return None
        view = self._data.view()
        view.flags.writeable = False
        return view

    def current_labels(self) -> tuple[str, ...]:
        """The tile labels shown."""
        return self._labels

    def label_items(self) -> list[QGraphicsSimpleTextItem]:
        """The visible tile label items, in tile order (for tests and tweaking fonts)."""
        count = self.layout_info.count if self.layout_info is not None else 0
        return [item for item in self._text_items[:count] if item.isVisible()]

    def current_levels(self) -> np.ndarray | None:
        """The (K, 2) levels in use for single-channel maps, None for RGB."""
        return None if self._levels is None else self._levels.copy()

    def mosaic(self) -> np.ndarray | None:
        """The [0, 1] float32 mosaic handed to the ImageItem (read-only view)."""
        if self._mosaic is None:
            return None
        view = self._mosaic.view()
        view.flags.writeable = False
        return view

    def value_at(self, map_index: int, y: int, x: int) -> float | tuple[float, ...]:
        """The stored value at a map pixel (a tuple for RGB)."""
        if self._data is None:
            raise LookupError("nothing is shown")
        if self._data.ndim == 4:
            return tuple(float(v) for v in self._data[map_index, y, x])
        return float(self._data[y, x, map_index])

    def render_png_array(self, *, with_labels: bool = False) -> np.ndarray:
        """The mosaic as (H, W, 3) uint8, coloured exactly as on screen.

        Gaps are the view background; ``with_labels`` also paints the tile
        labels (for an exported grid that explains itself).
        """
        if self._mosaic is None:
            return np.zeros((0, 0, 3), dtype=np.uint8)
        rgb = apply_lut(self._mosaic, self._lut if self._lut is not None else GREY_LUT,
                        layout=self.layout_info)
        if with_labels and self.layout_info is not None and self.layout_info.label_h:
            rgb = self._paint_labels(rgb)
        return rgb

    def viewport_point(self, index: int, y: float, x: float) -> QPoint:
        """Viewport (widget) position of the centre of pixel (y, x) of tile `index`."""
        top, left = self.layout_info.positions[index]
        scene = self.view_box.mapViewToScene(QPointF(left + x + 0.5, top + y + 0.5))
        return self.graphics.mapFromScene(scene)

    def fit_view(self) -> None:
        """Show the whole mosaic, and keep it fitted on resize until the user zooms or pans."""
        self.view_box.enableAutoRange()

    # ----- rendering ---------------------------------------------------------
    @staticmethod
    def _fit_labels(labels: Sequence[str], count: int) -> tuple[str, ...]:
        labels = [str(s) for s in list(labels)[:count]]
        return tuple(labels + [""] * (count - len(labels)))

    def _view_aspect(self) -> float:
        size = self.view_box.size()
        if size.width() >= 16 and size.height() >= 16:
            return size.width() / size.height()
        return 16 / 10

    def _tile_shape(self) -> tuple[int, int, int]:
        data = self._data
        if data.ndim == 4:                       # (K, H, W, 3)
            return data.shape[1], data.shape[2], data.shape[0]
        return data.shape[0], data.shape[1], data.shape[2]

    def _make_layout(self) -> Layout:
        h, w, k = self._tile_shape()
        gap, label_h = auto_spacing(h, w)
        if not any(self._labels):
            label_h = 0
        if k == 1:
            gap = 0                              # nothing to separate
        return mosaic_layout(k, h, w, gap=gap, label_h=label_h, aspect=self._view_aspect())

    def _render(self) -> None:
        self._stack.setCurrentIndex(0)
        old = self.layout_info
        layout = self._make_layout()
        self.layout_info = layout
        if layout != old:
            self._set_hovered(None)     # the pixel under the pointer moved
        else:
            self._hovered = None  # new content: the next pointer move reports its pixel again
        shape = (self._kind, layout.tile_h, layout.tile_w)
        if shape != self._shown_shape:
            # A highlight refers to pixels of the previous content; keep it
            # across live updates of the same kind and size only.
            self._highlight_spec = None
            self._shown_shape = shape
        if self._data.ndim == 4:
            mosaic = rgb_stack_mosaic(self._data, layout)
            self._levels = None
            self.image_item.setLookupTable(None, update=False)
            self.image_item.setImage(mosaic, autoLevels=False, levels=(0.0, 1.0))
            self.color_bar_widget.setVisible(False)
        else:
            lo, hi = self._extrema
            mode = "shared" if self._kind == "image" else self._levels_mode
            if self._signed:
                self._levels = signed_from_extrema(lo, hi, mode)
            else:
                self._levels = unsigned_from_extrema(lo, hi, mode)
            mosaic = build_mosaic(self._data, layout, self._levels, clip=False)
            self.image_item.setLookupTable(self._lut, update=False)
            self.image_item.setImage(mosaic, autoLevels=False, levels=(0.0, 1.0))
            self._update_color_bar()
        self._mosaic = mosaic
        if layout != self._gap_layout:
            self._gap_item.setPath(_gap_path(layout))
            self._gap_layout = layout
        self._update_labels(layout)
        self._place_highlight()
        if old is None or (old.height, old.width) != (layout.height, layout.width):
            self.fit_view()     # a new shape; otherwise keep the user's zoom

    def _clear_content(self) -> None:
        self._kind = self._data = self._mosaic = self._levels = self.layout_info = None
        self._labels = ()
        self._shown_shape = self._highlight_spec = None
        self.image_item.clear()
        self._place_highlight()
        self.color_bar_widget.setVisible(False)

    def _update_color_bar(self) -> None:
        if self._kind == "image":
            self.color_bar_widget.setVisible(False)
            return
        bar = self.color_bar
        cmap = self._color_map(self._lut)
        if bar.colorMap() is not cmap:
            bar.setColorMap(cmap)
        axis = bar.getAxis("bottom")
        per_map = self._levels_mode == "per-map" and self._levels.shape[0] > 1
        if self._signed and per_map:
            lo, hi = -1.0, 1.0
            ticks = [(-1.0, "\u22121"), (0.0, "0"), (1.0, "+1")]
            caption = "fraction of each map\u2019s max |value|  (per-map levels)"
        elif self._signed:
            hi = float(self._levels[0, 1])
            lo = -hi
            ticks = [(lo, tick_text(lo)), (0.0, "0"), (hi, "+" + tick_text(hi))]
            caption = "value  (one range for all maps; white = 0)"
        elif per_map:
            lo, hi = 0.0, 1.0
            ticks = [(0.0, "min"), (1.0, "max")]
            caption = "each map from its own min to max  (per-map levels)"
        else:
            lo, hi = float(self._levels[0, 0]), float(self._levels[0, 1])
            ticks = [(lo, tick_text(lo)), (hi, tick_text(hi))]
            caption = "value  (one range for all maps)"
        bar.setLevels((lo, hi))
        if (ticks, caption) != self._bar_text:
            # Re-laying out the axis text is the slow part; skip it when unchanged.
            axis.setTicks([ticks, []])
            axis.setLabel(caption, color="#{:02x}{:02x}{:02x}".format(*_LABEL_RGB))
            self._bar_text = (ticks, caption)
        self.color_bar_widget.setVisible(True)

    def _update_labels(self, layout: Layout) -> None:
        """Give each tile a text item in its label band (items are reused)."""
        labels = self._labels if layout.label_h else ()
        while len(self._text_items) < len(labels):
            item = _text_item()
            self.view_box.addItem(item, ignoreBounds=True)
            self._text_items.append(item)
        for i, item in enumerate(self._text_items):
            shown = i < len(labels) and bool(labels[i])
            if shown and item.text() != labels[i]:
                item.setText(labels[i])
            item.setVisible(shown)
        self._place_labels()

    def _place_labels(self) -> None:
        """Size labels for the current zoom: a fixed screen size, shrunk to fit the band.

        The items live in view coordinates, so they can never spill over a
        neighbouring tile; the scale keeps them at a comfortable screen size
        when zoomed in and shrinks them with the band when zoomed out.
        Called on every view transform change, so only K multiplications.
        """
        layout = self.layout_info
        if layout is None or not layout.label_h:
            return
        px_w, px_h = self.view_box.viewPixelSize()     # view units per screen pixel
        if not (px_w > 0 and px_h > 0 and math.isfinite(px_w) and math.isfinite(px_h)):
            px_w = px_h = 1.0
        max_h = self._label_px * px_h                  # in view (mosaic) units
        box_h = layout.label_h * 0.82
        box_w = layout.tile_w + layout.gap * 0.6
        for i, item in enumerate(self._text_items[:layout.count]):
            if not item.isVisible():
                continue
            rect = item.boundingRect()
            scale = min(max_h, box_h) / rect.height()
            scale = min(scale, box_w / max(rect.width(), 1e-9))
            item.setScale(scale)
            top, left = layout.positions[i]
            # The text's bottom sits just above the tile.
            item.setPos(left, top - min(layout.label_h * 0.08, 3 * px_h) - rect.height() * scale)

    def _paint_labels(self, rgb: np.ndarray) -> np.ndarray:
        layout = self.layout_info
        h, w, _ = rgb.shape
        buf = np.ascontiguousarray(rgb)
        image = QImage(buf.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = _label_font()
        painter.setFont(font)
        painter.setPen(QColor(*_LABEL_RGB))
        metrics = QFontMetricsF(font)
        for label, (top, left) in zip(self._labels, layout.positions):
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

    def _place_highlight(self) -> None:
        spec, layout = self._highlight_spec, self.layout_info
        rect = None
        if spec is not None and layout is not None and 0 <= spec[0] < layout.count:
            index, top, left, bottom, right, _ = spec
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

    # ----- pointer ------------------------------------------------------------
    def _pixel_at_scene(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        if self.layout_info is None or self._stack.currentIndex() != 0:
            return None
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.view_box.mapSceneToView(scene_pos)
        return tile_at(self.layout_info, p.x(), p.y())

    def _set_hovered(self, pixel: tuple[int, int, int] | None) -> None:
        if pixel == self._hovered:
            return
        previous, self._hovered = self._hovered, pixel
        if pixel is None:
            if previous is not None:
                self.hover_left.emit()
        else:
            self.pixel_hovered.emit(*pixel)

    def _on_viewport_mouse_move(self, position: QPointF) -> None:
        self._pointer_inside = True
        self._pointer_moved.emit(self._viewport_to_scene(position))

    def _viewport_to_scene(self, position: QPointF) -> QPointF:
        # viewportTransform keeps sub-pixel positions (mapToScene takes QPoint only).
        to_scene, _ = self.graphics.viewportTransform().inverted()
        return to_scene.map(position)

    def _is_over_pixel(self, position: QPointF) -> bool:
        return self._pixel_at_scene(self._viewport_to_scene(position)) is not None

    def _on_pointer_moved_throttled(self, args: tuple) -> None:
        # A report still queued in the proxy when the pointer left is stale.
        if self._pointer_inside:
            self._set_hovered(self._pixel_at_scene(args[0]))

    def _on_pointer_left(self) -> None:
        self._pointer_inside = False
        self._set_hovered(None)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if event.double():
            self.fit_view()
            return
        pixel = self._pixel_at_scene(event.scenePos())
        if pixel is not None:
            self.pixel_clicked.emit(*pixel)

    def _on_view_transform_changed(self, _view_box) -> None:
        self._place_labels()

    def _on_relayout_timeout(self) -> None:
        if self._data is None or self.layout_info is None:
            return
        layout = self._make_layout()
        if (layout.rows, layout.cols) != (self.layout_info.rows, self.layout_info.cols):
            self._render()


def gap_item() -> QGraphicsPathItem:
    """The item that paints a mosaic's gaps in the background colour (one path, above the image)."""
    item = QGraphicsPathItem()
    item.setPen(QPen(Qt.PenStyle.NoPen))
    item.setBrush(QColor(*BACKGROUND_RGB))
    item.setZValue(1)
    return item


def _gap_path(layout: Layout) -> QPainterPath:
    """Everything that is not a tile, as one path (winding fill: overlaps stay filled)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for rows, cols in gap_regions(layout):
        path.addRect(QRectF(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start))
    return path
