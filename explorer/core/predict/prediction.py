"""What a model says about one image: :class:`Prediction`, with every layer's :class:`LayerActivation`.

Immutable (frozen dataclasses holding read-only arrays): a prediction made on
a worker thread crosses to the UI thread through a queued signal and never
changes under the view. No TensorFlow, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LayerActivation", "Prediction"]


@dataclass(frozen=True)
class LayerActivation:
    """One layer's output for one image."""

    name: str  # the Keras layer name, e.g. "conv2d"
    kind: str  # the Keras class name, e.g. "Conv2D", "MaxPooling2D", "Dense"
    output: np.ndarray  # (H, W, C) for spatial layers, (N,) for flat ones; read-only


@dataclass(frozen=True)
class Prediction:
    """A model's answer for one image, with every layer's view of it."""

    probabilities: np.ndarray  # (num_classes,), read-only
    activations: tuple[LayerActivation, ...]

    @property
    def label(self) -> int:
        return int(np.argmax(self.probabilities))
