"""Horizontal bars, one per class: the class probabilities or scores of a network's last layer.

Shared by the activations column (its last Dense layer, on the dark panel)
and the drawing pad's probabilities (in the window's colours).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QWidget

from explorer.core.numbers import tick_text
from explorer.core.render.luts import BACKGROUND_RGB
from explorer.ui.widgets.dark_panel import LABEL_RGB
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.text_style import follow_font, line_height, scaled_font

__all__ = ["ClassBars", "MIN_BAR_LINES", "OTHER_RGB", "TOP_RGB"]

# The top class in orange, the others in a quiet blue (a colour-blind
# safe pair that also survives a washed-out projector).
TOP_RGB = (230, 97, 1)
OTHER_RGB = (122, 156, 198)
MIN_BAR_LINES = 0.85                # least height of a bar, in lines of text (digits have no descenders)


class ClassBars(pg.GraphicsView):
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
        self._text_colour = QColor(*LABEL_RGB)
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
            background, text = QColor(*BACKGROUND_RGB), QColor(*LABEL_RGB)
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
        """Show one bar per value, the largest in the top colour.

        Parameters
        ----------
        values : ndarray
            (K,) bar lengths; NaN and inf are drawn as 0.
        names : sequence of str
            One per bar (otherwise the bars are named 0..K-1).
        percent : bool
            Probabilities: a 0..1 axis, a track behind each bar and values
            written as percentages; otherwise scores on an axis that fits them.
        """
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
        """Index of the largest bar (-1 when there are none)."""
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
