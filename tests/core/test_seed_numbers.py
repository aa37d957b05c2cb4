"""The numbers from the course notes (seeds 000 and 004) and the kernel presets."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TF's oneDNN conv2d returns garbage in some strided cases; the references use
# TF's portable kernels (see conftest.py).
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_sample_image

from explorer.core import arithmetic
from explorer.core.lab import kernels, ops

# ------------------------------------------------------------- arithmetic: the notes


@pytest.mark.parametrize(
    "n, f, kwargs, expected",
    [
        (28, 3, {}, 26),  # 28x28x1 -> 26x26x32
        (13, 3, {}, 11),  # 13x13x32 -> 11x11x64
        (5, 3, {}, 3),  # 5x5x64 -> 3x3x64
        (32, 3, {"padding": "same"}, 32),  # 'same' keeps 32x32
        (32, 5, {"padding": "same"}, 32),
        (26, 2, {"stride": 2}, 13),  # max pooling 2: 26 -> 13
        (11, 2, {"stride": 2}, 5),  # max pooling 2: 11 -> 5
        (32, 5, {"stride": 1, "padding": 0}, 28),  # seed 000's CONV example
        (32, 5, {"stride": 1, "padding": "valid"}, 28),
        (32, 5, {"stride": 1, "padding": 2}, 32),
        (32, 3, {"stride": 2, "padding": "same"}, 16),
        (7, 3, {"stride": 2, "padding": "same"}, 4),  # ceil(7/2)
        (7, 3, {"stride": 2}, 3),
        (28, 3, {"dilation": 2}, 24),
        (10, 3, {"padding": (1, 0)}, 9),  # asymmetric (before, after)
        (10, 3, {"padding": (2, 1), "stride": 2}, 6),
    ],
)
def test_output_size_course_numbers(n, f, kwargs, expected):
    got = arithmetic.output_size(n, f, **kwargs)
    assert got == expected
    assert isinstance(got, (int, np.integer)) and not isinstance(got, bool)
    text = arithmetic.output_size_formula(n, f, **kwargs)
    assert text.endswith(f"= {expected:,}"), text


@pytest.mark.parametrize(
    "kernel, c_in, filters, expected",
    [
        (3, 1, 32, 320),
        (3, 32, 64, 18_496),
        (3, 64, 64, 36_928),
        ((3, 3), 64, 64, 36_928),
        ((5, 3), 2, 10, 310),
        (5, 3, 6, 456),  # LeNet-like first layer on RGB
    ],
)
def test_conv_params_course_numbers(kernel, c_in, filters, expected):
    got = arithmetic.conv_params(kernel, c_in, filters)
    assert got == expected
    assert isinstance(got, (int, np.integer)) and not isinstance(got, bool)
    assert arithmetic.conv_params_formula(kernel, c_in, filters).endswith(f"= {expected:,}")


def test_conv_params_without_bias():
    assert arithmetic.conv_params(3, 1, 32, bias=False) == 288
    assert arithmetic.conv_params(3, 32, 64, bias=False) == 18_432
    assert arithmetic.conv_params_formula(3, 32, 64, bias=False).endswith("= 18,432")


def test_documented_formula_strings_exactly():
    assert arithmetic.output_size_formula(28, 3) == "⌊(28 + 2·0 − 3)/1⌋ + 1 = 26"
    assert arithmetic.conv_params_formula(3, 1, 32) == "(3·3·1 + 1)·32 = 320"
    assert arithmetic.conv_params_formula(3, 32, 64) == "(3·3·32 + 1)·64 = 18,496"


def test_large_param_count_uses_thousands_separators():
    # (3*3*512 + 1) * 512 = 2,359,808
    text = arithmetic.conv_params_formula(3, 512, 512)
    assert arithmetic.conv_params(3, 512, 512) == 2_359_808
    assert text.endswith("= 2,359,808"), text


# ------------------------------------------------------ the same numbers with real ops


def test_course_cnn_shapes_with_real_ops():
    rng = np.random.default_rng(2024)
    x = rng.random((28, 28, 1), dtype=np.float32)

    y = ops.conv2d(x, rng.normal(size=(3, 3, 1, 32)).astype(np.float32))
    assert y.shape == (26, 26, 32) and y.dtype == np.float32
    y = ops.pool2d(y, 2)
    assert y.shape == (13, 13, 32)
    y = ops.conv2d(y, rng.normal(size=(3, 3, 32, 64)).astype(np.float32))
    assert y.shape == (11, 11, 64)
    y = ops.pool2d(y, 2)
    assert y.shape == (5, 5, 64)
    y = ops.conv2d(y, rng.normal(size=(3, 3, 64, 64)).astype(np.float32))
    assert y.shape == (3, 3, 64)
    assert ops.global_pool(y).shape == (64,)

    same = ops.conv2d(
        rng.random((32, 32, 3), dtype=np.float32),
        rng.normal(size=(3, 3, 3, 8)).astype(np.float32),
        padding="same",
    )
    assert same.shape == (32, 32, 8)

    # seed 000: n=32, f=5, s=1, p=0 -> 28
    out = ops.conv2d(
        rng.random((32, 32, 3), dtype=np.float32),
        rng.normal(size=(5, 5, 3, 6)).astype(np.float32),
        stride=1,
        padding=0,
    )
    assert out.shape == (28, 28, 6)


def test_course_cnn_matches_keras_model_summary():
    """The notes' numbers are also what Keras reports for the same architecture."""
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, name="c1"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, name="c2"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, name="c3"),
        ]
    )
    expected = {"c1": (3, 1, 32), "c2": (3, 32, 64), "c3": (3, 64, 64)}
    for name, (f, c_in, k) in expected.items():
        layer = model.get_layer(name)
        assert arithmetic.conv_params(f, c_in, k) == layer.count_params()
    assert model.output_shape == (None, 3, 3, 64)
    assert [l.count_params() for l in model.layers if l.name.startswith("c")] == [
        320,
        18_496,
        36_928,
    ]


