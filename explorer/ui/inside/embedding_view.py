"""How the network arranges the data: PCA or t-SNE of a layer's activations, beside the same of the raw pixels.

Each test image is a point coloured by its class; a ring marks the ones the
model gets wrong. Hovering a point shows its image, clicking one makes it
the probe (``probe_chosen``) and the image the attribution view explains
(``image_chosen``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.ui.inside.jobs import Answer, EmbeddingPoints, EmbeddingRequest, ModelFacts, TestData
from explorer.ui.inside.pictures import html_image
from explorer.ui.inside.top_images_view import NO_DATA
from explorer.ui.inside.view_frame import ViewFrame
from explorer.ui.widgets.form_widgets import combo_box, spin_box
from explorer.ui.widgets.help_text import describe

__all__ = ["CLASS_COLOURS", "EmbeddingView"]

#: One colour per class (Tableau 10, repeated past ten classes).
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf")
_TIP = ("Each test image becomes a point: the layer's activations squeezed to two numbers by PCA (the two "
        "directions of largest variance, at once) or t-SNE (neighbours stay neighbours, slower). Classes the "
        "layer separates form clusters; a ring marks a misclassified image.")


class EmbeddingPlot(pg.PlotWidget):
    """One scatter plot of the embedding: class colours, rings on mistakes, image tooltips, clicks."""

    point_clicked = Signal(int)

    def __init__(self, name: str, tip: str) -> None:
        super().__init__()
        describe(self, name, tip)
        self.setMenuEnabled(False)
        self.getPlotItem().hideAxis("left")
        self.getPlotItem().hideAxis("bottom")
        self.scatter = pg.ScatterPlotItem(size=7, pen=None, hoverable=True, tip=None)
        self.rings = pg.ScatterPlotItem(size=12, brush=None, pen=pg.mkPen("#e00000", width=1.5))
        self.addItem(self.scatter)
        self.addItem(self.rings)
        # The scene's clicks, not the item's: the item only hears clicks its (tiny) shape catches.
        self.scene().sigMouseClicked.connect(self._on_clicked)
        self.scatter.sigHovered.connect(self._on_hovered)
        self.result: EmbeddingPoints | None = None
        self.points: np.ndarray | None = None

    def show_points(self, points: np.ndarray, result: EmbeddingPoints) -> None:
        self.result, self.points = result, np.asarray(points, np.float32)
        brushes = [pg.mkBrush(QColor(CLASS_COLOURS[int(c) % len(CLASS_COLOURS)])) for c in result.labels]
        self.scatter.setData(pos=self.points, brush=brushes, data=np.arange(len(self.points)))
        wrong = np.flatnonzero(result.labels != result.predicted)
        self.rings.setData(pos=self.points[wrong])
        self.getPlotItem().enableAutoRange()

    def hover_text(self, index: int) -> str:
        """The tooltip of point `index`: its image, true class and guess."""
        r = self.result
        names = r.data.class_names
        true, guess = int(r.labels[index]), int(r.predicted[index])
        verdict = f"guessed {_name(names, guess)}" + (" ✗" if true != guess else " ✓")
        return (f"{html_image(r.data.images[index], 84)}<br>test image {index}: a {_name(names, true)}, {verdict}"
                "<br>click to make it the probe")

    def _on_hovered(self, _item, points, _event) -> None:
        box = self.getPlotItem().getViewBox()
        box.setToolTip(self.hover_text(int(points[0].data())) if len(points) else "")

    def _on_clicked(self, event) -> None:
        if self.result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        points = self.scatter.pointsAt(self.scatter.mapFromScene(event.scenePos()))
        if len(points):
            self.point_clicked.emit(int(points[0].data()))


class EmbeddingView(ViewFrame):
    """The embedding of a layer and, to compare, of the raw pixels.

    Signals
    -------
    probe_chosen(object)
        The image (H, W, C) of the point clicked.
    image_chosen(int)
        Its index in the test set.
    """

    kind = "embedding"
    probe_chosen = Signal(object)
    image_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Embed the test images (PCA at once; t-SNE takes a while, with progress)", parent)
        self.data: TestData | None = None
        self.layer = combo_box([], "The layer whose activations are embedded (default: the last hidden layer).",
                               "Layer")
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.algorithm = combo_box([("PCA", "pca"), ("t-SNE", "tsne")], "PCA: a linear projection, at once. "
                                   "t-SNE: keeps neighbours together, shows clusters better, takes seconds.",
                                   "Algorithm")
        self.count = spin_box(10, 10000, 2000, "How many test images become points (the first N).", "Points")
        self.compare = QCheckBox("compare with the raw pixels")
        describe(self.compare, "Compare with raw pixels", "Also embed the images' raw pixels: what the network's "
                 "layers add over the pixels alone.")
        self.compare.setChecked(True)
        for text, widget in (("Layer", self.layer), ("", self.algorithm), ("points", self.count),
                             ("", self.compare)):
            if text:
                self.controls.addWidget(QLabel(text))
            self.controls.addWidget(widget)
        self.finish_controls()
        self.plot = EmbeddingPlot("Layer embedding", _TIP)
        self.raw_plot = EmbeddingPlot("Raw-pixel embedding", "The same embedding of the raw pixels, to compare: "
                                      "classes the pixels alone already separate.")
        self.raw_title = QLabel()
        self.layer_title = QLabel()
        plots = QWidget()
        row = QHBoxLayout(plots)
        row.setContentsMargins(0, 0, 0, 0)
        for title, plot in ((self.layer_title, self.plot), (self.raw_title, self.raw_plot)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(plot, 1)
            row.addLayout(column, 1)
        self.set_content(plots)
        for plot in (self.plot, self.raw_plot):
            plot.point_clicked.connect(self._on_point_clicked)
        describe(self, "How the network arranges the data", _TIP)

    def set_data(self, data: TestData | None) -> None:
        self.data = data
        if data is not None:
            self.count.setMaximum(max(len(data.images), 10))
            self.count.setValue(min(2000, len(data.images)))
        self.set_facts(self.facts)

    def unavailable(self, facts: ModelFacts | None) -> str | None:
        return super().unavailable(facts) or (NO_DATA if self.data is None else None)

    def fill_controls(self, facts: ModelFacts) -> None:
        self.layer.clear()
        for name in facts.layers:
            self.layer.addItem(name + (" (last hidden layer)" if name == facts.embedding_layer else ""), name)
        self.layer.setCurrentIndex(max(self.layer.findData(facts.embedding_layer), 0))

    def ready_text(self) -> str:
        return "Press Show: PCA places the points at once; t-SNE shows its progress below."

    def make_request(self) -> EmbeddingRequest:
        return EmbeddingRequest(self.layer.currentData(), self.algorithm.currentData(), self.data,
                                self.count.value(), self.compare.isChecked())

    def show_answer(self, answer: Answer) -> None:
        result: EmbeddingPoints = answer.value
        algorithm = "PCA" if result.algorithm == "pca" else "t-SNE"
        self.plot.show_points(result.points, result)
        self.layer_title.setText(f"<b>{result.layer}</b> ({algorithm})")
        self.raw_plot.setVisible(result.raw_points is not None)
        self.raw_title.setVisible(result.raw_points is not None)
        if result.raw_points is not None:
            self.raw_plot.show_points(result.raw_points, result)
            self.raw_title.setText(f"<b>raw pixels</b> ({algorithm})")
        wrong = int(np.count_nonzero(result.labels != result.predicted))
        names = result.data.class_names
        legend = " ".join(f'<span style="color:{CLASS_COLOURS[i % len(CLASS_COLOURS)]}">●</span>{name}'
                          for i, name in enumerate(names))
        self.caption.setText(f"{len(result.points):,} test images, coloured by class: {legend}; "
                             f"<span style='color:#e00000'>○</span> {wrong} misclassified. Hover a point to see "
                             f"its image, click it to make it the probe. Model: {answer.source}.")
        self.show_result()

    def _on_point_clicked(self, index: int) -> None:
        result = self.plot.result
        if result is not None:
            self.image_chosen.emit(index)
            self.probe_chosen.emit(result.data.images[index])


def _name(names, index: int) -> str:
    return names[index] if 0 <= index < len(names) else str(index)
