"""Which images excite a unit most: its top-k test images, each cropped to the unit's receptive field."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from explorer.ui.inside.jobs import Answer, ModelFacts, TestData, TopRequest, TopResult
from explorer.ui.inside.pictures import ImageGrid
from explorer.ui.inside.view_frame import ViewFrame
from explorer.ui.widgets.form_widgets import combo_box, spin_box
from explorer.ui.widgets.help_text import describe

__all__ = ["TopImagesView"]

_TIP = ("The test images that make the unit respond most, strongest first, each cut to the unit's receptive "
        "field (the input pixels it can see) at the position where it responded most.")
NO_DATA = ("No test images yet: train a model (its test set is used), or load a dataset above to go with "
           "the loaded model.")


class TopImagesView(ViewFrame):
    """Top-k crops of one unit; the unit spin switches units without computing again."""

    kind = "top"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Find the test images each unit of the layer responds to most", parent)
        self.data: TestData | None = None
        self.result: TopResult | None = None
        self._source = ""
        self.layer = combo_box([], "The layer whose units are searched (one pass over the test images finds "
                               "every unit's strongest images).", "Layer")
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.unit = spin_box(0, 0, 0, "The unit (channel) whose strongest images are shown.", "Unit")
        self.count = spin_box(1, 64, 12, "How many images to show per unit (k).", "Images per unit")
        for text, widget in (("Layer", self.layer), ("unit", self.unit), ("top", self.count)):
            self.controls.addWidget(QLabel(text))
            self.controls.addWidget(widget)
        self.finish_controls()
        self.grid = ImageGrid("Strongest test images", _TIP, size=56, largest=168)
        self.formula = QLabel()
        self.formula.setAccessibleName("Receptive field formula")
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula.hide()
        self.layout().insertWidget(2, self.formula)
        self.set_content(self.grid)
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.unit.valueChanged.connect(self._show_unit)
        describe(self, "Which images excite a unit most", _TIP)

    def set_data(self, data: TestData | None) -> None:
        """The test images to search (None: none yet)."""
        self.data, self.result = data, None
        self.set_facts(self.facts)

    def unavailable(self, facts: ModelFacts | None) -> str | None:
        return super().unavailable(facts) or (NO_DATA if self.data is None else None)

    def show_message(self, text: str) -> None:
        super().show_message(text)
        self.formula.hide()

    def fill_controls(self, facts: ModelFacts) -> None:
        self.result = None
        self.layer.blockSignals(True)
        self.layer.clear()
        for name in facts.layers:
            if facts.unit_count(name):
                self.layer.addItem(f"{name} ({facts.unit_count(name)} units)", name)
        start = facts.spatial[-1] if facts.spatial else facts.embedding_layer
        self.layer.setCurrentIndex(max(self.layer.findData(start), 0))
        self.layer.blockSignals(False)
        self._on_layer_changed()

    def ready_text(self) -> str:
        return f"Choose a layer and press Show: {len(self.data.images):,} test images ({self.data.source}) are searched."

    def select_layer(self, name: str) -> None:
        index = self.layer.findData(name)
        if index < 0:
            raise ValueError(f"no layer {name!r}")
        self.layer.setCurrentIndex(index)

    def _on_layer_changed(self) -> None:
        if self.facts is not None and self.layer.currentData() is not None:
            self.unit.setMaximum(max(self.facts.unit_count(self.layer.currentData()) - 1, 0))

    def make_request(self) -> TopRequest:
        return TopRequest(self.layer.currentData(), self.data, self.count.value())

    def show_answer(self, answer: Answer) -> None:
        self.result = answer.value
        self._source = answer.source
        self._show_unit()

    def _show_unit(self) -> None:
        result = self.result
        if result is None or result.top.layer != self.layer.currentData():
            return
        from explorer.core.inspect.top_images import crop

        top, data, unit = result.top, result.data, self.unit.value()
        field = top.field
        images, captions, tips = [], [], []
        for rank, index in enumerate(top.indices[unit]):
            row, col = (int(v) for v in top.positions[unit, rank])
            image = data.images[int(index)]
            images.append(crop(image, field, (row, col)) if field is not None else image)
            label = int(data.labels[int(index)])
            name = data.class_names[label] if label < len(data.class_names) else str(label)
            captions.append(f"#{int(index)}\n{top.activations[unit, rank]:.3g}")
            where = "the whole image" if field is None else _box_text(field.box(row, col))
            tips.append(f"test image {int(index)} (a {name}): unit {unit} responds {top.activations[unit, rank]:.4g} "
                        f"at map position ({row}, {col}); shown: {where}")
        self.grid.show_images(images, captions, tips=tips, data=[int(i) for i in top.indices[unit]])
        active = int(np.count_nonzero(top.activations[unit] > 0))
        silent = (f" Only {active} of these {len(images)} images make it respond at all: a unit that rarely fires."
                  if active < len(images) else "")
        self.caption.setText(f"{_field_text(top.layer, unit, field)}{silent} Model: {self._source}.")
        self.formula.setText(field.formula if field is not None else "")
        self.formula.setVisible(field is not None)
        self.show_result()


def _box_text(box) -> str:
    top, left, bottom, right = (int(v) for v in box)
    return f"input rows {top}–{bottom - 1}, columns {left}–{right - 1}"


def _field_text(layer: str, unit: int, field) -> str:
    if field is None:
        return (f"Unit {unit} of {layer} sees the whole image (a Dense layer has no receptive field to crop "
                "to): the strongest images are shown whole.")
    (h, w), (jy, jx), (sy, sx) = field.size, field.jump, field.start
    return (f"Unit {unit} of {layer}: each crop is its receptive field, {h}×{w} input pixels, around the "
            f"strongest position. Neighbouring positions are {jy}×{jx} pixels apart (the jump); position (0, 0) "
            f"is centred at input pixel ({sy:g}, {sx:g}); the recursion below gives the size (r), jump (j) and "
            "centre (c) layer by layer.")
