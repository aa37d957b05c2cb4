"""Probing layers of nested and Functional models: names, units, flat output models."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.inspect.errors import InspectError
from explorer.core.inspect.layers import (
    default_embedding_layer,
    layer_names,
    output_layer_name,
    output_model,
    score_model,
    unit_count,
)
from tests.core.inspect.inspect_models import functional_model, nested_model, random_images


def test_nested_sequential_lists_inner_layers_in_order():
    model = nested_model()
    assert layer_names(model) == ("base_conv1", "base_pool", "base_conv2", "flat", "hidden", "probs")
    assert layer_names(model, spatial=True) == ("base_conv1", "base_pool", "base_conv2")
    assert unit_count(model, "base_conv2") == 6 and unit_count(model, "hidden") == 8
    assert default_embedding_layer(model) == "hidden"
    assert output_layer_name(model) == "probs"


def test_functional_with_separate_softmax():
    model = functional_model()
    assert layer_names(model, spatial=True) == ("inner_conv1", "inner_pool", "inner_conv2")
    assert default_embedding_layer(model) == "gap"  # the Softmax layer and the logits are the classifier


@pytest.mark.parametrize("make", [nested_model, functional_model])
def test_output_model_matches_the_model_and_a_manual_chain(make):
    model = make()
    images = random_images(3)
    first, final = output_model(model, [layer_names(model)[0], output_layer_name(model)])(images, training=False)
    np.testing.assert_allclose(final, model(images, training=False), rtol=1e-5, atol=1e-6)
    conv = model.get_layer("base" if make is nested_model else "inner").layers[1]
    np.testing.assert_allclose(first, conv(images), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [nested_model, functional_model])
def test_score_is_the_pre_softmax_value(make):
    import keras

    model = make()
    images = random_images(2)
    scores = np.asarray(score_model(model, output_layer_name(model))(images))
    np.testing.assert_allclose(keras.ops.softmax(scores), model(images), rtol=1e-5, atol=1e-6)
    assert not np.allclose(scores.sum(axis=1), 1.0)


def test_unknown_layer_lists_the_names():
    with pytest.raises(InspectError, match="unknown layer 'nope'.*base_conv1"):
        output_model(nested_model(), ["nope"])
