"""Predictions, images and checks shared by the tests of the network views."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from explorer.core.arrays import frozen_array
from explorer.core.predict.prediction import LayerActivation, Prediction

# The seed convnet (course notes, seed 001) on a 28x28x1 image.
MNIST_CONVNET = (
    ("conv2d", "Conv2D", (26, 26, 32)),
    ("max_pooling2d", "MaxPooling2D", (13, 13, 32)),
    ("conv2d_1", "Conv2D", (11, 11, 64)),
    ("max_pooling2d_1", "MaxPooling2D", (5, 5, 64)),
    ("conv2d_2", "Conv2D", (3, 3, 64)),
    ("flatten", "Flatten", (576,)),
    ("dense", "Dense", (64,)),
    ("dense_1", "Dense", (10,)),
)
DIGITS = tuple(str(i) for i in range(10))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def make_prediction(seed: int = 0, layers=MNIST_CONVNET) -> Prediction:
    """Random activations of `layers` (name, kind, shape): ReLU outputs, then a softmax."""
    rng = np.random.default_rng(seed)
    activations = []
    for name, kind, shape in layers:
        if name == layers[-1][0]:
            out = _softmax(rng.normal(size=shape) * 3)
        else:
            out = np.maximum(rng.normal(size=shape), 0.0)     # after ReLU
        activations.append(LayerActivation(name, kind, frozen_array(out)))
    return Prediction(frozen_array(activations[-1].output), tuple(activations))


def digit_image() -> np.ndarray:
    """A 28x28x1 "1": a white bar on black."""
    image = np.zeros((28, 28, 1), dtype=np.float32)
    image[5:23, 12:16] = 1.0
    return image


def show(qtbot, widget, size=(640, 480)):
    """Resize, show and expose `widget`, and let it settle."""
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()


def explains_a_concept(widget) -> None:
    """The widget has a name and a tooltip sentence."""
    assert widget.accessibleName()
    assert widget.toolTip().endswith(".")
