"""The arrays the renderers accept, in the one shape and type each works on.

* :func:`as_maps`: single-channel maps as (H, W, K) float32;
* :func:`as_rgb_stack`: colour tiles as (K, H, W, 3) float32;
* :func:`as_hwc` / :func:`to_unit_float`: an image as (H, W, C), and as
  float32 in [0, 1].

Pure NumPy; no Qt.  None of them ever writes the caller's array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["as_hwc", "as_maps", "as_rgb_stack", "to_unit_float"]


def as_maps(maps: np.ndarray) -> np.ndarray:
    """Single-channel maps as (H, W, K) float32.

    Parameters
    ----------
    maps : array_like
        (H, W, K), or (H, W) for one map.

    Returns
    -------
    ndarray
        float32 (H, W, K): the caller's array itself when it already is one.
    """
    arr = np.asarray(maps)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"maps must be (H, W, K), got shape {arr.shape}")
    return arr.astype(np.float32, copy=False)


def as_rgb_stack(images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """RGB images as one (K, H, W, 3) float32 stack.

    Parameters
    ----------
    images : ndarray or sequence of ndarray
        (H, W, 3*K), or a non-empty list of equal (H, W, 3) arrays.

    Returns
    -------
    ndarray
        float32 (K, H, W, 3): a view of the caller's array where possible, else a copy.
    """
    if isinstance(images, np.ndarray):
        arr = images
        if arr.ndim != 3 or arr.shape[2] % 3 or arr.shape[2] == 0:
            raise ValueError(f"RGB images must be (H, W, 3*K), got shape {arr.shape}")
        h, w, c = arr.shape
        stack = arr.reshape(h, w, c // 3, 3).transpose(2, 0, 1, 3)
    else:
        parts = [np.asarray(im) for im in images]
        if not parts or any(p.ndim != 3 or p.shape[2] != 3 or p.shape != parts[0].shape for p in parts):
            raise ValueError("RGB images must be a non-empty list of equal (H, W, 3) arrays")
        stack = np.stack(parts)
    return stack.astype(np.float32, copy=False)


def as_hwc(image: np.ndarray) -> np.ndarray:
    """An image as (H, W, C).

    Parameters
    ----------
    image : array_like
        (H, W) or (H, W, C) with C > 0.

    Returns
    -------
    ndarray
        (H, W, C), of the caller's type: (H, W) gains a channel axis.
    """
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] == 0:
        raise ValueError(f"an image must be (H, W) or (H, W, C), got shape {np.shape(image)}")
    return arr


def to_unit_float(image: np.ndarray) -> np.ndarray:
    """An image as float32 in [0, 1].

    Parameters
    ----------
    image : array_like
        uint8 (read as 0..255) or floats.

    Returns
    -------
    ndarray
        A float32 copy of the same shape; floats already in [0, 1] keep their
        values, others are scaled by their own finite range.
    """
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255.0)
    arr = arr.astype(np.float32)   # always a copy: never write the caller's array
    finite = arr[np.isfinite(arr)]
    if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
        lo, hi = float(finite.min()), float(finite.max())
        arr = (arr - lo) / (hi - lo if hi > lo else 1.0)
    return arr
