"""Activation maximisation: a known filter's unit asks for that filter's pattern."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.inspect.errors import Cancelled, InspectError
from explorer.core.inspect.maximize import maximize, unit_response
from tests.core.inspect.inspect_models import functional_model, nested_model, random_images

VERTICAL_EDGE = np.array([[-1.0, 0.0, 1.0]] * 3, np.float32)


@pytest.fixture(scope="module")
def edge_model():
    """One Conv2D layer whose two units are a vertical and a horizontal edge filter."""
    import keras

    model = keras.Sequential([keras.Input((20, 20, 1)), keras.layers.Conv2D(2, 3, activation="relu", name="edges")])
    weights = np.zeros((3, 3, 1, 2), np.float32)
    weights[:, :, 0, 0], weights[:, :, 0, 1] = VERTICAL_EDGE, VERTICAL_EDGE.T
    model.get_layer("edges").set_weights([weights, np.zeros(2, np.float32)])
    return model


def _patch_correlations(image, kernel):
    values = []
    for i in range(image.shape[0] - 2):
        for j in range(image.shape[1] - 2):
            patch = image[i:i + 3, j:j + 3]
            if patch.std() > 0:
                values.append(np.corrcoef(patch.ravel(), kernel.ravel())[0, 1])
    return np.array(values)


def test_the_maximising_image_is_the_filter_tiled(edge_model):
    result = maximize(edge_model, "edges", [0, 1], steps=60)
    assert result.images.shape == (2, 20, 20, 1) and result.images.dtype == np.float32
    assert result.images.min() >= 0 and result.images.max() <= 1
    for unit, kernel, other in ((0, VERTICAL_EDGE, VERTICAL_EDGE.T), (1, VERTICAL_EDGE.T, VERTICAL_EDGE)):
        image = result.images[unit, :, :, 0]
        own, wrong = _patch_correlations(image, kernel), _patch_correlations(image, other)
        assert own.max() > 0.95 and wrong.max() < 0.6
        # Many positions of the image carry the pattern, not one spot.
        assert np.mean(own > 0.9) > 0.2
    random = unit_response(edge_model, "edges", random_images(2, (20, 20, 1)), [0, 1])
    assert np.all(result.activations > 1.5 * random)
    np.testing.assert_allclose(unit_response(edge_model, "edges", result.images, [0, 1]), result.activations)


def test_same_seed_same_images(edge_model):
    a = maximize(edge_model, "edges", [0], steps=12, seed=4)
    b = maximize(edge_model, "edges", [0], steps=12, seed=4)
    np.testing.assert_array_equal(a.images, b.images)


@pytest.mark.parametrize("make, layer", [(nested_model, "base_conv2"), (functional_model, "softmax")])
def test_nested_and_functional_models_raise_their_unit(make, layer):
    model = make()
    result = maximize(model, layer, [0, 2], steps=24)
    start = unit_response(model, layer, np.full((2, 16, 16, 1), 0.5, np.float32), [0, 2])
    # A random unit may be out of reach within [0, 1]; it must never get worse.
    assert np.all(result.activations >= start) and np.any(result.activations > start)


def test_a_unit_dead_at_the_start_comes_alive():
    import keras

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3, activation="relu", name="bright")])
    # Mean of the 3×3 patch minus 0.7: -0.2 on grey (no gradient through the ReLU), 0.3 on white.
    model.get_layer("bright").set_weights([np.full((3, 3, 1, 1), 1 / 9, np.float32), np.array([-0.7], np.float32)])
    result = maximize(model, "bright", [0], steps=48)
    assert result.activations[0] > 0.25
    assert result.images.mean() > 0.9


def test_progress_cancel_and_bad_units(edge_model):
    seen = []
    maximize(edge_model, "edges", [0], steps=24, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        maximize(edge_model, "edges", [0], steps=24, should_stop=lambda: True)
    with pytest.raises(InspectError, match="unit 2 is out of range"):
        maximize(edge_model, "edges", [2])
    with pytest.raises(InspectError, match="unknown layer"):
        maximize(edge_model, "nope", [0])
