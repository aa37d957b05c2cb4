"""Views of a trained (or training) network: what it learned and how it does.

* :class:`FiltersView` - the first convolution layer's learned filters;
* :class:`ConfusionView` - the test set's confusion matrix with counts in the cells;
* :class:`GalleryView` - clickable thumbnails (the misclassified test images);
* :class:`ProbabilityBars` - the class probabilities for the drawing pad, with
  the top guess in large type;
* :class:`AugmentationPreview` - a small grid of augmented variants of one image.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from explorer.core.counts import plural
from explorer.core.numbers import tick_text
from explorer.core.render.inputs import as_hwc, to_unit_float
from explorer.core.render.layout import Layout, mosaic_layout, tile_at
from explorer.core.render.luts import GREY_LUT
from explorer.core.render.mosaic import build_mosaic, build_rgb_mosaic
from explorer.ui.widgets.class_bars import TOP_RGB, ClassBars
from explorer.ui.widgets.feature_maps import FeatureMapView
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.message_label import message_label
from explorer.ui.widgets.mosaic_canvas import MosaicCanvas
from explorer.ui.widgets.text_style import follow_font, scaled_font, set_colours

__all__ = [
    "AugmentationPreview",
    "ConfusionView",
    "FiltersView",
    "GalleryView",
    "ProbabilityBars",
]


GUESS_SCALE = 4.4                   # the drawing pad's top guess (40 pt at 9 pt)
CLASS_NAMES_SCALE = 1.55            # the drawing pad's class names (14 pt at 9 pt)


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# ActivationsView
# --------------------------------------------------------------------------


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
        self.caption.setText(f"{plural(c_out, 'learned filter')} of {size}{of}: {how}.")

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


def _blend(rgb: tuple[int, int, int], strength: float) -> QColor:
    s = min(1.0, max(0.0, strength))
    return QColor(*(round(255 + (c - 255) * s) for c in rgb))


_DIAGONAL_RGB = (33, 102, 172)
_MISTAKE_RGB = (178, 24, 43)


def confusion_tooltip(true_name: str, predicted_name: str, count: int) -> str:
    """``"true 4, predicted 9: 12 images"``."""
    return f"true {true_name}, predicted {predicted_name}: {plural(int(count), 'image')}"


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
        self.message_label = message_label()
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
                                 f"{correct:,} of {plural(total, 'image')} on the diagonal")
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
    arr = as_hwc(image)
    h, w, c = arr.shape
    img = to_unit_float(arr)
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
        self.message_label = message_label()
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
        self.bars = ClassBars("Probability bars", self.toolTip(), dark=False, font_scale=names_scale)
        self.message_label = message_label()
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
        self.canvas = MosaicCanvas("Augmented variants", tip, max_scale=6.0)
        self.canvas.tooltip_provider = self._tooltip
        self.message_label = message_label()
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
            mosaic = build_rgb_mosaic([to_unit_float(im) for im in arr], layout)
            self.canvas.set_mosaic(mosaic, None, layout)
        else:
            maps = np.moveaxis(to_unit_float(arr[..., 0]), 0, -1)     # (H, W, N), a copy
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
