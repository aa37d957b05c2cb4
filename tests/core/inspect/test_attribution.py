"""Saliency, SmoothGrad, occlusion and Grad-CAM: exact zeros where the model does not look."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.inspect.attribution import grad_cam, grad_cam_layer, occlusion, saliency
from explorer.core.inspect.errors import InspectError
from tests.core.inspect.inspect_models import functional_model, nested_model, quadrant_model, random_images


@pytest.fixture(scope="module")
def quadrant():
    return quadrant_model(), random_images(1)[0]


def test_saliency_is_zero_outside_the_seen_quadrant(quadrant):
    model, image = quadrant
    for samples in (0, 8):
        heat = saliency(model, image, 1, smooth_samples=samples)
        assert heat.shape == (16, 16) and heat.dtype == np.float32
        outside = np.ones((16, 16), bool)
        outside[:8, :8] = False
        assert np.all(heat[outside] == 0)
        assert heat[:8, :8].max() > 0


def test_occlusion_is_zero_far_from_the_quadrant(quadrant):
    model, image = quadrant
    heat = occlusion(model, image, 0, patch=3, stride=1)
    assert heat.shape == (16, 16)
    # Every patch covering a pixel at row or column >= 8 + 2 lies wholly outside the quadrant.
    assert np.all(heat[10:, :] == 0) and np.all(heat[:, 10:] == 0)
    assert np.abs(heat[:8, :8]).max() > 0


def test_occlusion_matches_a_one_copy_at_a_time_reference():
    model = nested_model()
    image = random_images(1, seed=3)[0]
    heat = occlusion(model, image, 2, patch=5, stride=4, fill=0.0)
    base = float(model(image[None])[0, 2])
    total, count = np.zeros((16, 16)), np.zeros((16, 16))
    for top in (0, 4, 8, 11):
        for left in (0, 4, 8, 11):
            copy = image.copy()
            copy[top:top + 5, left:left + 5] = 0.0
            total[top:top + 5, left:left + 5] += base - float(model(copy[None])[0, 2])
            count[top:top + 5, left:left + 5] += 1
    np.testing.assert_allclose(heat, total / count, atol=1e-5)


def test_smoothgrad_is_the_mean_gradient_over_noisy_copies():
    import tensorflow as tf

    model = functional_model()
    image = random_images(1, seed=1)[0]
    rng = np.random.default_rng(5)
    noisy = image[None] + rng.normal(0.0, 0.1, (4, *image.shape))
    x = tf.constant(noisy, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = tf.reduce_sum(_logit(model, x)[:, 0])
    expected = np.abs(tape.gradient(score, x).numpy().mean(axis=0)).max(axis=-1)
    np.testing.assert_allclose(saliency(model, image, 0, smooth_samples=4, noise=0.1, seed=5), expected,
                               rtol=1e-4, atol=1e-7)


def _logit(model, x):
    import keras

    return keras.Model(model.inputs, model.get_layer("logits").output)(x)


@pytest.mark.parametrize("make", [nested_model, functional_model])
def test_grad_cam_in_unit_range_at_input_size(make):
    model = make()
    assert grad_cam_layer(model).endswith("conv2")
    heat = grad_cam(model, random_images(1)[0], 1)
    assert heat.shape == (16, 16) and 0 <= heat.min() and heat.max() <= 1


def test_bad_requests_are_inspect_errors(quadrant):
    model, image = quadrant
    with pytest.raises(InspectError, match="shape"):
        saliency(model, np.zeros((8, 8, 1)), 0)
    with pytest.raises(InspectError, match="out of range"):
        occlusion(model, image, 3)
    with pytest.raises(InspectError, match="patch"):
        occlusion(model, image, 0, patch=20)
