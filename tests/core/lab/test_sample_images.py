"""explorer.core.lab.sample_images: the built-in photos, digit and patterns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer.core.lab import sample_images

EXPECTED_SAMPLES = {
    "china": (427, 640, 3),
    "flower": (427, 640, 3),
    "digit": (28, 28, 1),
    "stripes": (256, 256, 1),
    "checkerboard": (256, 256, 1),
    "circle": (256, 256, 1),
}


def test_samples_are_listed_in_order_with_one_line_descriptions():
    assert list(sample_images.SAMPLES) == list(EXPECTED_SAMPLES)
    for description in sample_images.SAMPLES.values():
        assert description and "\n" not in description


@pytest.mark.parametrize("name, shape", EXPECTED_SAMPLES.items())
def test_sample_shapes_and_ranges(name, shape):
    image = sample_images.sample(name)
    assert image.shape == shape and image.dtype == np.float32
    assert image.min() == 0.0 and image.max() == 1.0
    assert not image.flags.writeable
    with pytest.raises(ValueError):
        image[0, 0, 0] = 0.5
    assert sample_images.sample(name) is image  # cached


def test_seed_photos_match_scikit_learn():
    from sklearn.datasets import load_sample_image

    np.testing.assert_allclose(sample_images.sample("china"), load_sample_image("china.jpg") / 255.0, atol=1e-6)


def test_digit_is_white_ink_on_black_like_mnist():
    digit = sample_images.sample("digit")[..., 0]
    assert (digit[:3] == 0).all() and (digit[-3:] == 0).all()  # empty MNIST-style margin
    assert (digit[:, :3] == 0).all() and (digit[:, -3:] == 0).all()
    assert 0.05 < digit.mean() < 0.35  # mostly dark background, some bright ink
    assert len(np.unique(digit)) > 20  # smooth, not blocky 8x8 steps


def test_patterns():
    stripes = sample_images.sample("stripes")[..., 0]
    assert (stripes == stripes[0]).all()  # vertical: every row alike
    assert len(np.unique(stripes[0])) == 2
    board = sample_images.sample("checkerboard")[..., 0]
    assert not (board == board[0]).all() and not (board == board[:, :1]).all()
    np.testing.assert_array_equal(board, board.T)
    circle = sample_images.sample("circle")[..., 0]
    assert circle[128, 128] == 1.0 and circle[0, 0] == 0.0
    assert ((circle > 0) & (circle < 1)).any()  # anti-aliased rim
    assert circle.sum() == pytest.approx(math.pi * 80**2, rel=0.01)


def test_unknown_sample_lists_the_names():
    with pytest.raises(ValueError, match="china.*flower.*digit.*stripes.*checkerboard.*circle"):
        sample_images.sample("lena")



@pytest.mark.parametrize("name", ["china", "flower"])
def test_sample_photos_equal_scikit_learns(name):
    """Read straight from scikit-learn's folder (fast start-up), yet the very same pixels."""
    from sklearn.datasets import load_sample_image

    expected = (load_sample_image(f"{name}.jpg") / 255.0).astype(np.float32)
    np.testing.assert_array_equal(sample_images.sample(name), expected)
