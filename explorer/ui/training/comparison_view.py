"""Transfer learning side by side with the same network trained from scratch on the same data.

Two plots, accuracy and loss per epoch: each run in its own colour,
validation solid and training dashed, so the gain of the reused layers (or
the lack of it, for data unlike the base's) is visible at a glance. The
caption gives both test accuracies, e.g. "transfer 81.2 % · from scratch
70.4 %".
"""

from __future__ import annotations

from collections.abc import Mapping

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.text_style import css_size, follow_font, set_axis_font

__all__ = ["RUNS", "ComparisonView"]

TRANSFER, SCRATCH = "transfer", "from scratch"
#: The runs compared, with their colours.
RUNS = {TRANSFER: "#1f77b4", SCRATCH: "#d62728"}
TITLES = {"accuracy": "Accuracy", "loss": "Loss"}
WAITING = ("Compare with from scratch: after a transfer run, the same network trains again with fresh random "
           "weights on the same data, and both runs' curves appear here.")


class ComparisonView(QWidget):
    """Both runs' curves overlaid, and their test accuracies."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel(WAITING)
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setAccessibleName("Comparison")
        layout.addWidget(self.caption)
        row = QHBoxLayout()
        self.plots, self.lines = {}, {}
        for metric, title in TITLES.items():
            plot = pg.PlotWidget()
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.addLegend(offset=(-5, -5) if metric == "accuracy" else (-5, 5))
            describe(plot, f"{title} of both runs", f"{title} per epoch: transfer learning and the same network "
                                                    "from scratch; solid lines validation, dashed training.")
            for run, colour in RUNS.items():
                for key, style in ((f"val_{metric}", Qt.PenStyle.SolidLine), (metric, Qt.PenStyle.DashLine)):
                    pen = pg.mkPen(colour, width=2 if key.startswith("val_") else 1, style=style)
                    name = f"{run}, {'validation' if key.startswith('val_') else 'training'}"
                    self.lines[(run, key)] = plot.plot([], [], pen=pen, symbol="o" if key.startswith("val_") else None,
                                                       symbolSize=5, symbolBrush=colour, symbolPen=colour, name=name)
            self.plots[metric] = plot
            row.addWidget(plot)
        layout.addLayout(row, 1)
        self._tests: dict[str, float | None] = {}
        self._histories: dict[str, dict] = {}
        self._waiting_for_scratch = False
        follow_font(self, self._apply_style)
        self.clear()

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_style(self.font())

    def _apply_style(self, font: QFont) -> None:
        """pyqtgraph reads neither the widget's font nor its palette: the plots get both."""
        palette = self.palette()
        background, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        for metric, plot in self.plots.items():
            plot.setBackground(background)
            item = plot.getPlotItem()
            item.setTitle(TITLES[metric], color=text.name(), size=css_size(font, 1.2))
            for side in ("left", "bottom"):
                axis = item.getAxis(side)
                set_axis_font(axis, font)
                axis.setPen(text)
                axis.setTextPen(text)
            item.getAxis("bottom").setLabel("epoch", color=text.name())
            item.legend.setLabelTextSize(css_size(font))
            item.legend.setLabelTextColor(text)
            for _sample, label in item.legend.items:
                label.setText(label.text)  # pyqtgraph applies size and colour only when the text is set

    def clear(self, text: str = WAITING) -> None:
        """Forget both runs."""
        self._tests, self._histories = {}, {}
        for line in self.lines.values():
            line.setData([], [])
        self.plots["accuracy"].setYRange(0, 1, padding=0.02)
        self.caption.setText(text)

    def set_run(self, run: str, history: Mapping[str, tuple[float, ...]], test_accuracy: float | None) -> None:
        """Show run `run` ("transfer" or "from scratch"): its per-epoch history and its test accuracy."""
        if run not in RUNS:
            raise ValueError(f"unknown run {run!r}: use one of {', '.join(RUNS)}")
        self._histories[run] = {key: tuple(values) for key, values in history.items()}
        self._tests[run] = test_accuracy
        for (name, key), line in self.lines.items():
            if name == run:
                values = [float(v) for v in self._histories[run].get(key, ())]
                line.setData(list(range(1, len(values) + 1)), values)
        epochs = max((len(v) for h in self._histories.values() for v in h.values()), default=1)
        for plot in self.plots.values():
            plot.setXRange(0.5, max(epochs, 1) + 0.5, padding=0.02)
        self.plots["loss"].enableAutoRange(axis="y")
        self.caption.setText(self.summary())

    def summary(self) -> str:
        """"transfer 81.2 % · from scratch 70.4 %" and the gain, for the runs shown so far."""
        parts = [f"<b>{run} {_percent(self._tests[run])}</b>" for run in RUNS if run in self._tests]
        text = " · ".join(parts) + " test accuracy"
        both = [self._tests.get(run) for run in RUNS]
        if all(v is not None for v in both):
            gain = (both[0] - both[1]) * 100
            text += (f": the reused layers gain {gain:.1f} points" if gain > 0.05 else
                     f": the reused layers lose {-gain:.1f} points — the data may be too different"
                     if gain < -0.05 else ": no difference")
        elif SCRATCH not in self._tests and self._waiting_for_scratch:
            text += ". Now training the same network from scratch on the same data…"
        return text

    def set_waiting_for_scratch(self, waiting: bool) -> None:
        """Say in the caption that the from-scratch run is on its way."""
        self._waiting_for_scratch = waiting
        if self._tests:
            self.caption.setText(self.summary())

    def test_accuracy(self, run: str) -> float | None:
        """The test accuracy shown for `run` (None if none)."""
        return self._tests.get(run)

    def data(self, run: str, key: str):
        """(x, y) of a line, for tests: run "transfer"/"from scratch", key "val_accuracy", "loss", ..."""
        x, y = self.lines[(run, key)].getData()
        return ([] if x is None else list(x)), ([] if y is None else list(y))


def _percent(value: float | None) -> str:
    return "not evaluated" if value is None else f"{value * 100:.1f} %"
