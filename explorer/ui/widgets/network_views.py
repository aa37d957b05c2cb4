"""Views of a trained (or training) network: what it sees, what it learned, how it does.

* :class:`ActivationsView` - every layer's output for one image, one row per
  layer (mosaics for spatial outputs, a cell strip for flat ones, labelled
  bars for a final Dense layer of at most 20 units);
* :class:`FiltersView` - the first convolution layer's learned filters;
* :class:`ConfusionView` - the test set's confusion matrix with counts in the cells;
* :class:`GalleryView` - clickable thumbnails (the misclassified test images);
* :class:`ProbabilityBars` - the class probabilities for the drawing pad, with
  the top guess in large type;
* :class:`AugmentationPreview` - a small grid of augmented variants of one image.

Colour convention of the activations (the same as the kernel lab's feature
maps): the diverging map with **white = 0**, red = positive, blue = negative,
symmetric levels shared by all channels of one layer (so channels of a layer
compare; each layer has its own range, printed beside its caption).  After a
ReLU everything is >= 0, so those rows run from white ("this unit is silent")
to dark red ("strongly active"); a layer without a ReLU shows its negative
values in blue instead of clipping them.  A sequential map would waste half
its range on the ReLU layers' missing negatives only at the price of reading
differently from every other map in the app.

Speed: the widgets of the activation rows are made once per architecture
(layer names, kinds and shapes); afterwards an update only rebuilds each
row's float32 mosaic (fresh arrays, the caller's are never written) and hands
it to the row's ``ImageItem`` with explicit levels - about 2 ms for the
MNIST convnet (3.5 ms with the repaint), so 10 updates a second are no burden.  No TensorFlow here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QStackedLayout,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from explorer.core.numbers import tick_text
from explorer.core.predict.prediction import LayerActivation, Prediction
from explorer.core.render.mosaic import (
    BACKGROUND_RGB,
    GREY_LUT,
    Layout,
    _finite_extrema,
    _signed_from_extrema,
    auto_spacing,
    build_mosaic,
    build_rgb_mosaic,
    mosaic_layout,
    tile_at,
)
from explorer.ui.widgets.appearance import colour_scheme
from explorer.ui.widgets.appearance import signals as appearance_signals
from explorer.ui.widgets.feature_maps import _LABEL_RGB, FeatureMapView, _gap_path, gap_item
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.painted_text import ElidedLabel
from explorer.ui.widgets.scene_updates import settle_scene
from explorer.ui.widgets.text_style import follow_font, line_height, scaled_font, set_colours

__all__ = [
    "ActivationsView",
    "AugmentationPreview",
    "ConfusionView",
    "FiltersView",
    "GalleryView",
    "ProbabilityBars",
    "layer_caption",
]

# Bars: the top class in orange, the others in a quiet blue (a colour-blind
# safe pair that also survives a washed-out projector).
TOP_RGB = (230, 97, 1)
OTHER_RGB = (122, 156, 198)

# Width / height of the grid chosen for an activation mosaic: wide rows keep
# the column short enough to scroll through a whole network.
ROW_ASPECT = 3.0
# A map pixel is never drawn larger than this many screen pixels (tiny 3x3
# maps would otherwise become huge blocks in a wide window).
MAX_SCREEN_PX_PER_MAP_PX = 12.0
INPUT_ROW_MAX_HEIGHT = 150
BAR_ROW_LINES = 1.36                # height of one bar in the activations column, in lines of text (19 px at 9 pt)
MIN_BAR_LINES = 0.85                # least height of a bar, in lines of text (digits have no descenders)
MAX_LABELLED_DENSE_UNITS = 20

# Text sizes relative to the window's text, so they follow the UI scale.
MESSAGE_SCALE = 1.45                # the dark panels' messages (13 pt at the usual 9 pt)
DENSE_NAMES_SCALE = 1.05            # class names beside the last Dense layer's bars
GUESS_SCALE = 4.4                   # the drawing pad's top guess (40 pt at 9 pt)
CLASS_NAMES_SCALE = 1.55            # the drawing pad's class names (14 pt at 9 pt)
SLICE_S = 0.004                     # progressive drawing: return to the event loop after this long


# One sentence per layer kind, shown as the caption's tooltip.
_KIND_TIPS = {
    "InputLayer": "The image the network is given, as numbers between 0 and 1.",
    "Conv2D": "A convolution layer: each channel is one learned filter slid over the previous "
              "layer's maps, so a channel lights up (red) where its pattern occurs.",
    "DepthwiseConv2D": "A depthwise convolution filters each input channel on its own.",
    "SeparableConv2D": "A separable convolution: a depthwise filter per channel, then a 1x1 mix of channels.",
    "MaxPooling2D": "Max pooling keeps the largest value of each window: smaller maps that keep "
                    "the strongest responses.",
    "AveragePooling2D": "Average pooling keeps the mean of each window: smaller, smoother maps.",
    "GlobalAveragePooling2D": "Global average pooling turns each channel into one number: its mean.",
    "GlobalMaxPooling2D": "Global max pooling turns each channel into one number: its maximum.",
    "Flatten": "Flatten lays the last maps out as one long vector (pixel by pixel, channels "
               "interleaved) so dense layers can use them.",
    "Dense": "A dense layer: every unit is a weighted sum of all values of the previous layer, "
             "followed by its activation.",
    "Dropout": "Dropout silences random units while training; when classifying it passes values through.",
    "BatchNormalization": "Batch normalisation rescales each channel to a standard range "
                          "(so values can be negative: blue).",
    "Activation": "An activation function applied value by value.",
    "ReLU": "ReLU keeps positive values and sets negative ones to zero (white).",
    "Softmax": "Softmax turns scores into probabilities that add up to 100%.",
}
_DEFAULT_TIP = "This layer's output for the image shown."


def layer_caption(name: str, kind: str, shape: Sequence[int]) -> str:
    """Caption of one activation row, e.g. ``"conv2d (Conv2D) → 26×26×32"``."""
    dims = "×".join(str(int(n)) for n in shape) or "scalar"
    return f"{name} ({kind}) \u2192 {dims}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _to_unit_float(image: np.ndarray) -> np.ndarray:
    """An image as float32 in [0, 1] (uint8 as 0..255; other floats by their own range if outside)."""
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255.0)
    arr = arr.astype(np.float32)   # always a copy: never write the caller's array
    finite = arr[np.isfinite(arr)]
    if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
        lo, hi = float(finite.min()), float(finite.max())
        arr = (arr - lo) / (hi - lo if hi > lo else 1.0)
    return arr


def _as_hwc(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] == 0:
        raise ValueError(f"an image must be (H, W) or (H, W, C), got shape {np.shape(image)}")
    return arr


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------

class _Canvas(pg.GraphicsView):
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
                path = _gap_path(gaps)
            self._gap_item.setPath(path)
            self._gap_key = key
        size = mosaic.shape[:2]
        if size != self._size:
            self._size = size
            self.view_box.setRange(QRectF(0, 0, size[1], size[0]), padding=0.0)
            self.updateGeometry()

    def clear_image(self) -> None:
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


class _Bars(pg.GraphicsView):
    """Horizontal bars, one per class, labelled on the left, value at the bar's end.

    Horizontal so long class names ("Ankle boot") stay readable; class 0 at
    the top.  Bars from zero, so negative scores (logits) extend left.
    Built from a bare view box and axis rather than a ``PlotWidget``, whose
    menus and options form nobody opens here: 1.3 ms to make instead of 10,
    paid again for every new model's bars while it trains.
    """

    bar_count = 0
    _dark = True  # (pyqtgraph changes the palette before __init__ has finished: nothing to colour yet)

    def __init__(self, name: str, tip: str, *, dark: bool, font_scale: float = 1.1,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, background=QColor(*BACKGROUND_RGB))
        describe(self, name, tip)
        self._dark = dark  # on the dark panel; otherwise in the window's colours (the theme's)
        self._text_colour = QColor(*_LABEL_RGB)
        layout = pg.GraphicsLayout()
        layout.setContentsMargins(6, 2, 10, 2)
        layout.layout.setSpacing(0)
        self.setCentralItem(layout)
        self.view_box = pg.ViewBox(enableMouse=False, enableMenu=False, invertY=True)
        self.view_box.disableAutoRange()
        self.axis = pg.AxisItem("left")
        self.axis.linkToView(self.view_box)
        layout.addItem(self.axis, 0, 0)
        layout.addItem(self.view_box, 0, 1)
        self._font_scale = font_scale       # class names and values relative to the widget's text
        self._font: QFont | None = None     # the class names' font, set by _fit_font
        self._fixed_rows: tuple[int, float] | None = None   # see fix_height
        axis = self.axis
        axis.setStyle(tickLength=0, tickTextOffset=6, hideOverlappingLabels=False)
        axis.setPen(pg.mkPen(None))
        self._zero_line = pg.InfiniteLine(pos=0.0, angle=90)
        self.view_box.addItem(self._zero_line, ignoreBounds=True)
        self._brushes = (pg.mkBrush(*OTHER_RGB), pg.mkBrush(*TOP_RGB))
        # A faint full-length track behind each probability bar, so 3% reads as "3% of 100%".
        self.track_item = pg.BarGraphItem(x0=np.zeros(0), width=np.zeros(0), y=np.zeros(0),
                                          height=0.72, pen=None)
        self.track_item.setZValue(-1)
        self.view_box.addItem(self.track_item)
        self.bar_item = pg.BarGraphItem(x0=np.zeros(0), width=np.zeros(0), y=np.zeros(0),
                                        height=0.72, pen=None, brushes=[])
        self.view_box.addItem(self.bar_item)
        self._texts: list[pg.TextItem] = []
        self._text_state: list[tuple | None] = []
        self._names: tuple[str, ...] = ()
        self._top = -1
        self._x_range: tuple[float, float] | None = None
        self._track: float | None = None
        self._values = np.zeros(0, dtype=np.float32)
        self.bar_count = 0
        self._apply_colours()
        follow_font(self, self._apply_font)

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._dark:  # the light or dark theme
            self._apply_colours()

    def _apply_colours(self) -> None:
        """Background, names, zero line and tracks: the dark panel's, or the window's palette."""
        if self._dark:
            background, text = QColor(*BACKGROUND_RGB), QColor(*_LABEL_RGB)
        else:  # blend in with the window around it
            background = self.palette().color(QPalette.ColorRole.Window)
            text = self.palette().color(QPalette.ColorRole.WindowText)
        self.setBackground(background)
        self._text_colour = text
        self.axis.setTextPen(text)
        self._zero_line.setPen(pg.mkPen(text, width=1))
        self.track_item.setOpts(brush=pg.mkBrush(*(218, 224, 232) if background.lightness() > 127 else (74, 78, 85)))
        for item, state in zip(self._texts, self._text_state):
            if state is not None and not state[0]:  # values past the bar's end are in the text colour
                item.setColor(text)

    def _apply_font(self, font: QFont) -> None:
        """pyqtgraph never reads the widget font: size the class names and values from it (the UI scale)."""
        if self._fixed_rows is not None:
            rows, lines = self._fixed_rows
            self.setFixedHeight(round(rows * lines * line_height(font)) + 8)
        else:  # room for every bar at the text size, if the window has it
            self.setMinimumHeight(round(self.bar_count * MIN_BAR_LINES * line_height(font)) + 8)
        self._fit_font()

    def _fit_font(self) -> None:
        """Class names `font_scale` times the text, smaller only where the bars are too thin for them."""
        font = scaled_font(self.font(), self._font_scale)
        if self.bar_count and self._fixed_rows is None:
            room = (self.height() - 8) / self.bar_count      # pixels per bar
            need = MIN_BAR_LINES * line_height(font)
            if 0 < room < need:
                font = scaled_font(font, max(room / need, 0.5))
        if font == self._font:
            return
        self._font = font
        self.axis.setStyle(tickFont=font)
        for item in self._texts:
            item.setFont(font)

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        if self.bar_count:  # (pyqtgraph resizes before __init__ has finished: no bars yet)
            self._fit_font()

    def fix_height(self, rows: int, lines_per_row: float) -> None:
        """Keep the widget exactly tall enough for `rows` bars of `lines_per_row` lines of text each."""
        self._fixed_rows = (rows, lines_per_row)
        self._apply_font(self.font())

    def set_values(self, values: np.ndarray, names: Sequence[str], *, percent: bool) -> None:
        v = np.nan_to_num(np.asarray(values, dtype=np.float64).ravel(), nan=0.0, posinf=0.0, neginf=0.0)
        k = v.size
        names = tuple(str(n) for n in names)
        if len(names) != k:
            names = tuple(str(i) for i in range(k))
        if k != self.bar_count:
            self._resize(k)
        if names != self._names:
            self.axis.setTicks([list(enumerate(names)), []])
            self._names = names
        top = int(np.argmax(v)) if k else -1
        if percent:
            lo, hi = 0.0, 1.0
        else:
            lo, hi = min(0.0, float(v.min()) if k else 0.0), max(0.0, float(v.max()) if k else 1.0)
            if hi - lo < 1e-12:
                hi = lo + 1.0
            pad = 0.04 * (hi - lo)
            lo, hi = (lo - pad if lo < 0 else lo), hi + pad
        if (lo, hi) != self._x_range:
            self.view_box.setXRange(lo, hi, padding=0.0)
            self._x_range = (lo, hi)
            self._zero_line.setVisible(lo < 0)
        track = 1.0 if percent else 0.0
        if track != self._track:
            self.track_item.setOpts(x0=np.zeros(k), width=np.full(k, track), y=np.arange(k, dtype=np.float64))
            self._track = track
        opts = {"x0": np.minimum(v, 0.0), "width": np.abs(v)}
        if top != self._top:
            opts["brushes"] = [self._brushes[i == top] for i in range(k)]
            self._top = top
        self.bar_item.setOpts(**opts)
        self._values = v.astype(np.float32)
        span = hi - lo
        inside_from = 0.55 * span
        for i, (item, value) in enumerate(zip(self._texts, v)):
            if percent:
                text = "" if value < 0.0005 else f"{100.0 * value:.1f}%"
            else:
                text = tick_text(float(value))
            inside = abs(value) > inside_from
            sign = -1.0 if value < 0 else 1.0
            # Inside the bar's end (light text) when long, just past it otherwise.
            anchor = (1.0, 0.5) if (inside == (sign > 0)) else (0.0, 0.5)
            x = value - sign * 0.012 * span if inside else value + sign * 0.012 * span
            if item.toPlainText() != text:
                item.setText(text)
            if self._text_state[i] != (inside, anchor):
                item.setColor(QColor(255, 255, 255) if inside else self._text_colour)
                item.setAnchor(anchor)
                self._text_state[i] = (inside, anchor)
            item.setPos(x, i)

    def wheelEvent(self, event) -> None:  # Qt override
        event.ignore()      # fixed axes: let a scroll area around it scroll

    def values(self) -> np.ndarray:
        """The bar lengths shown (a copy)."""
        return self._values.copy()

    def top_index(self) -> int:
        return self._top

    def _resize(self, k: int) -> None:
        while len(self._texts) < k:
            item = pg.TextItem("", color=self._text_colour, anchor=(0.0, 0.5))
            item.setFont(self._font)
            self.view_box.addItem(item, ignoreBounds=True)
            self._texts.append(item)
        while len(self._texts) > k:
            self.view_box.removeItem(self._texts.pop())
        self._text_state = [None] * k
        self.bar_item.setOpts(y=np.arange(k, dtype=np.float64), x0=np.zeros(k), width=np.zeros(k),
                              brushes=[self._brushes[0]] * k)
        self._top = -1
        self._track = None
        self.view_box.setYRange(-0.5, k - 0.5, padding=0.0)
        self.bar_count = k
        self._apply_font(self.font())


# --------------------------------------------------------------------------
# ActivationsView
# --------------------------------------------------------------------------

_SCALE_RGB = (190, 196, 204)


def _strip_shape(n: int) -> tuple[int, int]:
    """(rows, cols) for a vector of n cells: a wide band, as few empty cells as possible."""
    if n <= 0:
        return 0, 0
    aspect = 16.0 if n <= 128 else 8.0
    c0 = min(n, math.ceil(math.sqrt(n * aspect)))
    best = None
    for cols in range(max(1, int(c0 * 0.75)), min(n, int(c0 * 1.25) + 1) + 1):
        rows = math.ceil(n / cols)
        key = (rows * cols - n, abs(cols - c0), cols)
        if best is None or key < best[0]:
            best = (key, rows, cols)
    return best[1], best[2]


def _scale_text(levels_half: float, lo: float) -> str:
    if not math.isfinite(levels_half) or levels_half <= 1e-9:
        return "all zero"
    m = tick_text(levels_half)
    if lo < 0:
        return f"blue \u2212{m} \u00b7 white 0 \u00b7 red +{m}"
    return f"white 0 \u2192 red {m}"


class _LayerRow(QWidget):
    """Caption, colour-scale note and body of one layer; made once per architecture."""

    kind = "maps"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], body: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_name, self.layer_kind, self.shape = name, kind, tuple(shape)
        tip = _KIND_TIPS.get(kind, _DEFAULT_TIP)
        # The caption keeps up to 260 px; the colour-scale note gives way first.
        self.caption = ElidedLabel(layer_caption(name, kind, shape), _LABEL_RGB, bold=True, keep_px=260)
        describe(self.caption, f"Layer {name}", tip)
        # The size hint comes from a template, so a changing number never re-lays out the column.
        self.scale_label = ElidedLabel("", _SCALE_RGB, align=Qt.AlignmentFlag.AlignRight,
                                        hint_text="blue \u22120.000 \u00b7 white 0 \u00b7 red +0.000")
        self.scale_label.setToolTip("The colour range of this row: one range for all its channels, "
                                    "white is exactly zero.")
        self.body = body
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(12)
        top.addWidget(self.caption, 3)
        top.addWidget(self.scale_label, 2)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 8, 6, 2)
        column.setSpacing(3)
        column.addLayout(top)
        column.addWidget(body)
        self._output: np.ndarray | None = None
        self._scale_text = ""

    def _set_scale_text(self, text: str) -> None:
        if text != self._scale_text:
            self.scale_label.setText(text)
            self._scale_text = text

    def update_output(self, output: np.ndarray) -> None:
        raise NotImplementedError

    def tile_count(self) -> int:
        raise NotImplementedError


class _MapsRow(_LayerRow):
    """(H, W, C): one tile per channel."""

    kind = "maps"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], parent: QWidget | None = None) -> None:
        h, w, c = shape
        canvas = _Canvas(f"{name} channels",
                         f"The {c} channels of {name}, one tile each: white = 0, red = positive, "
                         "blue = negative; hover a tile for its value.")
        super().__init__(name, kind, shape, canvas, parent)
        gap, _ = auto_spacing(h, w)
        self.layout_info = mosaic_layout(c, h, w, gap=gap if c > 1 else 0, aspect=ROW_ASPECT)
        canvas.tooltip_provider = self._tooltip

    def update_output(self, output: np.ndarray) -> None:
        self._output = output
        lows, highs = _finite_extrema(np.asarray(output, dtype=np.float32))
        levels = _signed_from_extrema(lows, highs, "shared")[0]
        mosaic = build_mosaic(output, self.layout_info, levels, clip=False)
        self.body.set_mosaic(mosaic, "signed", self.layout_info)
        lo = float(np.nanmin(lows)) if np.isfinite(lows).any() else 0.0
        self._set_scale_text(_scale_text(float(levels[1]), lo))

    def tile_count(self) -> int:
        return self.layout_info.count

    def _tooltip(self, x: float, y: float) -> str | None:
        hit = tile_at(self.layout_info, x, y)
        if hit is None or self._output is None:
            return None
        k, r, c = hit
        return (f"{self.layer_name}, channel {k}\nrow {r}, column {c}: "
                f"{tick_text(float(self._output[r, c, k]))}")


class _StripRow(_LayerRow):
    """(N,): N cells laid out as a wide band, read row by row."""

    kind = "strip"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], parent: QWidget | None = None) -> None:
        n = int(np.prod(shape))
        canvas = _Canvas(f"{name} units",
                         f"The {n} values of {name}, one cell each, read left to right and row by row: "
                         "white = 0, red = positive, blue = negative.",
                         max_scale=28.0)
        super().__init__(name, kind, shape, canvas, parent)
        self.count = n
        self.rows, self.cols = _strip_shape(n)
        empty = self.rows * self.cols - n
        path = QPainterPath()
        if empty:
            path.addRect(QRectF(self.cols - empty, self.rows - 1, empty, 1))
        self._gaps = path
        canvas.tooltip_provider = self._tooltip

    def update_output(self, output: np.ndarray) -> None:
        flat = np.asarray(output, dtype=np.float32).ravel()
        self._output = flat
        column = flat.reshape(-1, 1, 1) if flat.size else np.zeros((1, 1, 1), dtype=np.float32)
        lows, highs = _finite_extrema(column)
        m = float(_signed_from_extrema(lows, highs, "shared")[0, 1])
        grid = np.full(self.rows * self.cols, 0.5, dtype=np.float32)
        np.multiply(flat, np.float32(0.5 / m), out=grid[:flat.size])
        grid[:flat.size] += np.float32(0.5)
        self.body.set_mosaic(grid.reshape(self.rows, self.cols), "signed", self._gaps, gap_key="strip")
        lo = float(lows[0]) if math.isfinite(lows[0]) else 0.0
        self._set_scale_text(_scale_text(m, lo))

    def tile_count(self) -> int:
        return self.count

    def _tooltip(self, x: float, y: float) -> str | None:
        if self._output is None or not (math.isfinite(x) and math.isfinite(y)):
            return None
        col, row = math.floor(x), math.floor(y)
        if not (0 <= col < self.cols and 0 <= row < self.rows):
            return None
        i = row * self.cols + col
        if i >= self.count:
            return None
        return f"{self.layer_name}, unit {i}: {tick_text(float(self._output[i]))}"


class _BarsRow(_LayerRow):
    """The last Dense layer of at most 20 units: one labelled bar per class."""

    kind = "bars"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], parent: QWidget | None = None) -> None:
        n = int(np.prod(shape))
        bars = _Bars(f"{name} outputs",
                     f"The {n} outputs of {name}, one per class: the longest bar is the network's answer.",
                     dark=True, font_scale=DENSE_NAMES_SCALE)
        bars.fix_height(n, BAR_ROW_LINES)
        super().__init__(name, kind, shape, bars, parent)
        self.count = n
        self.class_names: tuple[str, ...] = ()

    def update_output(self, output: np.ndarray) -> None:
        flat = np.asarray(output, dtype=np.float32).ravel()
        self._output = flat
        finite = flat[np.isfinite(flat)]
        percent = bool(finite.size == flat.size and finite.size and finite.min() >= 0
                       and abs(float(finite.sum()) - 1.0) < 1e-3)
        self.body.set_values(flat, self.class_names, percent=percent)
        self._set_scale_text("probabilities (softmax)" if percent else "scores")

    def set_class_names(self, names: Sequence[str]) -> None:
        self.class_names = tuple(str(n) for n in names)
        if self._output is not None:
            self.update_output(self._output)

    def tile_count(self) -> int:
        return self.count


class _InputRow(_LayerRow):
    """The input image (grey for one channel, colour for three)."""

    kind = "input"

    def __init__(self, parent: QWidget | None = None) -> None:
        canvas = _Canvas("Input image", "The image the network is classifying.",
                         max_scale=8.0, max_height=INPUT_ROW_MAX_HEIGHT)
        super().__init__("input", "InputLayer", (), canvas, parent)
        self.scale_label.setText("black 0 \u2192 white 1")
        canvas.tooltip_provider = self._tooltip

    def update_output(self, image: np.ndarray) -> None:
        arr = _as_hwc(image)
        shape = arr.shape
        if shape != self.shape:
            self.shape = shape
            self.caption.setText(f"input \u2192 {'×'.join(str(n) for n in shape)}")
        img = _to_unit_float(arr)
        self._output = img
        if shape[2] == 3:
            self.body.set_mosaic(np.clip(img, 0.0, 1.0), None, None, gap_key="input")
        else:
            self.body.set_mosaic(np.clip(img[:, :, 0], 0.0, 1.0), GREY_LUT, None, gap_key="input")

    def tile_count(self) -> int:
        return 1

    def _tooltip(self, x: float, y: float) -> str | None:
        if self._output is None or not (math.isfinite(x) and math.isfinite(y)):
            return None
        col, row = math.floor(x), math.floor(y)
        h, w = self._output.shape[:2]
        if not (0 <= row < h and 0 <= col < w):
            return None
        values = ", ".join(tick_text(float(v)) for v in self._output[row, col])
        return f"input pixel row {row}, column {col}: {values}"


def _architecture(activations: Sequence[LayerActivation]) -> tuple:
    return tuple((a.name, a.kind, tuple(np.shape(a.output))) for a in activations)


def _last_dense_index(arch: tuple) -> int | None:
    """Index of the last Dense layer if it is flat with <= 20 units (drawn as labelled bars)."""
    for i in range(len(arch) - 1, -1, -1):
        name, kind, shape = arch[i]
        if kind == "Dense":
            n = int(np.prod(shape)) if shape else 0
            return i if len(shape) == 1 and 0 < n <= MAX_LABELLED_DENSE_UNITS else None
    return None


class ActivationsView(QWidget):
    """Every layer's output for one image, as a scrolling column of rows.

    Row per layer: a caption ``"conv2d (Conv2D) → 26×26×32"`` with the row's
    colour range, then a mosaic of all channels (spatial outputs), a band of
    cells (flat outputs) or labelled bars (a final Dense layer of <= 20
    units).  Colours: white = 0, red positive, blue negative, one symmetric
    range per layer.  Widgets are built once per architecture; updates only
    replace images (fast enough for 10 updates a second), and only those of
    the rows in view: a row scrolled out of sight is redrawn, from the newest
    prediction, when it comes back into view (during training most layers are
    below the fold, and drawing them took CPU the training thread needs).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        describe(self, "Layer activations",
                     "How every layer sees one image, from the input at the top to the answer at the "
                     "bottom: white = 0, red = positive, blue = negative.")
        self._arch: tuple | None = None
        self._rows: list[_LayerRow] = []
        self._class_names: tuple[str, ...] = ()
        self._latest: tuple | None = None  # the newest (activations, input image)
        self._generation = 0  # counts predictions; self._drawn[row index] = the one it shows (-1 = input)
        self._drawn: dict[int, int] = {}
        self._input_shown: np.ndarray | None = None  # a copy of the input row's image
        self._pending = False  # a pass over the rows is still to finish
        self._next_row = 0  # where the pass is; -1 = the input row
        self._slice_timer = QTimer(self)
        self._slice_timer.setSingleShot(True)
        self._slice_timer.setInterval(0)
        self._slice_timer.timeout.connect(self._draw_slice)

        self._column = QWidget()
        self._column.setObjectName("activationsColumn")
        set_colours(self._column, background=QColor(*BACKGROUND_RGB))
        self._column_layout = QVBoxLayout(self._column)
        self._column_layout.setContentsMargins(0, 0, 0, 6)
        self._column_layout.setSpacing(0)
        self.input_row = _InputRow()
        self.input_row.setVisible(False)
        self._column_layout.addWidget(self.input_row)
        self._column_layout.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self._column)
        self._column.installEventFilter(self)  # it moves when scrolled: rows come into view
        # Tab goes from row to row (each row's picture is named); the area scrolls to show it.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.message_label = QLabel()
        self.message_label.setObjectName("activationsMessage")
        set_colours(self.message_label, QColor(*_LABEL_RGB), QColor(*BACKGROUND_RGB))
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setMargin(24)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.scroll_area)
        self._stack.addWidget(self.message_label)
        self.clear()
        follow_font(self, lambda font: self.message_label.setFont(scaled_font(font, MESSAGE_SCALE)))

    # ----- public API ------------------------------------------------------
    def set_prediction(self, prediction: Prediction | None, *, input_image: np.ndarray | None = None,
                       progressive: bool = False) -> None:
        """Show ``prediction``'s activations (None: the empty state).

        Parameters
        ----------
        prediction : Prediction or None
            Its arrays are read, never written.
        input_image : ndarray, optional
            (H, W) or (H, W, C) image shown above the first layer.
        progressive : bool, optional
            Build and draw the rows a few milliseconds at a time between other
            events, so that live training updates never hold up the event loop
            (default False: everything at once, before returning). A newer
            prediction replaces one still being drawn.
        """
        if prediction is None:
            self.clear()
            return
        activations = prediction.activations
        if not activations and input_image is None:
            self.clear("The model has no layers to show.")
            return
        arch = _architecture(activations)
        if arch != self._arch:
            self._start_rebuild(arch)
        self._latest = (activations, input_image)
        self._generation += 1
        if (input_image is not None and self._drawn.get(-1) == self._generation - 1
                and np.array_equal(self._input_shown, input_image)):
            self._drawn[-1] = self._generation  # the same picture (a training probe): nothing to redraw
        self._pending = True
        self._next_row = -1  # the input row first
        if self._stack.currentIndex() != 0:
            # Coming back from a message: rows reappear one by one as they are drawn, rather than
            # all laid out and painted in one go (a stall of tens of ms during training).
            for row in (self.input_row, *self._rows):
                row.hide()
            self._stack.setCurrentIndex(0)
        if progressive:
            self._slice_timer.start()
        else:
            self._draw_pending(deadline=None)

    def is_drawing(self) -> bool:
        """True while a progressive update is still being drawn."""
        return self._pending

    def set_class_names(self, names: Sequence[str]) -> None:
        """Labels for the bars of the final Dense layer (index order)."""
        self._class_names = tuple(str(n) for n in names)
        for row in self._rows:
            if isinstance(row, _BarsRow):
                row.set_class_names(self._class_names)

    def clear(self, message: str = "No image has been classified yet.") -> None:
        """Show ``message`` instead of the layers (the rows are kept for the next update)."""
        self._latest, self._pending = None, False
        self.message_label.setText(message)
        self._stack.setCurrentIndex(1)

    def message(self) -> str | None:
        """The message shown, or None when layers are shown."""
        return self.message_label.text() if self._stack.currentIndex() == 1 else None

    def rows(self) -> list[_LayerRow]:
        """The layer rows in order (the input row is ``input_row``)."""
        return list(self._rows)

    # ----- internals ----------------------------------------------------------
    def _start_rebuild(self, arch: tuple) -> None:
        """Drop the old rows; the new ones are built by :meth:`_draw_pending`, one at a time."""
        for row in self._rows:
            self._column_layout.removeWidget(row)
            row.hide()
            row.deleteLater()  # deleted by Qt on this thread; never left to the garbage collector
        self._rows = []
        self._drawn.clear()
        self._arch = arch

    def _build_row(self, i: int) -> None:
        name, kind, shape = self._arch[i]
        if i == _last_dense_index(self._arch):
            row = _BarsRow(name, kind, shape)
            row.set_class_names(self._class_names)
        elif len(shape) == 3 and min(shape) > 0:
            row = _MapsRow(name, kind, shape)
        else:
            row = _StripRow(name, kind, shape)
        row.hide()  # until it is drawn
        row.installEventFilter(self)  # it moves when a row above it appears: it may come into view
        self._column_layout.insertWidget(1 + i, row)  # after the input row, before the stretch
        self._rows.append(row)

    def _draw_pending(self, deadline: float | None) -> None:
        """Build missing rows and draw the newest prediction until done or past `deadline`."""
        while self._pending:
            if self._next_row == -1:
                if self._latest[1] is None:
                    self.input_row.hide()
                elif self._needs_drawing(-1):
                    self._draw_row(-1)
            elif self._next_row >= len(self._arch):
                self._pending = False
                return
            else:
                if self._next_row >= len(self._rows):
                    self._build_row(self._next_row)
                    if deadline is not None:  # a new row is drawn in the next slice: each is one costly step
                        self._slice_timer.start()
                        return
                if self._needs_drawing(self._next_row):
                    self._draw_row(self._next_row)
            self._next_row += 1
            if deadline is not None and time.perf_counter() > deadline:
                self._slice_timer.start()  # the rest after the events that are waiting
                return

    def _row(self, index: int) -> _LayerRow:
        return self.input_row if index == -1 else self._rows[index]

    def _needs_drawing(self, index: int) -> bool:
        """True if the row is hidden (not drawn yet: it takes its place when drawn) or stale and in view."""
        row = self._row(index)
        return row.isHidden() or (self._drawn.get(index) != self._generation and self._in_view(row))

    def _in_view(self, row: QWidget) -> bool:
        if not self.isVisible():
            return True  # nothing to measure against: draw everything
        viewport = self.scroll_area.viewport()
        top = row.mapTo(viewport, QPoint(0, 0)).y()
        return top < viewport.height() and top + row.height() > 0

    def _draw_row(self, index: int) -> None:
        activations, input_image = self._latest
        row = self._row(index)
        row.update_output(input_image if index == -1 else activations[index].output)
        if index == -1:
            self._input_shown = np.array(input_image, copy=True)
        row.show()
        settle_scene(row.body)
        self._drawn[index] = self._generation

    def _draw_revealed(self) -> None:
        """Draw the rows that came into view showing an older prediction than the newest."""
        if self._latest is None:
            return
        for index in range(-1, len(self._rows)):
            if not self._row(index).isHidden() and self._needs_drawing(index):  # hidden rows: the pass's
                self._draw_row(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        # The column moves when scrolled, a row when one above it appears or the width changes.
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize):
            self._draw_revealed()
        return False

    def _draw_slice(self) -> None:
        self._draw_pending(deadline=time.perf_counter() + SLICE_S)


