"""What a unit wants to see: the input synthesised for each unit of a layer (or each class), as a grid."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from explorer.ui.inside.jobs import Answer, ModelFacts, UnitGrid, UnitsRequest
from explorer.ui.inside.pictures import ImageGrid
from explorer.ui.inside.view_frame import ViewFrame
from explorer.ui.widgets.form_widgets import combo_box, spin_box
from explorer.ui.widgets.help_text import describe

__all__ = ["CLASSES", "UnitsView"]

#: The layer combo's entry for the output classes.
CLASSES = "\0classes"
_TIP = ("Activation maximisation: start from a grey, slightly noisy image and change it by gradient ascent "
        "(with jitter and blur so it stays readable) until the unit responds as strongly as it can: "
        "the picture is what the unit looks for.")


class UnitsView(ViewFrame):
    """The maximisation grid with its layer combo and "first N" spin."""

    kind = "units"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Synthesise the input each unit responds to most (in the background)", parent)
        self.layer = combo_box([], "The layer whose units are shown; the last entry is the output classes.",
                               "Layer")
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.first = spin_box(1, 256, 16, "How many units to show: the first N units (channels) of the layer.",
                              "First N units")
        self.steps = spin_box(8, 512, 64, "Gradient-ascent steps for each picture: more steps, clearer "
                              "pictures, longer wait.", "Steps")
        for text, widget in (("Layer", self.layer), ("first", self.first), ("units, steps", self.steps)):
            self.controls.addWidget(QLabel(text))
            self.controls.addWidget(widget)
        self.finish_controls()
        self.grid = ImageGrid("Synthesised inputs", _TIP, size=56, largest=168)
        self.set_content(self.grid)
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        describe(self, "What a unit wants to see", _TIP)

    def fill_controls(self, facts: ModelFacts) -> None:
        self.layer.blockSignals(True)
        self.layer.clear()
        for name in facts.layers:
            count = facts.unit_count(name)
            if count and name != facts.output_layer:
                self.layer.addItem(f"{name} ({count} units)", name)
        self.layer.addItem(f"output classes ({len(facts.class_names)})", CLASSES)
        # The last convolution is where the pictures are most telling.
        start = facts.spatial[-1] if facts.spatial else CLASSES
        self.layer.setCurrentIndex(max(self.layer.findData(start), 0))
        self.layer.blockSignals(False)
        self._on_layer_changed()

    def ready_text(self) -> str:
        return "Choose a layer and press Show: each tile becomes the picture its unit responds to most."

    def select_layer(self, name: str) -> None:
        """Show layer `name` (or CLASSES) in the combo."""
        index = self.layer.findData(name)
        if index < 0:
            raise ValueError(f"no layer {name!r} to maximise")
        self.layer.setCurrentIndex(index)

    def _on_layer_changed(self) -> None:
        if self.facts is None:
            return
        name = self.layer.currentData()
        count = len(self.facts.class_names) if name == CLASSES else self.facts.unit_count(name)
        self.first.setMaximum(max(count, 1))

    def make_request(self) -> UnitsRequest:
        name = self.layer.currentData()
        classes = name == CLASSES
        layer = self.facts.output_layer if classes else name
        count = min(self.first.value(), self.first.maximum())
        return UnitsRequest(layer, tuple(range(count)), self.steps.value(), classes)

    def show_answer(self, answer: Answer) -> None:
        grid: UnitGrid = answer.value
        done = len(grid.images)
        captions = [f"{grid.names[i]}\n{grid.activations[i]:.3g}" for i in range(done)]
        what = "class score" if grid.classes else "mean activation"
        tips = [f"{grid.names[i]} of {grid.layer}: the input that drives its {what} to {grid.activations[i]:.4g}"
                for i in range(done)]
        self.grid.show_images(list(grid.images), captions, tips=tips, data=grid.units[:done])
        subject = "the classes" if grid.classes else f"the first {len(grid.units)} units of {grid.layer}"
        what = "class" if grid.classes else "unit"
        state = "" if answer.final else f" ({done} of {len(grid.units)} so far…)"
        self.caption.setText(f"Synthesised inputs for {subject}: each picture is what its {what} responds to most, "
                             f"with the response it reaches{state}. Model: {answer.source}.")
        self.show_result()
