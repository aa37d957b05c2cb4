"""The first convolution layer's learned filters, as a labelled mosaic that reports the hovered weight."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.core.numbers import plural, tick_text
from explorer.ui.widgets.feature_maps import FeatureMapView
from explorer.ui.widgets.help_text import describe

__all__ = ["FiltersView"]

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

    def set_weights(self, kernel: np.ndarray, *, layer_name: str = "", moment: str = "") -> None:
        """Show a Conv2D kernel (kh, kw, c_in, c_out); never written.

        `moment` says when in a run they were so (a replay), e.g. "epoch 2, batch 300 of 844".
        """
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
        when = f" as they were at {moment}" if moment else ""
        self.caption.setText(f"{plural(c_out, 'learned filter')} of {size}{of}{when}: {how}.")

    def clear(self, message: str = "No trained filters yet: start training to watch them form.") -> None:
        """Show ``message`` instead of filters."""
        self._kernel = self._shown = None
        self.caption.setText("")
        self.map_view.set_message(message)

    def message(self) -> str | None:
        """The message shown instead of filters, or None when filters are shown."""
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
