"""Predictor: one compiled pass gives the probabilities and every layer's output.

Checked against the Keras model itself, against a layer-by-layer NumPy
computation, and on hand-made models whose saliency and Grad-CAM are known.
"""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.model.build import build_model
from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.predict.predictor import Predictor

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def convnet():
    keras.utils.set_random_seed(1)
    return build_model("mnist-convnet")


@pytest.fixture(scope="module")
def predictor(convnet):
    return Predictor(convnet)


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(3).random((28, 28, 1), dtype=np.float32)


def _conv_relu(x, kernel, bias):
    kh, kw = kernel.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(0, 1))  # (H', W', C, kh, kw)
    out = np.einsum("ijcab,abck->ijk", windows, kernel, dtype=np.float64) + bias
    return np.maximum(out, 0)


def _max_pool(x):
    h, w, c = x.shape
    h2, w2 = h // 2, w // 2
    return x[: h2 * 2, : w2 * 2].reshape(h2, 2, w2, 2, c).max(axis=(1, 3))


def test_predict_matches_the_model_and_a_numpy_computation(convnet, predictor, image):
    prediction = predictor.predict(image)
    np.testing.assert_allclose(prediction.probabilities, convnet(image[None]).numpy()[0], atol=1e-6)

    weights = convnet.get_weights()
    x = image.astype(np.float64)
    expected = []
    x = _conv_relu(x, weights[0], weights[1]); expected.append(x)  # noqa: E702
    x = _max_pool(x); expected.append(x)  # noqa: E702
    x = _conv_relu(x, weights[2], weights[3]); expected.append(x)  # noqa: E702
    x = _max_pool(x); expected.append(x)  # noqa: E702
    x = _conv_relu(x, weights[4], weights[5]); expected.append(x)  # noqa: E702
    x = x.reshape(-1); expected.append(x)  # noqa: E702
    x = np.maximum(x @ weights[6] + weights[7], 0); expected.append(x)  # noqa: E702
    logits = x @ weights[8] + weights[9]
    x = np.exp(logits - logits.max()); x /= x.sum(); expected.append(x)  # noqa: E702

    assert [a.name for a in prediction.activations] == [layer.name for layer in convnet.layers]
    assert [a.kind for a in prediction.activations] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense"]
    for activation, want, layer in zip(prediction.activations, expected, convnet.layers):
        assert activation.output.shape == tuple(layer.output.shape[1:]) == want.shape
        assert activation.output.dtype == np.float32
        assert not activation.output.flags.writeable
        np.testing.assert_allclose(activation.output, want, rtol=1e-4, atol=1e-5)
    assert prediction.label == int(np.argmax(expected[-1]))
    assert not prediction.probabilities.flags.writeable
    assert predictor.output_is_distribution and predictor.output_problem == ""
    assert predictor.input_shape == (28, 28, 1) and predictor.num_classes == 10 and predictor.has_conv


def test_two_dimensional_images_and_bad_input(predictor, image):
    np.testing.assert_array_equal(predictor.predict(image[:, :, 0]).probabilities,
                                  predictor.predict(image).probabilities)
    with pytest.raises(ValueError, match=r"takes images of shape \(28, 28, 1\), got \(32, 32, 1\)"):
        predictor.predict(np.zeros((32, 32, 1), np.float32))
    bad = image.copy()
    bad[3, 4, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        predictor.predict(bad)
    with pytest.raises(ValueError, match="class index 10 is out of range"):
        predictor.saliency(image, 10)


def test_set_weights_and_from_snapshot(convnet, image):
    keras.utils.set_random_seed(7)
    other = build_model("mnist-convnet")
    mine = Predictor(other)
    before = mine.predict(image).probabilities
    mine.set_weights(convnet.get_weights())
    after = mine.predict(image).probabilities
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, convnet(image[None]).numpy()[0], atol=1e-6)

    weights = tuple(convnet.get_weights())
    snapshot = ModelSnapshot(model="mnist-convnet", layers=(), input_shape=(28, 28, 1),
                             class_names=tuple("0123456789"), weights=weights, source="test")
    from_snapshot = Predictor.from_snapshot(snapshot)
    assert from_snapshot.model is not convnet
    np.testing.assert_allclose(from_snapshot.predict(image).probabilities, after, atol=1e-6)
    with pytest.raises(ValueError, match="arrays but the model has"):
        mine.set_weights(weights[:-1])
    with pytest.raises(ValueError, match="does not match"):
        mine.set_weights(weights[:-2] + (np.zeros((64, 3)), np.zeros(3)))


