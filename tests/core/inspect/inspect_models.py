"""Tiny real Keras models for the inspect tests: nested, Functional, one-quadrant."""

from __future__ import annotations

import numpy as np


def _keras(seed: int = 0):
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    keras.utils.set_random_seed(seed)
    return keras


def base_model(shape=(16, 16, 1), name="base"):
    """A Functional convolutional base: conv3, pool2, conv3."""
    keras = _keras()
    inp = keras.Input(shape)
    x = keras.layers.Conv2D(4, 3, activation="relu", name=f"{name}_conv1")(inp)
    x = keras.layers.MaxPooling2D(2, name=f"{name}_pool")(x)
    x = keras.layers.Conv2D(6, 3, activation="relu", name=f"{name}_conv2")(x)
    return keras.Model(inp, x, name=name)


def nested_model(shape=(16, 16, 1), classes=3):
    """Sequential([Functional base, Flatten, Dense(8), Dense(softmax)])."""
    keras = _keras()
    return keras.Sequential([
        keras.Input(shape), base_model(shape), keras.layers.Flatten(name="flat"),
        keras.layers.Dense(8, activation="relu", name="hidden"),
        keras.layers.Dense(classes, activation="softmax", name="probs"),
    ])


def functional_model(shape=(16, 16, 1), classes=3):
    """A Functional model whose first layer is a nested Functional base; a separate Softmax layer."""
    keras = _keras()
    inp = keras.Input(shape)
    x = base_model(shape, name="inner")(inp)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(classes, name="logits")(x)
    return keras.Model(inp, keras.layers.Softmax(name="softmax")(x))


def quadrant_model(size=16, classes=3):
    """A model that only sees the top-left (size/2)² quadrant of its input (Cropping2D)."""
    keras = _keras()
    half = size // 2
    return keras.Sequential([
        keras.Input((size, size, 1)),
        keras.layers.Cropping2D(((0, half), (0, half)), name="crop"),
        keras.layers.Conv2D(4, 3, activation="tanh", name="conv"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(classes, activation="softmax", name="probs"),
    ])


def random_images(n, shape=(16, 16, 1), seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)