# -------------------------------------------------------------------------- presets

EXPECTED_PRESETS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edge-diagonal": [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
    "edge-laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "edge-all": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "gaussian-blur": (np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16).tolist(),
    "box-blur": (np.ones((3, 3)) / 9).tolist(),
    "sobel-x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel-y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}
_v = np.zeros((7, 7))
_v[:, 3] = 1
_h = np.zeros((7, 7))
_h[3, :] = 1
EXPECTED_PRESETS["vertical-line"] = _v.tolist()
EXPECTED_PRESETS["horizontal-line"] = _h.tolist()


def test_all_documented_presets_exist_with_descriptions():
    assert set(EXPECTED_PRESETS) <= set(kernels.PRESETS)
    assert set(kernels.DESCRIPTIONS) == set(kernels.PRESETS)
    for name, text in kernels.DESCRIPTIONS.items():
        assert isinstance(text, str) and text.strip(), name
        assert "\n" not in text.strip(), f"description of {name!r} is not one line"


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_preset_values(name):
    k = kernels.PRESETS[name]
    assert isinstance(k, np.ndarray)
    assert k.dtype == np.float32
    assert k.ndim == 2
    expected = np.asarray(EXPECTED_PRESETS[name], dtype=np.float32)
    assert k.shape == expected.shape
    np.testing.assert_array_equal(k, expected)


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_preset_is_read_only(name):
    k = kernels.PRESETS[name]
    before = k.copy()
    with pytest.raises((ValueError, TypeError)):
        k[0, 0] = 42.0
    with pytest.raises((ValueError, TypeError)):
        k += 1
    np.testing.assert_array_equal(kernels.PRESETS[name], before)


def test_all_presets_are_float32_2d_finite():
    for name, k in kernels.PRESETS.items():
        assert isinstance(k, np.ndarray) and k.dtype == np.float32 and k.ndim == 2, name
        assert np.all(np.isfinite(k)), name
        assert not k.flags.writeable, f"preset {name!r} is writeable"


