"""Receptive fields: the recursion's numbers and the gradient's support agree."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.inspect.errors import InspectError
from explorer.core.inspect.receptive_field import receptive_field


def _convnet(pool="max", activation="relu", padding="valid"):
    """mnist-convnet's geometry: conv3, pool2, conv3, pool2, conv3 (small widths)."""
    import keras

    from explorer.core import tf_backend

    tf_backend.load()
    keras.utils.set_random_seed(1)
    pooling = keras.layers.MaxPooling2D if pool == "max" else keras.layers.AveragePooling2D
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(3, 3, activation=activation, padding=padding, name="conv1"), pooling(2, name="pool1"),
        keras.layers.Conv2D(3, 3, activation=activation, padding=padding, name="conv2"), pooling(2, name="pool2"),
        keras.layers.Conv2D(3, 3, activation=activation, padding=padding, name="conv3"),
        keras.layers.Flatten(name="flat"), keras.layers.Dense(4, activation="softmax", name="probs"),
    ])


@pytest.mark.parametrize("layer, size, jump, start", [
    ("conv1", 3, 1, 1.0), ("pool1", 4, 2, 1.5), ("conv2", 8, 2, 3.5), ("pool2", 10, 4, 4.5), ("conv3", 18, 4, 8.5),
])
def test_mnist_convnet_fields_follow_the_formula(layer, size, jump, start):
    field = receptive_field(_convnet(), layer)
    assert field.size == (size, size) and field.jump == (jump, jump) and field.start == (start, start)
    assert f"= {size}," in field.formula.splitlines()[-1]


def test_the_build_models_preset_has_the_same_fields():
    from explorer.core.model.build import build_model

    model = build_model("mnist-convnet", input_shape=(28, 28, 1), num_classes=10)
    convs = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert receptive_field(model, convs[-1]).size == (18, 18)


def _gradient_support(model, layer, row, col):
    import keras
    import tensorflow as tf

    probe = keras.Model(model.inputs, model.get_layer(layer).output)
    x = tf.constant(np.random.default_rng(0).random((1, 28, 28, 1), dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = tf.reduce_sum(probe(x)[0, row, col, :])
    return tape.gradient(value, x).numpy()[0, :, :, 0] != 0


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("layer, row, col", [("conv3", 0, 0), ("conv3", 2, 1), ("pool2", 1, 3), ("conv2", 4, 0)])
def test_gradient_is_non_zero_exactly_inside_the_box(padding, layer, row, col):
    # Linear convolutions and average pooling: every pixel in the field reaches the unit.
    model = _convnet(pool="average", activation=None, padding=padding)
    top, left, bottom, right = receptive_field(model, layer).box(row, col)
    inside = np.zeros((28, 28), bool)
    inside[top:bottom, left:right] = True
    np.testing.assert_array_equal(_gradient_support(model, layer, row, col), inside)


def test_with_max_pooling_and_relu_the_gradient_stays_inside():
    model = _convnet()
    top, left, bottom, right = receptive_field(model, "conv3").box(1, 1)
    support = _gradient_support(model, "conv3", 1, 1)
    assert support.any()
    support[top:bottom, left:right] = False
    assert not support.any()


def test_layers_without_maps_have_no_field():
    with pytest.raises(InspectError, match="no .height, width, channels. maps"):
        receptive_field(_convnet(), "probs")
    with pytest.raises(InspectError, match="unknown layer"):
        receptive_field(_convnet(), "nope")
