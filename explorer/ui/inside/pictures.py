"""Images and heat maps as crisp pixmaps, and the grid of captioned thumbnails the Inside views show them in."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem

from explorer.core.render.inputs import as_hwc
from explorer.core.render.luts import DIVERGING_LUT, lut_from_anchors, lut_index
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.text_style import follow_font

__all__ = ["HEAT_LUT", "ImageGrid", "heat_rgb", "html_image", "pixmap", "signed_rgb"]

#: Heat maps: black (nothing) to yellow (most), "inferno"; readable in both themes and colour-blind safe.
HEAT_LUT = lut_from_anchors(("#000004", "#420a68", "#932667", "#dd513a", "#fca50a", "#fcffa4"))


def _unit(image: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(np.asarray(image, np.float32)), 0.0, 1.0)


def heat_rgb(heat: np.ndarray, image: np.ndarray | None = None, *, alpha: float = 0.65) -> np.ndarray:
    """A heat map (H, W) scaled to its maximum, coloured, over a grey copy of `image` if given.

    Returns
    -------
    ndarray
        (H, W, 3) float32 in [0, 1].
    """
    values = np.nan_to_num(np.asarray(heat, np.float32))
    top = float(values.max()) if values.size else 0.0
    scaled = values / top if top > 1e-12 else np.zeros_like(values)
    rgb = HEAT_LUT[lut_index(scaled)].astype(np.float32) / 255.0
    if image is None:
        return rgb
    grey = _unit(as_hwc(image)).mean(axis=2, keepdims=True)
    return (1 - alpha) * grey + alpha * rgb


def signed_rgb(values: np.ndarray, image: np.ndarray | None = None, *, alpha: float = 0.8) -> np.ndarray:
    """A signed map coloured blue (negative), white (zero), red (positive), scaled to its largest magnitude.

    With `image`, a grey copy of it shows through (1 - `alpha`), so the map can be read against the strokes.
    """
    v = np.nan_to_num(np.asarray(values, np.float32))
    top = float(np.abs(v).max()) if v.size else 0.0
    scaled = 0.5 + 0.5 * (v / top if top > 1e-12 else v)
    rgb = DIVERGING_LUT[lut_index(scaled)].astype(np.float32) / 255.0
    if image is None:
        return rgb
    grey = _unit(as_hwc(image)).mean(axis=2, keepdims=True)
    return alpha * rgb + (1 - alpha) * (1 - grey)


def pixmap(image: np.ndarray, size: int) -> QPixmap:
    """An (H, W), (H, W, 1) or (H, W, 3) image in [0, 1], scaled by a whole factor to about `size` pixels."""
    arr = as_hwc(image)
    h, w, c = arr.shape
    u8 = np.ascontiguousarray((_unit(arr) * 255.0 + 0.5).astype(np.uint8))
    if c == 3:
        qimage = QImage(u8.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    else:
        grey = np.ascontiguousarray(u8[:, :, 0])
        qimage = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    factor = max(1, round(size / max(h, w)))
    return QPixmap.fromImage(qimage.scaled(w * factor, h * factor, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation))


def html_image(image: np.ndarray, size: int = 112) -> str:
    """An ``<img>`` tag holding the image as PNG data, for rich-text tooltips."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap(image, size).save(buffer, "PNG")
    return f'<img src="data:image/png;base64,{base64.b64encode(bytes(data)).decode()}">'


class ImageGrid(QListWidget):
    """Captioned thumbnails in rows that wrap with the width; clicking one emits its data.

    The thumbnails take the largest whole-pixel scale (between `size` and `largest`) at which they all
    fit the view, so a few pictures are shown large and many still fit without scrolling.

    Signals
    -------
    item_chosen(int)
        The data (e.g. a unit or a test image index) of the thumbnail clicked, or activated with Enter.
    """

    item_chosen = Signal(int)

    def __init__(self, name: str, tip: str, *, size: int = 84, largest: int = 224, caption_lines: int = 2) -> None:
        super().__init__()
        describe(self, name, tip)
        self._smallest, self._largest = int(size), int(largest)
        self._size = int(size)
        self._lines = int(caption_lines)
        self._shown: tuple = ((), (), (), ())
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setDragEnabled(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setSpacing(2)
        self.setIconSize(QSize(self._size, self._size))
        self.itemClicked.connect(self._on_item)
        self.itemActivated.connect(self._on_item)
        follow_font(self, lambda _font: self._refit())
        self._fit()

    def show_images(self, images: Sequence[np.ndarray], captions: Sequence[str], *,
                    tips: Sequence[str] = (), data: Sequence[int] = ()) -> None:
        """Replace the thumbnails: one per image, with its caption, tooltip and data."""
        self._shown = (tuple(images), tuple(captions), tuple(tips), tuple(data))
        self._size = self._best_size(len(images), images[0].shape[:2] if len(images) else (1, 1))
        self._fit()
        self._fill()

    def thumbnail_size(self) -> int:
        """The side, in pixels, the thumbnails are drawn at."""
        return self._size

    def captions(self) -> list[str]:
        """The captions shown, in order."""
        return [self.item(i).text() for i in range(self.count())]

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        images = self._shown[0]
        if images:
            size = self._best_size(len(images), images[0].shape[:2])
            if size != self._size:
                self._size = size
                self._fit()
                self._fill()
        else:
            self._fit()

    def _fill(self) -> None:
        images, captions, tips, data = self._shown
        self.setUpdatesEnabled(False)
        self.clear()
        for i, image in enumerate(images):
            item = QListWidgetItem(pixmap(image, self._size), captions[i] if i < len(captions) else "")
            item.setToolTip(tips[i] if i < len(tips) else item.text())
            item.setData(Qt.ItemDataRole.UserRole, int(data[i]) if i < len(data) else i)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.addItem(item)
        self.setUpdatesEnabled(True)

    def _cell(self, size: int) -> QSize:
        metrics = QFontMetrics(self.font())
        width = max(size + 12, metrics.horizontalAdvance("unit 000") + 12)
        return QSize(width, size + self._lines * metrics.height() + 10)

    def _best_size(self, count: int, shape) -> int:
        """The largest thumbnail side (a whole multiple of the image's longer side) at which `count` fit."""
        view = self.viewport().size()
        side = max(int(shape[0]), int(shape[1]), 1)
        best = self._smallest
        for factor in range(max(self._largest // side, 1), 0, -1):
            size = factor * side
            if size < self._smallest:
                break
            cell = self._cell(size)
            cols = max(view.width() // (cell.width() + 2 * self.spacing()), 1)
            rows = -(-count // cols)
            if rows * (cell.height() + 2 * self.spacing()) <= view.height():
                return size
        return best

    def _fit(self) -> None:
        self.setIconSize(QSize(self._size, self._size))
        self.setGridSize(self._cell(self._size))

    def _on_item(self, item: QListWidgetItem) -> None:
        self.item_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
