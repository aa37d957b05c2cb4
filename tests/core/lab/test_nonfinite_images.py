"""Images with NaN or infinity give TensorFlow's answer, NaN for NaN.

The fast paths skip all-zero kernel taps and split rank-1 kernels into two
1-D passes. Both are exact only for finite pixels (TF computes inf * 0 = NaN),
so for a non-finite image the ops take the exact path. These tests use the
kernels that would otherwise take a shortcut.
"""

import numpy as np
import pytest
import tensorflow as tf

from explorer.core.lab import kernels, ops

SHORTCUT_KERNELS = ["edge-laplacian", "identity", "gaussian-blur", "vertical-line", "sobel-x"]


def image_with(value) -> np.ndarray:
    image = np.random.default_rng(0).random((2, 9, 11, 2)).astype(np.float32)
    image[0, 4, 5, 1] = value
    image[1, 0, 0, 0] = value
    return image


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", SHORTCUT_KERNELS)
def test_conv2d_propagates_like_tensorflow(name, value):
    image = image_with(value)
    bank = np.stack([kernels.PRESETS[name]] * 2, axis=-1)[:, :, :, None]  # (kh, kw, 2, 1)
    expected = tf.nn.conv2d(image, bank, strides=1, padding="SAME").numpy()
    got = ops.conv2d(image, bank, padding="same", engine="planes")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", SHORTCUT_KERNELS)
def test_filter_image_propagates_like_tensorflow(name, value):
    image = image_with(value)
    k2 = kernels.PRESETS[name]
    depthwise = np.repeat(k2[:, :, None, None], 2, axis=2)
    expected = tf.nn.depthwise_conv2d(image, depthwise, [1, 1, 1, 1], "SAME").numpy()
    got = ops.filter_image(image, k2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5, equal_nan=True)


def test_finite_check_is_not_fooled_by_overflow():
    """Huge finite pixels overflow the quick sum; the exact check still calls them finite."""
    image = np.full((6, 6, 1), 3e38, np.float32)
    assert ops.all_finite(image)
    assert not ops.all_finite(image_with(np.nan))
