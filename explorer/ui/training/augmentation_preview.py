"""A small grid of augmented variants of one training image: what augmentation shows the network."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from explorer.core.render.inputs import to_unit_float
from explorer.core.render.layout import Layout, mosaic_layout, tile_at
from explorer.core.render.luts import GREY_LUT
from explorer.core.render.mosaic import build_mosaic, build_rgb_mosaic
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.message_label import message_label
from explorer.ui.widgets.mosaic_canvas import MosaicCanvas

__all__ = ["AugmentationPreview"]

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
        """The number of variants shown (0 when empty)."""
        return 0 if self.layout_info is None else self.layout_info.count

    def _tooltip(self, x: float, y: float) -> str | None:
        hit = None if self.layout_info is None else tile_at(self.layout_info, x, y)
        return None if hit is None else f"augmented variant {hit[0] + 1}"
