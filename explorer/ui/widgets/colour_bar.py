"""The colour bar under a feature-map mosaic: which value each colour stands for.

Signed maps read ``−m · 0 · +m`` (white is exactly zero), unsigned ones
``min · max``; with per-map levels the ticks say "fraction of each map's max"
or "min / max" instead of numbers, since every map has its own range.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QWidget

from explorer.core.numbers import tick_text
from explorer.core.render.luts import BACKGROUND_RGB
from explorer.ui.widgets.dark_panel import LABEL_RGB
from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.text_style import line_height, scaled_font, set_axis_font

__all__ = ["ColourBar", "colour_map"]

_BAR_PX = 14  # thickness of the colour bar itself
_TICK_SCALE = 1.1  # tick text relative to the owner's font

# pg.ColorMap per LUT (keyed by id of the module-level LUT arrays).
_COLOR_MAPS: dict[int, pg.ColorMap] = {}


def colour_map(lut: np.ndarray) -> pg.ColorMap:
    """The pyqtgraph colour map of a lookup table, made once per table.

    Parameters
    ----------
    lut : ndarray
        A (256, 3) uint8 table that lives as long as the program (a scheme's).

    Returns
    -------
    pg.ColorMap
        Cached by the table's identity: building one costs ~2 ms (one mkColor per entry).
    """
    key = id(lut)
    cmap = _COLOR_MAPS.get(key)
    if cmap is None:
        cmap = _COLOR_MAPS[key] = pg.ColorMap(np.linspace(0.0, 1.0, len(lut)), np.asarray(lut))
    return cmap


class ColourBar(pg.GraphicsLayoutWidget):
    """A horizontal colour bar with ticks and a caption, on the dark panel.

    ``bar`` is its ``pg.ColorBarItem``.  Not a control: the keyboard skips it
    (its tooltip still explains the colours).
    """

    def __init__(self, lut: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = pg.ColorBarItem(
            values=(-1.0, 1.0), width=_BAR_PX, colorMap=colour_map(lut),
            interactive=False, orientation="horizontal", colorMapMenu=False,
        )
        bar_axis = self.bar.getAxis("bottom")
        bar_axis.setTextPen(QColor(*LABEL_RGB))
        bar_axis.setPen(QColor(*LABEL_RGB))
        # The min and max ticks sit on the bar's ends; by default pyqtgraph
        # hides labels that overhang the axis, which would leave only "0".
        bar_axis.setStyle(hideOverlappingLabels=False, tickLength=-5)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        describe(self, "Colour scale", tip("colour_bar"))
        self.setBackground(QColor(*BACKGROUND_RGB))
        self.ci.setContentsMargins(0, 2, 0, 2)
        self.ci.layout.setColumnStretchFactor(0, 1)
        self.ci.layout.setColumnStretchFactor(2, 1)
        self.addItem(self.bar, row=0, col=1)
        self.bar.setMaximumWidth(340)
        self.bar.setMinimumWidth(120)
        self._text: tuple | None = None  # the ticks and caption shown

    def apply_font(self, font: QFont) -> None:
        """Size the ticks and caption from `font` (the owner's: the UI scale).

        Parameters
        ----------
        font : QFont
            The owner's font.
        """
        tick_font = scaled_font(font, _TICK_SCALE)
        set_axis_font(self.bar.getAxis("bottom"), tick_font)
        # The bar, a line of ticks and a line of caption, and pyqtgraph's spacing around them.
        self.setFixedHeight(round(_BAR_PX + 2 * line_height(tick_font) + 22))

    def show_levels(self, lut: np.ndarray, levels: np.ndarray, *, signed: bool, per_map: bool) -> None:
        """Show the scale of maps drawn through `lut` with `levels`, and show the bar.

        Parameters
        ----------
        lut : ndarray
            The (256, 3) table the maps are drawn with.
        levels : ndarray
            (K, 2) levels in use (the first row is read when they are shared).
        signed : bool
            Symmetric levels around zero (True) or min..max.
        per_map : bool
            Each map has its own levels: the ticks are fractions, not values.
        """
        cmap = colour_map(lut)
        if self.bar.colorMap() is not cmap:
            self.bar.setColorMap(cmap)
        axis = self.bar.getAxis("bottom")
        if signed and per_map:
            lo, hi = -1.0, 1.0
            ticks = [(-1.0, "\u22121"), (0.0, "0"), (1.0, "+1")]
            caption = "fraction of each map\u2019s max |value|  (per-map levels)"
        elif signed:
            hi = float(levels[0, 1])
            lo = -hi
            ticks = [(lo, tick_text(lo)), (0.0, "0"), (hi, "+" + tick_text(hi))]
            caption = "value  (one range for all maps; white = 0)"
        elif per_map:
            lo, hi = 0.0, 1.0
            ticks = [(0.0, "min"), (1.0, "max")]
            caption = "each map from its own min to max  (per-map levels)"
        else:
            lo, hi = float(levels[0, 0]), float(levels[0, 1])
            ticks = [(lo, tick_text(lo)), (hi, tick_text(hi))]
            caption = "value  (one range for all maps)"
        if self.bar.levels() != (lo, hi):
            self.bar.setLevels((lo, hi))
        if (ticks, caption) != self._text:
            # Re-laying out the axis text is the slow part; skip it when unchanged.
            axis.setTicks([ticks, []])
            axis.setLabel(caption, color="#{:02x}{:02x}{:02x}".format(*LABEL_RGB))
            self._text = (ticks, caption)
        self.setVisible(True)
