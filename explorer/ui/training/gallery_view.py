"""A grid of small clickable thumbnails: the test images the model got wrong, or those of one confusion cell."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.render.inputs import as_hwc, to_unit_float
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.message_label import message_label
from explorer.ui.widgets.text_style import follow_font

__all__ = ["GalleryView", "thumbnail_pixmap"]

def thumbnail_pixmap(image: np.ndarray, size: int = 48) -> QPixmap:
    """A crisp thumbnail of an image.

    Parameters
    ----------
    image : ndarray
        (H, W) or (H, W, C) with C = 1 or 3; uint8 or floats (see
        :func:`~explorer.core.render.inputs.to_unit_float`).
    size : int
        About how many pixels the longer side becomes.

    Returns
    -------
    QPixmap
        Scaled by a whole factor (nearest neighbour), so pixels stay sharp.
    """
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
    back_requested()
        The back button (shown with :meth:`set_title` ``back=...``) was pressed.
    """

    image_clicked = Signal(int)
    back_requested = Signal()

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
        # What the thumbnails are ("true 3, predicted 5: 12 images") and the way back to the rest.
        self.title_label = QLabel()
        self.title_label.setAccessibleName("Gallery title")
        self.title_label.setWordWrap(True)
        self.back_button = QPushButton()
        describe(self.back_button, "Back", "Show the images the gallery showed before.")
        self.back_button.clicked.connect(self.back_requested)
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 0, 0)
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.back_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(title_row)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.more_label)
        layout.addWidget(self.message_label, 1)
        self._indices: list[int] = []
        self.set_title("")
        self.clear()
        follow_font(self, lambda _font: self._fit_grid())

    def _fit_grid(self) -> None:
        """Room for each thumbnail and two lines of caption in the list's font (the UI scale)."""
        icon = self.list.iconSize()
        metrics = QFontMetrics(self.list.font())
        self.list.setGridSize(QSize(max(icon.width(), 40) + 14, icon.height() + 2 * metrics.height() + 10))

    def set_images(self, images: np.ndarray | None, captions: Sequence[str], indices: Sequence[int], *,
                   total: int | None = None) -> None:
        """Show up to ``limit`` thumbnails of ``images`` (N, H, W, C) with captions and dataset indices.

        None or no images shows ``empty_text``. `total` is how many images
        there are in all when `images` holds only the first few (default N).
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
        hidden = max(n if total is None else int(total), n) - shown
        self.more_label.setText(f"+{hidden:,} more (the first {shown} shown)" if hidden else "")
        self.more_label.setVisible(bool(hidden))
        self.list.setVisible(True)
        self.message_label.setVisible(False)

    def set_title(self, title: str, *, back: str = "") -> None:
        """Say above the thumbnails what they are; `back` is the back button's text ("": no button)."""
        self.title_label.setText(title)
        self.title_label.setVisible(bool(title))
        self.back_button.setText(back)
        self.back_button.setVisible(bool(back))

    def title(self) -> str:
        """The title shown above the thumbnails ("" for none)."""
        return self.title_label.text()

    def clear(self, message: str | None = None) -> None:
        """No thumbnails; show ``message`` (default: ``empty_text``)."""
        self.list.clear()
        self._indices = []
        self.message_label.setText(self.empty_text if message is None else message)
        self.message_label.setVisible(True)
        self.list.setVisible(False)
        self.more_label.setVisible(False)

    def message(self) -> str | None:
        """The message shown instead of thumbnails, or None when thumbnails are shown."""
        return self.message_label.text() if not self.list.isVisibleTo(self) else None

    def thumbnail_count(self) -> int:
        """The number of thumbnails shown."""
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
