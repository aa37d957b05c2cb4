"""Loss and accuracy curves, training and validation, updated live.

The x axis is in epochs: per-epoch values sit at whole numbers, and the
running training values within the current epoch follow between them, so the
curve moves from the first batch on. :meth:`CurvesView.show_moment` shows
the curves as they were at one moment of the run (a replay), with a marker
there; :meth:`CurvesView.show_live` goes back to the run as it is now.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QWidget

from explorer.core.train.updates import BatchDone, EpochDone, Paused, Progress, RunStarted, TrainUpdate
from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.scene_updates import settle_scene
from explorer.ui.widgets.text_style import css_size, follow_font, line_height, set_axis_font

TRAIN_PEN = pg.mkPen("#1f77b4", width=2)
VAL_PEN = pg.mkPen("#ff7f0e", width=2)
LIVE_PEN = pg.mkPen("#1f77b4", width=1, style=pg.QtCore.Qt.DashLine)
MARKER_PEN = pg.mkPen("#6a3d9a", width=2)  # the moment replayed: a colour neither curve uses
TITLE_SCALE = 1.2  # plot titles relative to the text of the window
TITLES = {"loss": "Loss", "accuracy": "Accuracy"}
# The loss axis starts above ln(10) = 2.30, the cross-entropy of an untrained guess among ten
# classes: the first batches then fit without re-ranging, which redraws the axis mid-training.
INITIAL_LOSS_TOP = 2.65
AXES_FADE = 0.35  # axes and tick values: the text colour, this far towards the background (still 7:1)


def _mix(colour: QColor, other: QColor, t: float) -> QColor:
    return QColor(*(round(a + (b - a) * t) for a, b in zip(colour.getRgb()[:3], other.getRgb()[:3])))


class CurvesView(QWidget):
    """Two plots: loss and accuracy, each with training, validation and live lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plots, self.lines, self.markers = {}, {}, {}
        for metric, title in TITLES.items():
            plot = pg.PlotWidget()  # colours from the palette: see _apply_style
            plot.showGrid(x=True, y=True, alpha=0.2)
            # Loss falls and accuracy rises to the right: each legend sits in the corner its lines leave empty.
            plot.addLegend(offset=(-5, 5) if metric == "loss" else (-5, -5))
            # The grid is drawn by the axes, across the whole plot: every new point of a live line
            # would replay both axes and the legend. Cached as pixmaps, they are redrawn only when
            # they change (the range grows, the text size changes).
            item = plot.getPlotItem()
            for part in (item.getAxis("left"), item.getAxis("bottom"), item.legend):
                part.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            describe(plot, f"{title} curves", tip(f"{metric}_curve"))
            self.plots[metric] = plot
            self.lines[metric] = plot.plot([], [], pen=TRAIN_PEN, symbol="o", symbolSize=5, name="training")
            self.lines[f"val_{metric}"] = plot.plot([], [], pen=VAL_PEN, symbol="o", symbolSize=5, name="validation")
            self.lines[f"live_{metric}"] = plot.plot([], [], pen=LIVE_PEN)
            # The replayed moment: a vertical line and rings round its values (no legend entry).
            self.lines[f"moment_{metric}"] = plot.plot([], [], pen=None, symbol="o", symbolSize=12,
                                                       symbolPen=MARKER_PEN, symbolBrush=None)
            marker = pg.InfiniteLine(angle=90, movable=False, pen=MARKER_PEN)
            marker.setVisible(False)
            plot.addItem(marker)
            self.markers[metric] = marker
            layout.addWidget(plot)
        self.reset()
        follow_font(self, self._apply_style)

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the light or dark theme
            self._apply_style(self.font())

    def _apply_style(self, font: QFont) -> None:
        """pyqtgraph reads neither the widget font nor its palette: give titles, axes and legends both."""
        palette = self.palette()
        background, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        axes = _mix(text, background, AXES_FADE)
        title_size = css_size(font, TITLE_SCALE)
        # pyqtgraph reserves a fixed 30-pixel row for the title; a bigger title needs more.
        title_h = max(30, math.ceil(line_height(font, TITLE_SCALE) * 1.6))
        for metric, plot in self.plots.items():
            plot.setBackground(background)
            item = plot.getPlotItem()
            item.setTitle(TITLES[metric], color=text.name(), size=title_size)
            item.titleLabel.setMaximumHeight(title_h)
            item.layout.setRowFixedHeight(0, title_h)
            for side in ("left", "bottom"):
                axis = item.getAxis(side)
                set_axis_font(axis, font)
                axis.setPen(axes)  # the grid too, faint
                axis.setTextPen(axes)
            item.getAxis("bottom").setLabel("epoch", color=axes.name())
            legend = item.legend
            legend.setLabelTextSize(css_size(font))
            legend.setLabelTextColor(text)
            for _sample, label in legend.items:
                label.setText(label.text)  # pyqtgraph only applies size and colour when the text is set
            legend.updateSize()

    def reset(self, epochs: int = 1) -> None:
        """Empty curves, ready for a run of `epochs` epochs.

        The ranges are set, not auto-fitted: re-ranging on every update makes
        pyqtgraph redraw its axes each time, which costs the training thread CPU.
        """
        self._live = {"loss": ([], []), "accuracy": ([], [])}
        self._trace = {"loss": ([], []), "accuracy": ([], [])}  # every running value of the run, for replay
        self._history: dict[str, tuple[float, ...]] = {}
        self._moment = None  # the moment replayed (None: live)
        self._loss_top = INITIAL_LOSS_TOP
        self._drawn: dict[str, tuple] = {}  # what each line shows: only a change is drawn again
        for key in self.lines:
            self._set_line(key, [], [])
        for marker in self.markers.values():
            marker.setVisible(False)
        for metric, plot in self.plots.items():
            plot.disableAutoRange()
            plot.setXRange(0, max(epochs, 1), padding=0.02)
            plot.setYRange(0, self._loss_top if metric == "loss" else 1, padding=0.02)

    def _grow_loss_range(self, values) -> None:
        top = max((float(v) for v in values if v == v and v != float("inf")), default=0.0)
        if top > self._loss_top:  # only grows: the axis is redrawn rarely
            self._loss_top = top * 1.15
            self.plots["loss"].setYRange(0, self._loss_top, padding=0.02)

    def show_update(self, update: TrainUpdate) -> None:
        """Draw an update's history and running metrics."""
        if (isinstance(update, (RunStarted, EpochDone)) and update.epochs
                and self.plots["loss"].viewRange()[0][1] < update.epochs):
            for plot in self.plots.values():
                plot.setXRange(0, update.epochs, padding=0.02)
        history = update.history if isinstance(update, Progress) else {}
        for key, values in history.items():
            # Batch updates repeat the history: redraw a line (and its symbols) only when it grew.
            if key in self.lines and tuple(values) != self._history.get(key):
                self._history[key] = tuple(values)
                if self._moment is None:  # while replaying, the run is drawn again on show_live
                    self._set_line(key, range(1, len(values) + 1), values)
                if "loss" in key:
                    self._grow_loss_range(values)
        if isinstance(update, EpochDone):
            self._live = {"loss": ([], []), "accuracy": ([], [])}
        if isinstance(update, (BatchDone, Paused)) and update.batches:
            x = update.epoch - 1 + update.batch / update.batches
            for metric in ("loss", "accuracy"):
                if metric in update.metrics:
                    xs, ys = self._live[metric]
                    xs.append(x)
                    ys.append(float(update.metrics[metric]))
                    self._trace[metric][0].append(x)
                    self._trace[metric][1].append(ys[-1])
                    if self._moment is None:
                        self._set_line(f"live_{metric}", xs, ys)
                    if metric == "loss":
                        self._grow_loss_range(ys[-1:])
        for plot in self.plots.values():
            settle_scene(plot)

    def show_moment(self, moment) -> None:
        """The curves as they were at `moment` (a ReplayMoment), with a marker there; live updates wait.

        The per-epoch lines end at the epochs completed by then; within an
        epoch, the running values of that epoch up to the moment follow.
        """
        self._moment = moment
        for key, values in moment.history.items():
            if key in self.lines:
                self._set_line(key, range(1, len(values) + 1), values)
        for key in self._history:
            if key in self.lines and key not in moment.history:
                self._set_line(key, [], [])
        x = moment.position
        for metric, marker in self.markers.items():
            xs, ys = self._trace[metric]
            start = moment.epoch - 1
            live = [(a, b) for a, b in zip(xs, ys) if start < a <= x + 1e-9] if not moment.epoch_end else []
            self._set_line(f"live_{metric}", [a for a, _ in live], [b for _, b in live])
            values = [(x, float(moment.metrics[key])) for key in (metric, f"val_{metric}") if key in moment.metrics]
            self._set_line(f"moment_{metric}", [a for a, _ in values], [b for _, b in values])
            marker.setValue(x)
            marker.setVisible(True)
        for plot in self.plots.values():
            settle_scene(plot)

    def show_live(self) -> None:
        """Back from a replay: the run as it is now."""
        if self._moment is None:
            return
        self._moment = None
        for key, values in self._history.items():
            if key in self.lines:
                self._set_line(key, range(1, len(values) + 1), values)
        for metric, marker in self.markers.items():
            self._set_line(f"live_{metric}", *self._live[metric])
            self._set_line(f"moment_{metric}", [], [])
            marker.setVisible(False)
        for plot in self.plots.values():
            settle_scene(plot)

    def _set_line(self, key: str, xs, ys) -> None:
        """Give line `key` these points, unless it shows them already (a redraw costs a repaint)."""
        points = (tuple(float(x) for x in xs), tuple(float(y) for y in ys))
        if self._drawn.get(key) != points:
            self._drawn[key] = points
            self.lines[key].setData(list(points[0]), list(points[1]))

    def marker_position(self) -> float | None:
        """Where the replay marker is (epochs), None while live."""
        return None if self._moment is None else float(self.markers["loss"].value())

    def data(self, key: str):
        """(x, y) of a line, for tests: "loss", "val_loss", "live_loss", "moment_loss", ..."""
        x, y = self.lines[key].getData()
        return ([] if x is None else list(x)), ([] if y is None else list(y))