# --------------------------------------------------------------------------
# FiltersView
# --------------------------------------------------------------------------

class FiltersView(QWidget):
    """The first convolution layer's learned filters as a labelled mosaic.

    Colour filters (3 input channels) are drawn in colour, each scaled on its
    own so that grey is a zero weight; other filters are signed maps (white
    = 0, red positive, blue negative, one range for all filters so they
    compare) of input channel 0 (one channel) or of the mean over channels.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        describe(self, "Learned filters",
                     "The first layer's filters: each is a small pattern of weights the network learned "
                     "and slides over the image looking for it.")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("Filters caption")
        self.map_view = FeatureMapView()
        self.map_view.describe("Learned filters", self.toolTip())
        self.hover_label = QLabel(" ")
        self.hover_label.setAccessibleName("Hovered weight")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.map_view, 1)
        layout.addWidget(self.hover_label)
        self._kernel: np.ndarray | None = None
        self._shown: np.ndarray | None = None
        self.map_view.pixel_hovered.connect(self._on_pixel_hovered)
        self.map_view.hover_left.connect(self._on_hover_left)
        self.clear()

    def set_weights(self, kernel: np.ndarray, *, layer_name: str = "") -> None:
        """Show a Conv2D kernel (kh, kw, c_in, c_out); never written."""
        w = np.asarray(kernel, dtype=np.float32)
        if w.ndim != 4 or 0 in w.shape:
            raise ValueError(f"a Conv2D kernel is (kh, kw, c_in, c_out), got shape {np.shape(kernel)}")
        kh, kw, c_in, c_out = w.shape
        labels = [f"filter {i}" for i in range(c_out)]
        of = f" of {layer_name}" if layer_name else ""
        size = f"{kh}\u00d7{kw}\u00d7{c_in}"
        if c_in == 3:
            # Each filter on its own scale, zero = mid grey: channel colours are comparable
            # within a filter, and a negative weight is darker than grey, never clipped.
            absmax = np.abs(w).max(axis=(0, 1, 2))
            absmax = np.where(absmax > 0, absmax, 1.0)
            rgb = 0.5 + w / (2.0 * absmax)
            tiles = [np.ascontiguousarray(rgb[:, :, :, i]) for i in range(c_out)]
            self._shown = np.stack(tiles)
            self.map_view.set_rgb(tiles, labels)
            how = "in colour (red, green, blue weights), each filter scaled on its own: grey = 0"
        else:
            maps = np.ascontiguousarray(w[:, :, 0, :] if c_in == 1 else w.mean(axis=2))
            self._shown = maps
            self.map_view.set_maps(maps, labels, signed=True)
            how = ("white = 0, red = positive weight, blue = negative weight" if c_in == 1 else
                   f"mean over the {c_in} input channels; white = 0, red positive, blue negative")
        self._kernel = w
        self.caption.setText(f"{_plural(c_out, 'learned filter')} of {size}{of}: {how}.")

    def clear(self, message: str = "No trained filters yet: start training to watch them form.") -> None:
        """Show ``message`` instead of filters."""
        self._kernel = self._shown = None
        self.caption.setText("")
        self.map_view.set_message(message)

    def message(self) -> str | None:
        return self.map_view.message()

    def filter_count(self) -> int:
        """The number of filters shown (0 when empty)."""
        info = self.map_view.layout_info
        return 0 if info is None or self._kernel is None else info.count

    def _on_pixel_hovered(self, index: int, y: int, x: int) -> None:
        if self._kernel is None:
            return
        weights = self._kernel[y, x, :, index]
        values = ", ".join(tick_text(float(v)) for v in weights[:3])
        more = ", \u2026" if weights.size > 3 else ""
        self.hover_label.setText(f"filter {index}, row {y}, column {x}: weight {values}{more}")

    def _on_hover_left(self) -> None:
        self.hover_label.setText(" ")


# --------------------------------------------------------------------------
# ConfusionView
# --------------------------------------------------------------------------

def _message_label() -> QLabel:
    """The centred, wrapped sentence a view shows in place of its content ("No model yet", ...)."""
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


def _blend(rgb: tuple[int, int, int], strength: float) -> QColor:
    s = min(1.0, max(0.0, strength))
    return QColor(*(round(255 + (c - 255) * s) for c in rgb))


_DIAGONAL_RGB = (33, 102, 172)
_MISTAKE_RGB = (178, 24, 43)


def confusion_tooltip(true_name: str, predicted_name: str, count: int) -> str:
    """``"true 4, predicted 9: 12 images"``."""
    return f"true {true_name}, predicted {predicted_name}: {_plural(int(count), 'image')}"


class _ConfusionModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.names: tuple[str, ...] = ()
        self._colours: list[list[QColor]] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_data(self, matrix: np.ndarray, names: tuple[str, ...]) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.names = names
        k = matrix.shape[0]
        totals = matrix.sum(axis=1, keepdims=True).astype(np.float64)
        frac = matrix / np.where(totals > 0, totals, 1.0)
        off = frac.copy()
        np.fill_diagonal(off, 0.0)
        worst = off.max() if off.size else 0.0
        colours = []
        for r in range(k):
            line = []
            for c in range(k):
                if r == c:
                    line.append(_blend(_DIAGONAL_RGB, 0.12 + 0.88 * frac[r, c]))
                elif matrix[r, c] > 0 and worst > 0:
                    # Mistakes on their own scale (the worst confusion is darkest), so they stand
                    # out even when the diagonal holds 99% of the images.
                    line.append(_blend(_MISTAKE_RGB, 0.10 + 0.80 * off[r, c] / worst))
                else:
                    line.append(QColor(255, 255, 255))
            colours.append(line)
        self._colours = colours
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # Qt override
        return 0 if parent.isValid() else self.matrix.shape[0]

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # Qt override
        return 0 if parent.isValid() else self.matrix.shape[1]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):  # Qt override
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        n = int(self.matrix[r, c])
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{n:,}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return confusion_tooltip(self.names[r], self.names[c], n)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._colours[r][c]
        if role == Qt.ItemDataRole.ForegroundRole:
            bg = self._colours[r][c]
            if n == 0:
                return QColor(170, 170, 170)
            return QColor(255, 255, 255) if bg.lightnessF() < 0.6 else QColor(20, 20, 24)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole and r == c:
            return self._bold
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):  # Qt override
        if not (0 <= section < len(self.names)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.names[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            which = "predicted" if orientation == Qt.Orientation.Horizontal else "true"
            return f"{which} class {self.names[section]}"
        return None


class ConfusionView(QWidget):
    """The confusion matrix: rows = true class, columns = predicted class, counts in the cells.

    The diagonal (correct) is blue, darker for a larger share of its row;
    mistakes are red on their own scale, the most frequent confusion darkest.
    Hover a cell for ``"true 4, predicted 9: 12 images"``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        describe(self, "Confusion matrix",
                     "How often each true class (row) was predicted as each class (column): "
                     "the diagonal is correct, everything else a mistake.")
        self.caption = QLabel()
        self.caption.setAccessibleName("Accuracy")
        self.axes_label = QLabel("rows = true class \u2193, columns = predicted class \u2192; "
                                 "blue diagonal = correct, red = mistakes")
        self.axes_label.setWordWrap(True)
        self.model = _ConfusionModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Confusion matrix cells")
        self.table.setToolTip(self.toolTip())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(True)
        self.table.setGridStyle(Qt.PenStyle.SolidLine)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(22)
            header.setHighlightSections(False)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        # Headers do not elide by default: a long name would be cut at both ends.
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.message_label = _message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.caption.setContentsMargins(4, 2, 4, 0)
        self.axes_label.setContentsMargins(4, 0, 4, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.axes_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label, 1)
        self.clear()
        follow_font(self, self._apply_font)

    def _apply_font(self, font: QFont) -> None:
        """A bold caption a little larger than the text, and slightly larger counts, at every UI scale."""
        self.caption.setFont(scaled_font(font, 1.15, bold=True))
        self.table.setFont(scaled_font(font, 1.05))

    def set_confusion(self, matrix: np.ndarray, class_names: Sequence[str] = ()) -> None:
        """Show a (K, K) count matrix (rows = true class); names default to 0..K-1."""
        m = np.asarray(matrix)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"a confusion matrix is (K, K), got shape {m.shape}")
        m = np.rint(np.nan_to_num(m.astype(np.float64))).astype(np.int64)   # a private copy
        k = m.shape[0]
        names = tuple(str(n) for n in class_names)
        if len(names) != k:
            names = tuple(str(i) for i in range(k))
        self.model.set_data(m, names)
        total, correct = int(m.sum()), int(np.trace(m))
        if total:
            self.caption.setText(f"Accuracy {100.0 * correct / total:.1f}%: "
                                 f"{correct:,} of {_plural(total, 'image')} on the diagonal")
        else:
            self.caption.setText("No images counted")
        for widget in (self.caption, self.axes_label, self.table):
            widget.setVisible(True)
        self.message_label.setVisible(False)

    def clear(self, message: str = "The confusion matrix appears when training has finished.") -> None:
        """Show ``message`` instead of the matrix."""
        self.model.set_data(np.zeros((0, 0), dtype=np.int64), ())
        self.message_label.setText(message)
        for widget in (self.caption, self.axes_label, self.table):
            widget.setVisible(False)
        self.message_label.setVisible(True)

    def accuracy(self) -> float | None:
        """Fraction on the diagonal, None when empty."""
        total = int(self.model.matrix.sum())
        return int(np.trace(self.model.matrix)) / total if total else None

    def cell_tooltip(self, true_class: int, predicted_class: int) -> str:
        """The tooltip of one cell."""
        return self.model.data(self.model.index(true_class, predicted_class), Qt.ItemDataRole.ToolTipRole)

    def cell_count(self) -> int:
        return self.model.rowCount() * self.model.columnCount()


