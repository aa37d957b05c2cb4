"""A model as plain values: :class:`ModelSnapshot`, how to build it and its weights.

The trainer makes snapshots while it trains; the classifier builds its own
copy of the network from them (the training model is never touched). Frozen,
holding tuples and read-only arrays, so a snapshot may cross threads. No
TensorFlow, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ModelSnapshot"]


@dataclass(frozen=True)
class ModelSnapshot:
    """A model as the drawing pad needs it: how to build it, and its current weights."""

    model: str  # a name of MODEL_NAMES or "custom"
    layers: tuple  # LayerSpecs for "custom"
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    weights: tuple[np.ndarray, ...]  # read-only, model.get_weights() order
    source: str  # for people: "training: epoch 2 of 5, batch 300" or "trained: 99.1% test accuracy"
    final: bool = False  # True once training has finished
    architecture: str = ""  # Keras JSON of the model (transfer learning); when set, it builds the model
