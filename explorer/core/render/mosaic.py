"""Mosaics: K maps (or K colour tiles) tiled into one float32 image in [0, 1].

Shared by the window's views and the headless ``filter`` command, so an
exported grid looks exactly like the screen.  :func:`build_mosaic` scales
each single-channel map by its levels (zero lands on 0.5, the middle of the
diverging colour map); :func:`build_rgb_mosaic` / :func:`rgb_stack_mosaic`
place colour tiles.  Gaps and label bands hold a neutral value.  Pure NumPy;
no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explorer.core.render.inputs import as_maps, as_rgb_stack
from explorer.core.render.layout import Layout, gap_regions
from explorer.core.render.levels import TINY_RANGE

__all__ = ["build_mosaic", "build_rgb_mosaic", "rgb_stack_mosaic"]


def _empty_mosaic(layout: Layout, gap_value: float, channels: int = 0) -> np.ndarray:
    """A fresh float32 mosaic with only its non-tile parts written (to ``gap_value``)."""
    shape = (layout.height, layout.width) + ((channels,) if channels else ())
    out = np.empty(shape, dtype=np.float32)
    for rows, cols in gap_regions(layout):
        out[rows, cols] = gap_value
    return out


def build_mosaic(maps: np.ndarray, layout: Layout, levels: np.ndarray | Sequence[float], *,
                 gap_value: float = 0.5, clip: bool = True) -> np.ndarray:
    """Tile single-channel maps into a fresh float32 mosaic in [0, 1].

    Parameters
    ----------
    maps : ndarray
        (H, W, K) maps matching ``layout``; never written.
    layout : Layout
        Where each tile goes.
    levels : array_like
        (K, 2), or one ``(low, high)`` pair for all maps: map ``k`` is mapped
        linearly so ``levels[k][0]`` -> 0 and ``levels[k][1]`` -> 1.  With
        symmetric levels zero lands on exactly 0.5.
    gap_value : float
        Value of gaps, label bands and empty cells (neutral 0.5 by default;
        the views paint them in their background colour).
    clip : bool
        Clip values outside the levels (pyqtgraph clips when drawing anyway;
        the views skip it because their levels always contain the data).

    Returns
    -------
    ndarray
        A new (height, width) float32 array; NaN stays NaN (drawn
        transparent).  Hand it to ``setImage`` and never touch it again.
    """
    arr = as_maps(maps)
    h, w, k = arr.shape
    if (h, w) != (layout.tile_h, layout.tile_w) or k != layout.count:
        raise ValueError(f"maps {arr.shape} do not match layout of {layout.count} tiles "
                         f"of {layout.tile_h}x{layout.tile_w}")
    lv = np.asarray(levels, dtype=np.float64)
    if lv.shape == (2,):
        lv = np.broadcast_to(lv, (k, 2))
    if lv.shape != (k, 2):
        raise ValueError(f"levels must be (2,) or ({k}, 2), got {lv.shape}")
    span = lv[:, 1] - lv[:, 0]
    span = np.where(span > 0, span, 2 * TINY_RANGE)
    scale = (1.0 / span).astype(np.float32)
    offset = (-lv[:, 0] / span).astype(np.float32)

    out = _empty_mosaic(layout, gap_value)
    # Work through the maps a band of rows at a time: the band (all K maps,
    # ~0.5 MB) stays in cache while it is scattered into the K tiles, so the
    # (H, W, K) array is read from memory once instead of K times.
    step = max(1, (1 << 19) // max(1, w * k * 4))
    for y0 in range(0, h, step):
        y1 = min(y0 + step, h)
        band = arr[y0:y1]
        for i, (top, left) in enumerate(layout.positions):
            dst = out[top + y0:top + y1, left:left + w]
            np.multiply(band[:, :, i], scale[i], out=dst)
            np.add(dst, offset[i], out=dst)
            if clip:
                np.clip(dst, 0.0, 1.0, out=dst)
    return out


def build_rgb_mosaic(images: np.ndarray | Sequence[np.ndarray], layout: Layout, *,
                     gap_value: float = 0.5) -> np.ndarray:
    """Tile RGB images into a float32 (height, width, 3) mosaic.

    Parameters
    ----------
    images : ndarray or sequence of ndarray
        (H, W, 3*K), or a list of (H, W, 3); values are clipped to [0, 1].
    layout : Layout
        Where each tile goes.
    gap_value : float
        Value of everything that is not a tile.

    Returns
    -------
    ndarray
        A new float32 mosaic.
    """
    return rgb_stack_mosaic(as_rgb_stack(images), layout, gap_value)


def rgb_stack_mosaic(stack: np.ndarray, layout: Layout, gap_value: float = 0.5) -> np.ndarray:
    """Tile a (K, H, W, 3) stack (see :func:`~explorer.core.render.inputs.as_rgb_stack`) as one mosaic.

    Parameters
    ----------
    stack : ndarray
        (K, H, W, 3) float32 tiles matching ``layout``; clipped to [0, 1].
    layout : Layout
        Where each tile goes.
    gap_value : float
        Value of everything that is not a tile.

    Returns
    -------
    ndarray
        A new float32 (height, width, 3) mosaic.
    """
    k, h, w, _ = stack.shape
    if (h, w) != (layout.tile_h, layout.tile_w) or k != layout.count:
        raise ValueError(f"images {stack.shape} do not match layout of {layout.count} tiles "
                         f"of {layout.tile_h}x{layout.tile_w}")
    out = _empty_mosaic(layout, gap_value, channels=3)
    for i, (top, left) in enumerate(layout.positions):
        np.clip(stack[i], 0.0, 1.0, out=out[top:top + h, left:left + w])
    return out
