"""Array transforms of the kernel lab's images: fit for the view, crop, grey, caption.

Everything here is NumPy in, NumPy out: an image is a float32 array of shape
(H, W, C) with values in [0, 1], C = 1 for grayscale and 3 for colour
(`explorer.core.lab.image_files` loads them, `explorer.core.lab.sample_images`
makes the built-in ones).
"""

from __future__ import annotations

import operator

import numpy as np
from PIL import Image

__all__ = ["VIEW_MAX_SIDE", "crop", "cropped", "describe", "fit_for_view", "to_gray"]

#: The kernel lab's live view works on at most this many pixels per side (lessons hold such images).
VIEW_MAX_SIDE = 1024

_LUMA_601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _check_image(image, what: str = "image") -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[0] == 0 or array.shape[1] == 0 or array.shape[2] == 0:
        raise ValueError(f"{what} must be an array of shape (H, W) or (H, W, C), got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{what} must hold real numbers, got dtype {array.dtype}")
    return array


def fit_for_view(image, max_side: int = VIEW_MAX_SIDE) -> tuple[np.ndarray, float]:
    """Downscale so the longer side is at most `max_side`, keeping the aspect ratio.

    Each channel is resized with Pillow's BOX filter on a float32 ('F') image,
    i.e. every output pixel is the average of the input pixels it covers, so
    fine detail turns into its mean grey instead of aliasing into stripes.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C) image.
    max_side : int
        Largest allowed height or width.

    Returns
    -------
    (numpy.ndarray, float)
        The image and the scale factor new/old. When no scaling is needed this
        is the very same array object and 1.0; otherwise a new float32 array
        with the same number of dimensions.
    """
    try:
        max_side = operator.index(max_side)
    except TypeError:
        raise ValueError(f"max_side must be an integer, got {max_side!r}") from None
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, got {max_side}")
    array = _check_image(image)
    height, width = array.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image, 1.0
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    channels = [_resize_channel(array[..., c], size) for c in range(array.shape[2])]
    out = np.stack(channels, axis=-1)
    return (out if np.ndim(image) == 3 else out[..., 0]), scale


def _resize_channel(channel: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    plane = np.ascontiguousarray(channel, dtype=np.float32)
    height, width = plane.shape
    picture = Image.frombuffer("F", (width, height), plane, "raw", "F", 0, 1)
    return np.asarray(picture.resize(size, Image.Resampling.BOX), dtype=np.float32)


def crop(image, top: int, left: int, height: int, width: int) -> np.ndarray:
    """Return a copy of the rectangle of `height` x `width` pixels at (`top`, `left`).

    Raises
    ------
    ValueError
        If an argument is not an integer, the size is not positive, or the
        rectangle does not lie entirely inside the image (nothing is clipped).
    """
    array = np.asarray(image)
    if array.ndim not in (2, 3) or 0 in array.shape[:2]:
        raise ValueError(f"can only crop an (H, W) or (H, W, C) image, got shape {array.shape}")
    top, left, height, width = (_integer(v, n) for v, n in
                                ((top, "top"), (left, "left"), (height, "height"), (width, "width")))
    rows, cols = array.shape[:2]
    if height < 1 or width < 1:
        raise ValueError(f"crop size must be at least 1×1 pixel, got {width}×{height} (width×height)")
    if top < 0 or left < 0:
        raise ValueError(f"crop corner must not be negative, got top={top}, left={left}")
    if top + height > rows:
        raise ValueError(f"crop rows {top}..{top + height - 1} go past the bottom of a {rows}-row image")
    if left + width > cols:
        raise ValueError(f"crop columns {left}..{left + width - 1} go past the right of a {cols}-column image")
    return array[top:top + height, left:left + width].copy()


def cropped(image, region: tuple[int, int, int, int] | None) -> np.ndarray:
    """What a crop region shows of `image`: the image itself when `region` is None.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C) image.
    region : (int, int, int, int) or None
        (top, left, height, width); a rectangle that reaches past the bottom
        or right edge is cut off there, as the lab's crop controls allow.

    Returns
    -------
    numpy.ndarray
        `image` itself for None, otherwise a copy of the rectangle (see :func:`crop`).
    """
    if region is None:
        return image
    top, left, height, width = region
    rows, cols = np.shape(image)[:2]
    return crop(image, top, left, min(height, rows - top), min(width, cols - left))


def _integer(value, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"crop {name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"crop {name} must be an integer, got {value!r}") from None


def to_gray(image) -> np.ndarray:
    """Convert to grayscale with the ITU-R BT.601 luma weights 0.299, 0.587, 0.114.

    Returns
    -------
    numpy.ndarray
        float32 (H, W, 1). A grayscale input comes back as float32 (H, W, 1),
        without a copy when it already is one.
    """
    array = _check_image(image)
    channels = array.shape[2]
    if channels == 1:
        return array.astype(np.float32, copy=False)
    if channels != 3:
        raise ValueError(f"to_gray needs 1 or 3 channels, got {channels}")
    gray = array.astype(np.float32, copy=False) @ _LUMA_601
    return gray[..., None]


def describe(image) -> str:
    """A short caption such as '640×427, RGB' or '28×28, grayscale' (width×height)."""
    array = _check_image(image)
    height, width, channels = array.shape
    kind = {1: "grayscale", 3: "RGB", 4: "RGBA"}.get(channels, f"{channels} channels")
    return f"{width}×{height}, {kind}"
