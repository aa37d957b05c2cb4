"""Where the model looks: Grad-CAM, saliency, SmoothGrad and occlusion of one image, side by side."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QWidget

from explorer.core.arrays import frozen_array
from explorer.ui.inside.jobs import Answer, AttributionMaps, AttributionRequest, ModelFacts, TestData
from explorer.ui.inside.pictures import ImageGrid, heat_rgb, signed_rgb
from explorer.ui.inside.view_frame import ViewFrame
from explorer.ui.widgets.form_widgets import combo_box, spin_box
from explorer.ui.widgets.help_text import describe

__all__ = ["DRAWING", "TEST_IMAGE", "AttributionView"]

DRAWING, TEST_IMAGE = "drawing", "test"
_TIP = ("Four answers to 'which pixels made the guess?': Grad-CAM (the last convolution's maps weighed by their "
        "gradient), saliency (the gradient of the class score at each pixel), SmoothGrad (the same averaged over "
        "noisy copies) and occlusion (how much the probability drops when a grey patch covers the pixel).")
_TITLES = ("input", "Grad-CAM", "saliency", "SmoothGrad", "occlusion")


class AttributionView(ViewFrame):
    """The four attribution maps of the drawing or a test image, for the predicted or a chosen class."""

    kind = "attribution"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Compute the four maps for the image and class chosen", parent)
        self.data: TestData | None = None
        self.drawing: np.ndarray | None = None
        self.source = combo_box([("your drawing", DRAWING), ("test image", TEST_IMAGE)],
                                "Explain the drawing from the Draw tab, or a test image chosen by its index.",
                                "Image source")
        self.index = spin_box(0, 0, 0, "Which test image (its index in the test set).", "Test image")
        self.target = combo_box([("predicted class", -1)], "The class whose score is explained: the model's "
                                "guess, or any class (why is this not a 3?).", "Class")
        self.patch = spin_box(1, 64, 7, "Occlusion: the side of the grey square slid over the image, in pixels.",
                              "Occlusion patch")
        self.stride = spin_box(1, 64, 2, "Occlusion: how many pixels the square moves between copies (1: every "
                               "position, slowest).", "Occlusion stride")
        self.samples = spin_box(1, 200, 20, "SmoothGrad: how many noisy copies the gradient is averaged over.",
                                "SmoothGrad samples")
        for text, widget in (("Image", self.source), ("#", self.index), ("class", self.target),
                             ("patch", self.patch), ("stride", self.stride), ("SmoothGrad samples", self.samples)):
            self.controls.addWidget(QLabel(text))
            self.controls.addWidget(widget)
        self.finish_controls()
        self.grid = ImageGrid("Attribution maps", _TIP, size=112, largest=280)
        self.set_content(self.grid)
        self.source.currentIndexChanged.connect(self._on_source_changed)
        describe(self, "Where the model looks", _TIP)
        self._on_source_changed()

    def set_data(self, data: TestData | None) -> None:
        self.data = data
        self.index.setMaximum(max(len(data.images) - 1, 0) if data is not None else 0)
        self._on_source_changed()

    def set_drawing(self, image: np.ndarray) -> None:
        """The drawing pad's newest drawing (H, W, C)."""
        self.drawing = frozen_array(np.asarray(image, np.float32))

    def fill_controls(self, facts: ModelFacts) -> None:
        self.target.clear()
        self.target.addItem("predicted class", -1)
        for i, name in enumerate(facts.class_names):
            self.target.addItem(name, i)

    def ready_text(self) -> str:
        return "Choose the image and press Show: the four maps appear side by side."

    def _on_source_changed(self) -> None:
        self.index.setEnabled(self.source.currentData() == TEST_IMAGE and self.data is not None)

    def show_test_image(self, index: int) -> None:
        """Choose test image `index` as the image to explain."""
        self.source.setCurrentIndex(self.source.findData(TEST_IMAGE))
        self.index.setValue(int(index))

    def make_request(self) -> AttributionRequest | None:
        if self.source.currentData() == DRAWING:
            if self.drawing is None:
                raise ValueError("there is no drawing yet: draw a digit in the Draw tab, or choose a test image")
            image, caption = self.drawing, "your drawing"
        else:
            if self.data is None:
                raise ValueError("there are no test images yet: train a model or load a dataset above")
            i = self.index.value()
            label = int(self.data.labels[i])
            name = self.data.class_names[label] if label < len(self.data.class_names) else str(label)
            image, caption = self.data.images[i], f"test image {i} (a {name})"
        return AttributionRequest(image, caption, int(self.target.currentData()), self.patch.value(),
                                  self.stride.value(), self.samples.value())

    def show_answer(self, answer: Answer) -> None:
        maps: AttributionMaps = answer.value
        image = maps.image
        cam = heat_rgb(maps.grad_cam, image) if maps.grad_cam is not None else np.full((*image.shape[:2], 3), 0.25)
        pictures = [image, cam, heat_rgb(maps.saliency), heat_rgb(maps.smooth), signed_rgb(maps.occlusion, image)]
        details = ("the picture explained", "last conv. × gradient" if maps.grad_cam is not None
                   else "no convolution", "|gradient|", f"{maps.smooth_samples} noisy copies",
                   f"patch {maps.patch}, stride {maps.stride}")
        captions = [f"{title}\n{detail}" for title, detail in zip(_TITLES, details)]
        tips = [f"{title}: {detail}" for title, detail in zip(_TITLES, details)]
        tips[4] += "; red: covering it lowers the probability, blue: raises it"
        self.grid.show_images(pictures, captions, tips=tips)
        note = f" {maps.note}" if maps.note else ""
        self.caption.setText(f"Why {maps.caption} is '{maps.class_name}' (model output {maps.probability:.3g}): bright "
                             f"pixels mattered most.{note} Model: {answer.source}.")
        self.show_result()