def test_from_snapshot_builds_a_keras_json_architecture_in_safe_mode(image):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(3, 3, name="c"),
                              keras.layers.BatchNormalization(name="bn"), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(4, activation="softmax", name="classes")])
    snapshot = ModelSnapshot(model="mnist-convnet", layers=(), input_shape=(28, 28, 1), class_names=tuple("abcd"),
                             weights=tuple(model.get_weights()), source="test", architecture=model.to_json())
    predictor = Predictor.from_snapshot(snapshot)
    assert predictor.layer_names[-1] == "classes" and predictor.model is not model
    np.testing.assert_allclose(predictor.predict(image).probabilities, model(image[None]).numpy()[0], atol=1e-6)
    unsafe = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2),
                               keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="cannot build the snapshot's model"):
        Predictor.from_snapshot(ModelSnapshot(model="custom", layers=(), input_shape=(28, 28, 1),
                                              class_names=("a", "b"), weights=tuple(unsafe.get_weights()),
                                              source="test", architecture=unsafe.to_json()))


def test_an_output_that_is_not_a_distribution_is_flagged():
    logits = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    predictor = Predictor(logits)
    assert not predictor.output_is_distribution
    assert "this model's output is not a class distribution" in predictor.output_problem
    assert "not softmax" in predictor.output_problem
    assert predictor.predict(np.ones((8, 8, 1), np.float32)).probabilities.shape == (3,)  # still answers
    assert predictor.grad_cam(np.ones((8, 8, 1), np.float32), 0) is None  # no Conv2D layer

    maps = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, activation="softmax")])
    flagged = Predictor(maps)
    assert not flagged.output_is_distribution and "not one vector" in flagged.output_problem


def test_models_that_are_not_image_models_are_refused():
    flat = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3, activation="softmax")])
    with pytest.raises(ValueError, match="needs an image input"):
        Predictor(flat)


def test_functional_models_with_branches():
    inputs = keras.Input((12, 12, 1))
    a = keras.layers.Conv2D(4, 3, activation="relu", name="a")(inputs)
    b = keras.layers.Conv2D(4, 3, padding="same", name="b")(a)
    added = keras.layers.Add(name="add")([a, b])
    pooled = keras.layers.GlobalAveragePooling2D(name="gap")(added)
    outputs = keras.layers.Dense(5, activation="softmax", name="head")(pooled)
    model = keras.Model(inputs, outputs)
    predictor = Predictor(model)
    image = np.random.default_rng(0).random((12, 12, 1), dtype=np.float32)
    prediction = predictor.predict(image)
    assert predictor.layer_names == ("a", "b", "add", "gap", "head")
    assert [a.output.shape for a in prediction.activations] == [(10, 10, 4)] * 3 + [(4,), (5,)]
    np.testing.assert_allclose(prediction.probabilities, model(image[None]).numpy()[0], atol=1e-6)
    assert predictor.output_is_distribution
    assert predictor.grad_cam(image, 1).shape == (12, 12)
    assert predictor.saliency(image, 1).shape == (12, 12)


def test_saliency_is_zero_where_the_model_does_not_look():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    kernel = np.random.default_rng(1).normal(size=(64, 3)).astype(np.float32)
    kernel.reshape(8, 8, 3)[:, 4:] = 0  # the right half of the image is ignored
    model.set_weights([kernel, np.zeros(3, np.float32)])
    predictor = Predictor(model)
    image = np.random.default_rng(2).random((8, 8, 1), dtype=np.float32)
    saliency = predictor.saliency(image, 1)
    assert saliency.shape == (8, 8) and saliency.dtype == np.float32
    assert saliency.max() == pytest.approx(1.0) and saliency.min() >= 0
    assert np.all(saliency[:, 4:] == 0) and np.all(saliency[:, :4] > 0)
    # The pre-softmax score of a Dense head is linear: its gradient is the kernel column.
    expected = np.abs(kernel[:, 1].reshape(8, 8))
    np.testing.assert_allclose(saliency, expected / expected.max(), rtol=1e-5)


def test_grad_cam_follows_the_last_convolution():
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(1, 1, activation="relu", name="first"),
        keras.layers.Conv2D(1, 1, activation="relu", name="last"),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax"),
    ])
    dense = np.zeros((64, 2), np.float32)
    dense.reshape(8, 8, 2)[:4, :4, 0] = 1.0  # class 0 looks at the top-left quarter; class 1 at nothing
    model.set_weights([np.ones((1, 1, 1, 1), np.float32), np.zeros(1, np.float32),
                       np.full((1, 1, 1, 1), 2.0, np.float32), np.zeros(1, np.float32), dense,
                       np.zeros(2, np.float32)])
    image = np.zeros((8, 8, 1), np.float32)
    image[5:7, 1:3] = 1.0
    image[1, 6] = 0.5
    predictor = Predictor(model)
    cam = predictor.grad_cam(image, 0)
    assert cam.shape == (8, 8) and not cam.flags.writeable
    # Weights are positive, so the map is the last layer's maps (2 x image), scaled to [0, 1].
    np.testing.assert_allclose(cam, image[:, :, 0] / image.max(), atol=1e-6)
    assert np.all(predictor.grad_cam(image, 1) == 0)  # a constant score has no gradient