# --------------------------------------------------------------------------
# GalleryView
# --------------------------------------------------------------------------

def thumbnail_pixmap(image: np.ndarray, size: int = 48) -> QPixmap:
    """A crisp thumbnail: scaled by a whole factor (nearest) to about ``size`` pixels."""
    arr = _as_hwc(image)
    h, w, c = arr.shape
    img = _to_unit_float(arr)
    u8 = np.ascontiguousarray(np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8))
    if c == 3:
        qimage = QImage(u8.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    else:
        grey = np.ascontiguousarray(u8[:, :, 0])
        qimage = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    factor = max(1, round(size / max(h, w)))
    return QPixmap.fromImage(qimage.scaled(w * factor, h * factor, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation))


class _ThumbList(QListWidget):
    """Icon grid; Enter or Space on the current thumbnail counts as a click."""

    activated_by_key = Signal(QListWidgetItem)

    def keyPressEvent(self, event) -> None:  # Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.currentItem():
            self.activated_by_key.emit(self.currentItem())
            return
        super().keyPressEvent(event)


class GalleryView(QWidget):
    """A grid of small clickable thumbnails (e.g. the misclassified test images).

    Signals
    -------
    image_clicked(int)
        The dataset index of the thumbnail clicked (or activated with Enter/Space).
    """

    image_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, limit: int = 60, thumb_size: int = 48,
                 empty_text: str = "No misclassified images.") -> None:
        super().__init__(parent)
        describe(self, "Image gallery",
                     "Test images the model got wrong, most confident mistakes first: click one to "
                     "see how each layer saw it.")
        self.limit = int(limit)
        self.thumb_size = int(thumb_size)
        self.empty_text = empty_text
        self.list = _ThumbList()
        describe(self.list, "Thumbnails", self.toolTip())
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setUniformItemSizes(True)
        self.list.setDragEnabled(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.itemClicked.connect(self._on_item_clicked)
        self.list.activated_by_key.connect(self._on_item_clicked)
        self.more_label = QLabel()
        self.more_label.setAccessibleName("Images not shown")
        self.message_label = _message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.more_label)
        layout.addWidget(self.message_label, 1)
        self._indices: list[int] = []
        self.clear()
        follow_font(self, lambda _font: self._fit_grid())

    def _fit_grid(self) -> None:
        """Room for each thumbnail and two lines of caption in the list's font (the UI scale)."""
        icon = self.list.iconSize()
        metrics = QFontMetrics(self.list.font())
        self.list.setGridSize(QSize(max(icon.width(), 40) + 14, icon.height() + 2 * metrics.height() + 10))

    def set_images(self, images: np.ndarray | None, captions: Sequence[str], indices: Sequence[int]) -> None:
        """Show up to ``limit`` thumbnails of ``images`` (N, H, W, C) with captions and dataset indices.

        None or no images shows ``empty_text``.
        """
        arr = np.zeros((0, 1, 1, 1), np.float32) if images is None else np.asarray(images)
        n = 0 if arr.size == 0 else arr.shape[0]
        if n and arr.ndim not in (3, 4):
            raise ValueError(f"images must be (N, H, W) or (N, H, W, C), got shape {arr.shape}")
        if len(indices) < n:
            raise ValueError(f"{n} images but only {len(indices)} indices")
        if n == 0:
            self.clear(self.empty_text)
            return
        shown = min(n, self.limit)
        h, w = arr.shape[1], arr.shape[2]
        factor = max(1, round(self.thumb_size / max(h, w)))
        self.list.setIconSize(QSize(w * factor, h * factor))
        self._fit_grid()
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        self._indices = [int(i) for i in indices[:shown]]
        for i in range(shown):
            caption = str(captions[i]) if i < len(captions) else ""
            item = QListWidgetItem(thumbnail_pixmap(arr[i], self.thumb_size), caption)
            item.setData(Qt.ItemDataRole.UserRole, self._indices[i])
            item.setToolTip(f"{caption}\ntest image {self._indices[i]}: click to see how each layer saw it"
                            .strip())
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.list.addItem(item)
        self.list.setUpdatesEnabled(True)
        hidden = n - shown
        self.more_label.setText(f"+{hidden:,} more (the first {shown} shown)" if hidden else "")
        self.more_label.setVisible(bool(hidden))
        self.list.setVisible(True)
        self.message_label.setVisible(False)

    def clear(self, message: str | None = None) -> None:
        """No thumbnails; show ``message`` (default: ``empty_text``)."""
        self.list.clear()
        self._indices = []
        self.message_label.setText(self.empty_text if message is None else message)
        self.message_label.setVisible(True)
        self.list.setVisible(False)
        self.more_label.setVisible(False)

    def message(self) -> str | None:
        return self.message_label.text() if not self.list.isVisibleTo(self) else None

    def thumbnail_count(self) -> int:
        return self.list.count()

    def shown_indices(self) -> list[int]:
        """Dataset indices of the thumbnails, in order."""
        return list(self._indices)

    def thumbnail_rect(self, i: int) -> QRect:
        """Where thumbnail ``i`` is, in ``self.list.viewport()`` coordinates."""
        return self.list.visualItemRect(self.list.item(i))

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        if index is not None:
            self.image_clicked.emit(int(index))


