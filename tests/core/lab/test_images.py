"""explorer.core.lab.images: view fitting, cropping, grey conversion and captions."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.lab.images import crop, describe, fit_for_view, to_gray

RNG = np.random.default_rng(1234)


# ------------------------------------------------------------ fit_for_view


def test_fit_for_view_leaves_small_images_alone():
    image = RNG.random((300, 200, 3), dtype=np.float32)
    fitted, scale = fit_for_view(image, max_side=300)
    assert fitted is image and scale == 1.0


@pytest.mark.parametrize("shape", [(3000, 4000, 3), (4000, 3000, 1), (1500, 700), (5000, 10, 3)])
def test_fit_for_view_keeps_aspect_and_max_side(shape):
    image = RNG.random(shape, dtype=np.float32)
    fitted, scale = fit_for_view(image, max_side=1024)
    assert fitted.dtype == np.float32 and fitted.ndim == image.ndim
    assert max(fitted.shape[:2]) == 1024
    assert scale == pytest.approx(1024 / max(shape[:2]))
    for old, new in zip(shape[:2], fitted.shape[:2]):
        assert abs(new - old * scale) <= 1
    if image.ndim == 3:
        assert fitted.shape[2] == image.shape[2]
    assert fitted.mean() == pytest.approx(image.mean(), abs=2e-3)


def test_fit_for_view_anti_aliases_fine_detail():
    rows, cols = np.indices((1200, 900))
    board = ((rows + cols) % 2).astype(np.float32)[..., None]
    fitted, scale = fit_for_view(board, max_side=350)  # a non-integer factor
    assert fitted.shape == (350, 262, 1)
    # Point sampling would give pure 0/1 stripes or moire; area averaging gives grey.
    assert fitted.mean() == pytest.approx(0.5, abs=0.01)
    assert fitted.std() < 0.1
    assert fitted.min() >= 0.0 and fitted.max() <= 1.0


def test_fit_for_view_does_not_modify_its_input():
    image = RNG.random((800, 600, 3), dtype=np.float32)
    before = image.copy()
    fit_for_view(image, max_side=100)
    np.testing.assert_array_equal(image, before)


def test_fit_for_view_accepts_other_dtypes():
    image = np.full((400, 200, 3), 255, np.uint8)
    fitted, _ = fit_for_view(image, max_side=100)
    assert fitted.dtype == np.float32 and fitted.shape == (100, 50, 3)
    np.testing.assert_allclose(fitted, 255.0)


@pytest.mark.parametrize("bad", [0, -5, 2.5, "big"])
def test_fit_for_view_rejects_bad_max_side(bad):
    with pytest.raises(ValueError, match="max_side"):
        fit_for_view(np.zeros((10, 10, 1), np.float32), max_side=bad)


def test_fit_for_view_handles_a_12_megapixel_photo():
    image = RNG.random((3000, 4000, 3), dtype=np.float32)
    fitted, scale = fit_for_view(image)
    assert fitted.shape == (768, 1024, 3) and scale == pytest.approx(1024 / 4000)


# ------------------------------------------------------------ crop, gray, describe


def test_crop_returns_a_copy_of_the_rectangle():
    image = np.arange(5 * 6 * 3, dtype=np.float32).reshape(5, 6, 3)
    part = crop(image, 1, 2, 3, 4)
    np.testing.assert_array_equal(part, image[1:4, 2:6])
    part[:] = -1
    assert image.min() == 0


def test_crop_accepts_numpy_integers_and_the_whole_image():
    image = np.ones((4, 4, 1), np.float32)
    assert crop(image, np.int64(0), np.int32(0), 4, 4).shape == (4, 4, 1)


@pytest.mark.parametrize(
    "args, words",
    [
        ((-1, 0, 2, 2), "negative"),
        ((0, -3, 2, 2), "negative"),
        ((0, 0, 0, 2), "at least 1"),
        ((0, 0, 2, -1), "at least 1"),
        ((3, 0, 3, 2), "bottom"),
        ((0, 4, 2, 3), "right"),
        ((0.5, 0, 2, 2), "integer"),
        ((0, 0, True, 2), "integer"),
    ],
)
def test_crop_validation(args, words):
    with pytest.raises(ValueError, match=words):
        crop(np.zeros((5, 6, 3), np.float32), *args)


def test_to_gray_uses_bt601_weights():
    image = np.zeros((1, 4, 3), np.float32)
    image[0, 0] = (1, 0, 0)
    image[0, 1] = (0, 1, 0)
    image[0, 2] = (0, 0, 1)
    image[0, 3] = (1, 1, 1)
    gray = to_gray(image)
    assert gray.shape == (1, 4, 1) and gray.dtype == np.float32
    np.testing.assert_allclose(gray[0, :, 0], [0.299, 0.587, 0.114, 1.0], rtol=1e-6)


def test_to_gray_of_gray_is_unchanged():
    image = RNG.random((3, 3, 1), dtype=np.float32)
    assert to_gray(image) is image
    assert to_gray(image[..., 0]).shape == (3, 3, 1)


def test_to_gray_rejects_other_channel_counts():
    with pytest.raises(ValueError, match="channels"):
        to_gray(np.zeros((2, 2, 2), np.float32))


def test_describe():
    assert describe(np.zeros((427, 640, 3), np.float32)) == "640×427, RGB"
    assert describe(np.zeros((28, 28, 1), np.float32)) == "28×28, grayscale"
    assert describe(np.zeros((10, 20), np.float32)) == "20×10, grayscale"