def test_blur_presets_preserve_brightness():
    for name in ("gaussian-blur", "box-blur"):
        assert kernels.PRESETS[name].sum() == pytest.approx(1.0, abs=1e-6)


def test_identity_preset_is_identity_through_filter_image():
    x = np.random.default_rng(3).random((9, 7, 3), dtype=np.float32)
    np.testing.assert_allclose(ops.filter_image(x, kernels.PRESETS["identity"]), x, atol=1e-6)


# ---------------------------------------------------------------- seed 004's filters


@pytest.fixture(scope="module")
def sample_images():
    """china.jpg and flower.jpg (bundled with scikit-learn) / 255, cropped to 80x120."""
    china = load_sample_image("china.jpg") / 255
    flower = load_sample_image("flower.jpg") / 255
    images = np.array([china[150:230, 130:250], flower[150:230, 130:250]])
    assert images.shape == (2, 80, 120, 3)
    return images  # float64, as in the seed


def _seed_filters(channels: int) -> np.ndarray:
    filters = np.zeros((7, 7, channels, 2), dtype=np.float32)
    filters[:, 3, :, 0] = 1  # vertical line
    filters[3, :, :, 1] = 1  # horizontal line
    return filters


def test_seed_004_line_filters_match_tf(sample_images):
    images = sample_images.astype(np.float32)
    batch_size, height, width, channels = images.shape
    filters = _seed_filters(channels)

    got = ops.conv2d(images, filters, padding="same")
    want = tf.nn.conv2d(images, filters, strides=1, padding="SAME").numpy()

    assert got.shape == (batch_size, height, width, 2)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max()))
    # the feature maps actually differ (vertical vs horizontal lines)
    assert not np.allclose(got[..., 0], got[..., 1])


def test_seed_004_float64_images_like_the_seed(sample_images):
    """The seed feeds `load_sample_image(...) / 255` (float64) straight in."""
    filters = _seed_filters(3)
    got = ops.conv2d(sample_images, filters, padding="SAME")
    want = tf.nn.conv2d(
        sample_images.astype(np.float32), filters, strides=1, padding="SAME"
    ).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max()))


def test_seed_004_presets_equal_the_seed_filters(sample_images):
    filters = _seed_filters(3)
    np.testing.assert_array_equal(kernels.PRESETS["vertical-line"], filters[:, :, 0, 0])
    np.testing.assert_array_equal(kernels.PRESETS["horizontal-line"], filters[:, :, 0, 1])

    images = sample_images.astype(np.float32)
    # per-channel filtering with the preset == depthwise conv with the tiled kernel
    for name in ("vertical-line", "horizontal-line"):
        k = kernels.PRESETS[name]
        got = ops.filter_image(images, k)
        tiled = np.tile(k[:, :, None, None], (1, 1, 3, 1))
        want = tf.nn.depthwise_conv2d(images, tiled, strides=[1, 1, 1, 1], padding="SAME").numpy()
        assert got.shape == images.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max()))
        # summing the per-channel maps gives the seed's conv2d feature map
        channel = 0 if name == "vertical-line" else 1
        full = tf.nn.conv2d(images, filters, strides=1, padding="SAME").numpy()[..., channel]
        np.testing.assert_allclose(got.sum(axis=-1), full, rtol=1e-4, atol=1e-3)


def test_seed_004_depth_pooling(sample_images):
    images = sample_images.astype(np.float32)
    got = ops.depth_pool(images, 3)
    want = tf.nn.max_pool(images, ksize=(1, 1, 1, 3), strides=(1, 1, 1, 3), padding="VALID").numpy()
    assert got.shape == (2, 80, 120, 1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_seed_004_max_pooling(sample_images):
    images = sample_images.astype(np.float32)
    got = ops.pool2d(images, 2)
    want = keras.ops.convert_to_numpy(keras.layers.MaxPooling2D(pool_size=2)(images))
    assert got.shape == (2, 40, 60, 3)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    gap = ops.global_pool(images)
    np.testing.assert_allclose(gap, images.mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)