# --------------------------------------------------------------------------
# ProbabilityBars
# --------------------------------------------------------------------------

class _FitLabel(QLabel):
    """One bold centred line whose font shrinks to fit the width (never above ``scale`` × the text).

    So a long class name ("Ankle boot — 97.0%") never sets a wide minimum for the window.
    The owner passes its font to :meth:`set_base_font` (and again when the UI scale changes).
    """

    def __init__(self, scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = float(scale)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.set_base_font(self.font())

    def set_base_font(self, font: QFont) -> None:
        """The full size is ``scale`` times `font`."""
        self._full_font = scaled_font(font, self._scale, bold=True)
        self._max_pt = self._full_font.pointSizeF()
        self.setFont(self._full_font)
        self.setFixedHeight(QFontMetrics(self._full_font).height() + 4)   # no jump when the font shrinks
        self._fit()

    def minimumSizeHint(self) -> QSize:  # Qt override
        return QSize(16, self.height())

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(QFontMetrics(self._full_font).horizontalAdvance(self.text()) + 12, self.height())

    def setText(self, text: str) -> None:  # Qt override
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        needed = QFontMetrics(self._full_font).horizontalAdvance(self.text())
        room = self.contentsRect().width() - 8
        size = self._max_pt if needed <= room or needed <= 0 else max(8.0, self._max_pt * room / needed)
        if abs(self.font().pointSizeF() - size) > 0.2:
            font = QFont(self._full_font)
            font.setPointSizeF(size)
            self.setFont(font)


class ProbabilityBars(QWidget):
    """The class probabilities as bars, with the top guess in large type ("7 — 98.2%").

    Made to be read from the back of a room: big guess, class names half as
    big again as the text (14 pt at 9 pt; smaller only when the bars are too
    thin), the top bar in orange and the rest in blue. Sizes follow the UI scale.
    """

    def __init__(self, parent: QWidget | None = None, *, guess_scale: float = GUESS_SCALE,
                 names_scale: float = CLASS_NAMES_SCALE) -> None:
        super().__init__(parent)
        describe(self, "Class probabilities",
                     "Softmax turns the network's last outputs into probabilities that add up to 100%; "
                     "the longest bar is its guess.")
        self.guess_label = _FitLabel(guess_scale)
        self.guess_label.setAccessibleName("Top guess")
        set_colours(self.guess_label, QColor(*TOP_RGB))
        self.guess_label.setToolTip("The class with the highest probability, and that probability.")
        self.bars = _Bars("Probability bars", self.toolTip(), dark=False, font_scale=names_scale)
        self.message_label = _message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.guess_label)
        layout.addWidget(self.bars, 1)
        layout.addWidget(self.message_label, 1)
        self.clear()
        follow_font(self, lambda font: self._apply_font(font, names_scale))

    def _apply_font(self, font: QFont, names_scale: float) -> None:
        """Big guess and class-name-sized message, relative to the window's text (the UI scale)."""
        self.guess_label.set_base_font(font)
        self.message_label.setFont(scaled_font(font, names_scale))

    def set_probabilities(self, probabilities: np.ndarray, class_names: Sequence[str] = ()) -> None:
        """Show (K,) probabilities; names default to 0..K-1."""
        p = np.asarray(probabilities, dtype=np.float64).ravel()
        if p.size == 0:
            self.clear("The model gave no probabilities.")
            return
        names = tuple(str(n) for n in class_names)
        if len(names) != p.size:
            names = tuple(str(i) for i in range(p.size))
        self.bars.set_values(p, names, percent=True)
        top = self.bars.top_index()
        text = f"{names[top]} \u2014 {100.0 * p[top]:.1f}%"
        if self.guess_label.text() != text:
            self.guess_label.setText(text)
        if not self.bars.isVisibleTo(self):
            self.bars.setVisible(True)
            self.guess_label.setVisible(True)
            self.message_label.setVisible(False)

    def clear(self, message: str = "Draw a digit to see what the network thinks it is.") -> None:
        """Show ``message`` instead of bars."""
        self.guess_label.setText("")
        self.message_label.setText(message)
        self.bars.setVisible(False)
        self.guess_label.setVisible(False)
        self.message_label.setVisible(True)

    def guess_text(self) -> str:
        """The large top-guess text ("" when cleared)."""
        return self.guess_label.text()

    def bar_values(self) -> np.ndarray:
        """The bar lengths shown (the probabilities), a copy."""
        return self.bars.values()

    def message(self) -> str | None:
        return self.message_label.text() if self.message_label.isVisibleTo(self) else None


