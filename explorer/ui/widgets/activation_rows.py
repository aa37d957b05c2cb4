"""The rows of the activations column: one layer's caption, colour-scale note and picture each.

* :class:`MapsRow` - (H, W, C) outputs, one tile per channel;
* :class:`StripRow` - flat outputs, a wide band of cells read row by row;
* :class:`BarsRow` - a final Dense layer of at most 20 units, one labelled bar per class;
* :class:`InputRow` - the image the network is given.

A row is made once per architecture; :meth:`LayerRow.update_output` then
only replaces its picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from explorer.core.numbers import tick_text
from explorer.core.render.inputs import as_hwc, to_unit_float
from explorer.core.render.layout import auto_spacing, mosaic_layout, strip_shape, tile_at
from explorer.core.render.levels import finite_extrema, signed_from_extrema
from explorer.core.render.luts import GREY_LUT
from explorer.core.render.mosaic import build_mosaic
from explorer.ui.widgets.class_bars import ClassBars
from explorer.ui.widgets.dark_panel import LABEL_RGB
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.mosaic_canvas import MosaicCanvas
from explorer.ui.widgets.painted_text import ElidedLabel

__all__ = ["BAR_ROW_LINES", "BarsRow", "InputRow", "LayerRow", "MapsRow", "ROW_ASPECT", "StripRow", "layer_caption"]

# Width / height of the grid chosen for an activation mosaic: wide rows keep
# the column short enough to scroll through a whole network.
ROW_ASPECT = 3.0
INPUT_ROW_MAX_HEIGHT = 150
BAR_ROW_LINES = 1.36                # height of one bar in the activations column, in lines of text (19 px at 9 pt)
DENSE_NAMES_SCALE = 1.05            # class names beside the last Dense layer's bars, relative to the text
_SCALE_RGB = (190, 196, 204)

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
    """Caption of one activation row.

    Parameters
    ----------
    name, kind : str
        The layer's name and class name.
    shape : sequence of int
        Its output shape for one image.

    Returns
    -------
    str
        e.g. ``"conv2d (Conv2D) → 26×26×32"``.
    """
    dims = "×".join(str(int(n)) for n in shape) or "scalar"
    return f"{name} ({kind}) \u2192 {dims}"


def _scale_text(levels_half: float, lo: float) -> str:
    if not math.isfinite(levels_half) or levels_half <= 1e-9:
        return "all zero"
    m = tick_text(levels_half)
    if lo < 0:
        return f"blue \u2212{m} \u00b7 white 0 \u00b7 red +{m}"
    return f"white 0 \u2192 red {m}"


class LayerRow(QWidget):
    """Caption, colour-scale note and body of one layer; made once per architecture."""

    kind = "maps"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], body: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_name, self.layer_kind, self.shape = name, kind, tuple(shape)
        tip = _KIND_TIPS.get(kind, _DEFAULT_TIP)
        # The caption keeps up to 260 px; the colour-scale note gives way first.
        self.caption = ElidedLabel(layer_caption(name, kind, shape), LABEL_RGB, bold=True, keep_px=260)
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
        """Draw the layer's output for a new image (read, never written)."""
        raise NotImplementedError

    def tile_count(self) -> int:
        """How many tiles, cells or bars the row shows."""
        raise NotImplementedError


class MapsRow(LayerRow):
    """(H, W, C): one tile per channel."""

    kind = "maps"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], parent: QWidget | None = None) -> None:
        h, w, c = shape
        canvas = MosaicCanvas(f"{name} channels",
                              f"The {c} channels of {name}, one tile each: white = 0, red = positive, "
                              "blue = negative; hover a tile for its value.")
        super().__init__(name, kind, shape, canvas, parent)
        gap, _ = auto_spacing(h, w)
        self.layout_info = mosaic_layout(c, h, w, gap=gap if c > 1 else 0, aspect=ROW_ASPECT)
        canvas.tooltip_provider = self._tooltip

    def update_output(self, output: np.ndarray) -> None:
        self._output = output
        lows, highs = finite_extrema(np.asarray(output, dtype=np.float32))
        levels = signed_from_extrema(lows, highs, "shared")[0]
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


class StripRow(LayerRow):
    """(N,): N cells laid out as a wide band, read row by row."""

    kind = "strip"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], parent: QWidget | None = None) -> None:
        n = int(np.prod(shape))
        canvas = MosaicCanvas(f"{name} units",
                              f"The {n} values of {name}, one cell each, read left to right and row by row: "
                              "white = 0, red = positive, blue = negative.",
                              max_scale=28.0)
        super().__init__(name, kind, shape, canvas, parent)
        self.count = n
        self.rows, self.cols = strip_shape(n)
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
        lows, highs = finite_extrema(column)
        m = float(signed_from_extrema(lows, highs, "shared")[0, 1])
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


class BarsRow(LayerRow):
    """The last Dense layer of at most 20 units: one labelled bar per class."""

    kind = "bars"

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], parent: QWidget | None = None) -> None:
        n = int(np.prod(shape))
        bars = ClassBars(f"{name} outputs",
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
        """Label the bars (index order) and redraw the last output with them."""
        self.class_names = tuple(str(n) for n in names)
        if self._output is not None:
            self.update_output(self._output)

    def tile_count(self) -> int:
        return self.count


class InputRow(LayerRow):
    """The input image (grey for one channel, colour for three)."""

    kind = "input"

    def __init__(self, parent: QWidget | None = None) -> None:
        canvas = MosaicCanvas("Input image", "The image the network is classifying.",
                              max_scale=8.0, max_height=INPUT_ROW_MAX_HEIGHT)
        super().__init__("input", "InputLayer", (), canvas, parent)
        self.scale_label.setText("black 0 \u2192 white 1")
        canvas.tooltip_provider = self._tooltip

    def update_output(self, image: np.ndarray) -> None:
        arr = as_hwc(image)
        shape = arr.shape
        if shape != self.shape:
            self.shape = shape
            self.caption.setText(f"input \u2192 {'×'.join(str(n) for n in shape)}")
        img = to_unit_float(arr)
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
