"""Tiny real Keras models and test sets for the Inside part's tests."""

from __future__ import annotations

import numpy as np

from explorer.core.arrays import frozen_array
from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.model.specs import LayerSpec
from explorer.ui.inside.jobs import TestData, read_only

SHAPE = (12, 12, 1)
CLASSES = ("a", "b", "c")
LAYERS = (LayerSpec("conv2d", filters=4, kernel=3), LayerSpec("maxpool"), LayerSpec("conv2d", filters=6, kernel=3),
          LayerSpec("flatten"), LayerSpec("dense", units=8))


def tiny_snapshot(seed: int = 0, layers=LAYERS, source: str = "") -> ModelSnapshot:
    """A custom convnet (12x12x1 -> 3 classes) with seeded random weights, as the trainer would snapshot it."""
    import keras

    from explorer.core.model.build import build_model

    keras.utils.set_random_seed(seed)
    model = build_model("custom", input_shape=SHAPE, num_classes=len(CLASSES), layers=layers)
    weights = tuple(frozen_array(w) for w in model.get_weights())
    return ModelSnapshot("custom", tuple(layers), SHAPE, CLASSES, weights, source or f"tiny net, seed {seed}")


def tiny_data(n: int = 48, seed: int = 0) -> TestData:
    """`n` random 12x12 images with labels 0..2."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, *SHAPE), dtype=np.float32)
    labels = np.arange(n) % len(CLASSES)
    return TestData(read_only(images), read_only(labels), CLASSES, "generated test images")


def nested_model_file(folder) -> str:
    """A Functional model whose base is a nested Sequential, saved as .keras; returns the path."""
    import keras

    from explorer.core.model.model_files import save_model

    keras.utils.set_random_seed(1)
    base = keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(5, 3, activation="relu", name="base_conv"),
                             keras.layers.MaxPooling2D(name="base_pool")], name="base")
    inputs = keras.Input(SHAPE)
    x = base(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(6, activation="relu", name="hidden")(x)
    outputs = keras.layers.Dense(len(CLASSES), activation="softmax", name="scores")(x)
    return str(save_model(keras.Model(inputs, outputs, name="nested"), folder / "nested.keras"))