# --------------------------------------------------------------------------
# AugmentationPreview
# --------------------------------------------------------------------------

class AugmentationPreview(QWidget):
    """A small grid of augmented variants of one training image (made by the caller)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tip = ("Augmentation: each epoch the network sees randomly rotated, shifted and zoomed copies "
               "of the training images, so it learns the digit, not its exact position.")
        describe(self, "Augmentation preview", tip)
        self.canvas = _Canvas("Augmented variants", tip, max_scale=6.0)
        self.canvas.tooltip_provider = self._tooltip
        self.message_label = _message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        self.layout_info: Layout | None = None
        self.clear()

    def set_images(self, images: np.ndarray) -> None:
        """Show (N, H, W, C) (or (N, H, W)) images in [0, 1] as a near-square grid."""
        arr = np.asarray(images)
        if arr.ndim == 3:
            arr = arr[..., None]
        if arr.ndim != 4:
            raise ValueError(f"images must be (N, H, W) or (N, H, W, C), got shape {np.shape(images)}")
        n, h, w, c = arr.shape
        if n == 0 or h == 0 or w == 0 or c == 0:
            self.clear("No augmented images to show.")
            return
        layout = mosaic_layout(n, h, w, aspect=1.0)
        self.layout_info = layout
        if c == 3:
            mosaic = build_rgb_mosaic([_to_unit_float(im) for im in arr], layout)
            self.canvas.set_mosaic(mosaic, None, layout)
        else:
            maps = np.moveaxis(_to_unit_float(arr[..., 0]), 0, -1)     # (H, W, N), a copy
            mosaic = build_mosaic(maps, layout, (0.0, 1.0))
            self.canvas.set_mosaic(mosaic, GREY_LUT, layout)
        self.canvas.setVisible(True)
        self.message_label.setVisible(False)

    def clear(self, message: str = "Turn on augmentation to preview it.") -> None:
        """Show ``message`` instead of the grid."""
        self.layout_info = None
        self.canvas.clear_image()
        self.canvas.setVisible(False)
        self.message_label.setText(message)
        self.message_label.setVisible(True)

    def tile_count(self) -> int:
        return 0 if self.layout_info is None else self.layout_info.count

    def _tooltip(self, x: float, y: float) -> str | None:
        hit = None if self.layout_info is None else tile_at(self.layout_info, x, y)
        return None if hit is None else f"augmented variant {hit[0] + 1}"
