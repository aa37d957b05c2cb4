"""Frames: feature maps laid out and coloured for the screen in one pass, off the UI thread.

A :class:`Frame` holds the finished picture of a feature-map view with the
layout, levels and colour table it was made with: for single-channel maps
the colour-table entry of every mosaic pixel (one uint8 mosaic: an indexed
image, which Qt turns into screen pixels faster than any NumPy gather), for
colour tiles the pixels themselves (``0xffRRGGBB`` uint32, Qt's
``QImage.Format_RGB32``).  :func:`maps_frame` and :func:`rgb_frame` build one
exactly as the view colours maps itself (the same levels, the same table
entries as :func:`~explorer.core.render.luts.apply_lut` of
:func:`~explorer.core.render.mosaic.build_mosaic`), so a worker thread can do
all the per-pixel work and the view only paints.  :func:`frame_pixels` is
the reference colouring in NumPy.  Pure NumPy; no Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core.render.inputs import as_maps, as_rgb_stack
from explorer.core.render.layout import Layout, gap_regions, view_layout
from explorer.core.render.levels import check_mode, extrema_and_nan, signed_from_extrema, unsigned_from_extrema
from explorer.core.render.luts import BACKGROUND_RGB

__all__ = ["Frame", "colour_rgb", "frame_pixels", "frame_rgb", "map_indices", "maps_frame", "packed_lut",
           "nan_pixels", "pixel", "rgb_frame"]

_PACKED: dict[int, tuple[np.ndarray, np.ndarray]] = {}


@dataclass(frozen=True, eq=False)
class Frame:
    """A feature-map view's picture, ready to paint.

    Attributes
    ----------
    kind : str
        "maps" (single-channel maps through a colour table) or "rgb" (colour tiles).
    data : ndarray
        What it shows: (H, W, K) float32 maps or (K, H, W, 3) float32 tiles; never written.
    labels : tuple of str
        One label per tile ("" for none).
    layout : Layout
        Where the tiles are.
    index : ndarray or None
        "maps": (layout.height, layout.width) uint8 colour-table entries of the
        tiles (gaps, label bands and NaN pixels hold 0: paint them over), read-only.
    pixels : ndarray or None
        "rgb": (layout.height, layout.width) uint32 ``0xffRRGGBB``, gaps
        painted, C-contiguous, read-only.
    levels : ndarray or None
        (K, 2) levels of "maps" frames.
    extrema : tuple of ndarray or None
        The maps' finite (lo, hi), from which other levels can be derived.
    nan_maps : ndarray or None
        bool (K,): the maps that hold NaN (drawn in the background colour).
    lut : ndarray or None
        The (256, 3) table of "maps" frames.
    levels_mode : str
        "shared" or "per-map".
    signed : bool
        Symmetric levels around zero (diverging table) or min..max.
    """

    kind: str
    data: np.ndarray
    labels: tuple[str, ...]
    layout: Layout
    index: np.ndarray | None = None
    pixels: np.ndarray | None = None
    levels: np.ndarray | None = None
    extrema: tuple[np.ndarray, np.ndarray] | None = None
    nan_maps: np.ndarray | None = None
    lut: np.ndarray | None = None
    levels_mode: str = "shared"
    signed: bool = True


def packed_lut(lut: np.ndarray) -> np.ndarray:
    """A (256, 3) uint8 table as 256 ``0xffRRGGBB`` uint32 pixels (cached while the table lives).

    Parameters
    ----------
    lut : ndarray
        (256, 3) (or (256, 4); alpha is ignored) uint8.

    Returns
    -------
    ndarray
        (256,) uint32, read-only.
    """
    cached = _PACKED.get(id(lut))
    if cached is not None and cached[0] is lut:
        return cached[1]
    table = np.asarray(lut, dtype=np.uint32)[:, :3]
    packed = np.uint32(0xFF000000) | (table[:, 0] << 16) | (table[:, 1] << 8) | table[:, 2]
    packed.flags.writeable = False
    if isinstance(lut, np.ndarray):
        _PACKED[id(lut)] = (lut, packed)  # holding `lut` keeps its id from being reused
    return packed


def pixel(rgb: Sequence[int]) -> int:
    """One colour as a ``0xffRRGGBB`` pixel value.

    Parameters
    ----------
    rgb : sequence of int
        Red, green, blue, 0..255.

    Returns
    -------
    int
        The opaque pixel.
    """
    r, g, b = (int(v) for v in rgb[:3])
    return 0xFF000000 | r << 16 | g << 8 | b


def _paint_gaps(out: np.ndarray, layout: Layout, value) -> np.ndarray:
    for rows, cols in gap_regions(layout):
        out[rows, cols] = value
    return out


def map_indices(maps: np.ndarray, layout: Layout, levels: np.ndarray) -> np.ndarray:
    """The colour-table entry of every tile pixel: maps scaled by their levels, as pyqtgraph indexes.

    Map ``k`` is scaled so ``levels[k]`` spans [0, 1]; its entry is
    ``floor(256 v)`` clipped to 0..255, the same as
    :func:`~explorer.core.render.luts.apply_lut` of
    :func:`~explorer.core.render.mosaic.build_mosaic`.

    Parameters
    ----------
    maps : ndarray
        (H, W, K) float32 maps matching ``layout``; never written.
    layout : Layout
        Where each tile goes.
    levels : ndarray
        (K, 2) levels.

    Returns
    -------
    ndarray
        A new (layout.height, layout.width) uint8 array; gaps, label bands
        and NaN pixels hold 0.
    """
    arr = as_maps(maps)
    h, w, k = arr.shape
    if (h, w) != (layout.tile_h, layout.tile_w) or k != layout.count:
        raise ValueError(f"maps {arr.shape} do not match layout of {layout.count} tiles "
                         f"of {layout.tile_h}x{layout.tile_w}")
    lv = np.asarray(levels, dtype=np.float64)
    span = lv[:, 1] - lv[:, 0]
    span = np.where(span > 0, span, 2e-12)
    # build_mosaic's scale and offset times 256: a power of two, so every product
    # rounds exactly as build_mosaic's value times 256 does in apply_lut.
    scale = (1.0 / span).astype(np.float32) * np.float32(256.0)
    offset = (-lv[:, 0] / span).astype(np.float32) * np.float32(256.0)
    # One contiguous plane per map: reading (H, W, K) maps map by map strides
    # through memory and costs several times more than transposing them once.
    planes = arr.transpose(2, 0, 1)
    if not planes.flags.c_contiguous:
        planes = np.ascontiguousarray(planes)
    out = _paint_gaps(np.empty((layout.height, layout.width), np.uint8), layout, 0)
    scratch = np.empty((h, w), np.float32)
    with np.errstate(invalid="ignore"):
        for i, (top, left) in enumerate(layout.positions):
            np.multiply(planes[i], scale[i], out=scratch)
            np.add(scratch, offset[i], out=scratch)
            np.clip(scratch, 0.0, 255.0, out=scratch)
            # Truncation is pyqtgraph's floor for values >= 0; NaN pixels are painted over.
            np.copyto(out[top:top + h, left:left + w], scratch, casting="unsafe")
    return out


def colour_rgb(stack: np.ndarray, layout: Layout, *, gap_rgb: Sequence[int] = BACKGROUND_RGB) -> np.ndarray:
    """Colour tiles (K, H, W, 3) in [0, 1] tiled as ``0xffRRGGBB`` pixels, as the screen shows them.

    Equals ``apply_lut(rgb_stack_mosaic(stack, layout), ..., layout=layout)``
    packed: values clipped to [0, 1], times 255, truncated; NaN pixels ``gap_rgb``.

    Parameters
    ----------
    stack : ndarray
        (K, H, W, 3) float32 tiles matching ``layout``; never written.
    layout : Layout
        Where each tile goes.
    gap_rgb : sequence of int
        Colour of gaps, label bands and NaN pixels.

    Returns
    -------
    ndarray
        A new (layout.height, layout.width) uint32 array.
    """
    k, h, w, _ = stack.shape
    if (h, w) != (layout.tile_h, layout.tile_w) or k != layout.count:
        raise ValueError(f"images {stack.shape} do not match layout of {layout.count} tiles "
                         f"of {layout.tile_h}x{layout.tile_w}")
    gap = np.uint32(pixel(gap_rgb))
    out = _paint_gaps(np.empty((layout.height, layout.width), np.uint32), layout, gap)
    channels = out.view(np.uint8).reshape(layout.height, layout.width, 4)
    # Bytes of 0xAARRGGBB in memory: B, G, R, A on little-endian machines.
    rgb, alpha = (slice(2, None, -1), 3) if sys.byteorder == "little" else (slice(1, 4), 0)
    scratch = np.empty((h, w, 3), np.float32)
    for i, (top, left) in enumerate(layout.positions):
        np.clip(stack[i], 0.0, 1.0, out=scratch)
        np.multiply(scratch, np.float32(255.0), out=scratch)
        tile = channels[top:top + h, left:left + w]
        with np.errstate(invalid="ignore"):
            np.copyto(tile[:, :, rgb], scratch, casting="unsafe")
        tile[:, :, alpha] = 255
        nan = np.isnan(scratch).any(axis=2)
        if nan.any():
            out[top:top + h, left:left + w][nan] = gap
    return out


def nan_pixels(frame: Frame) -> list[tuple[int, int, np.ndarray]]:
    """Where a "maps" frame's NaN pixels are: (top, left, bool mask of the tile) per tile with NaN.

    Parameters
    ----------
    frame : Frame
        A "maps" frame.

    Returns
    -------
    list of tuple
        Empty when no map holds NaN.
    """
    if frame.nan_maps is None:
        return []
    return [(*frame.layout.positions[i], np.isnan(frame.data[:, :, i])) for i in np.flatnonzero(frame.nan_maps)]


def frame_pixels(frame: Frame, gap_rgb: Sequence[int] = BACKGROUND_RGB) -> np.ndarray:
    """The frame as ``0xffRRGGBB`` pixels, gaps and NaN in ``gap_rgb`` (the NumPy reference).

    Parameters
    ----------
    frame : Frame
        A frame.
    gap_rgb : sequence of int
        Colour of gaps, label bands and NaN pixels ("rgb" frames have theirs painted already).

    Returns
    -------
    ndarray
        (height, width) uint32; a new array for "maps" frames, the frame's own (read-only) for "rgb".
    """
    if frame.kind == "rgb":
        return frame.pixels
    gap = np.uint32(pixel(gap_rgb))
    out = np.take(packed_lut(frame.lut), frame.index, mode="clip")
    _paint_gaps(out, frame.layout, gap)
    h, w = frame.layout.tile_h, frame.layout.tile_w
    for top, left, mask in nan_pixels(frame):
        out[top:top + h, left:left + w][mask] = gap
    return out


def frame_rgb(frame: Frame) -> np.ndarray:
    """The frame as (height, width, 3) uint8 RGB, exactly what ``apply_lut`` gives for the same maps.

    Parameters
    ----------
    frame : Frame
        A frame.

    Returns
    -------
    ndarray
        A new C-contiguous (H, W, 3) uint8 array.
    """
    pixels = frame_pixels(frame)
    channels = pixels.view(np.uint8).reshape(pixels.shape + (4,))
    order = [2, 1, 0] if sys.byteorder == "little" else [1, 2, 3]
    return np.ascontiguousarray(channels[:, :, order])


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def maps_frame(maps: np.ndarray, labels: Sequence[str], *, lut: np.ndarray, aspect: float,
               levels_mode: str = "shared", signed: bool = True) -> Frame:
    """Lay out and colour single-channel maps as a feature-map view shows them.

    Parameters
    ----------
    maps : ndarray
        (H, W, K) maps (or (H, W)); kept by reference, never written.
    labels : sequence of str
        One per map (missing ones blank; all blank: no label bands).
    lut : ndarray
        The (256, 3) table: the scheme's diverging one for signed maps.
    aspect : float
        Width / height of the view (chooses the grid).
    levels_mode : {"shared", "per-map"}
        One colour range for all maps, or one each.
    signed : bool
        Symmetric levels around zero, or min..max.

    Returns
    -------
    Frame
        A "maps" frame.
    """
    arr = as_maps(maps)
    h, w, k = arr.shape
    labels = _fit_labels(labels, k)
    lo, hi, nan = extrema_and_nan(arr)
    mode = check_mode(levels_mode)
    levels = signed_from_extrema(lo, hi, mode) if signed else unsigned_from_extrema(lo, hi, mode)
    layout = view_layout(k, h, w, labelled=any(labels), aspect=aspect)
    index = _frozen(map_indices(arr, layout, levels))
    return Frame("maps", arr, labels, layout, index=index, levels=levels, extrema=(lo, hi), nan_maps=nan,
                 lut=lut, levels_mode=mode, signed=bool(signed))


def rgb_frame(images: np.ndarray | Sequence[np.ndarray], labels: Sequence[str], *, aspect: float) -> Frame:
    """Lay out colour results, (H, W, 3*K) or a list of (H, W, 3), as a feature-map view shows them.

    Parameters
    ----------
    images : ndarray or sequence of ndarray
        Colour tiles; values are clipped to [0, 1] when coloured.
    labels : sequence of str
        One per tile.
    aspect : float
        Width / height of the view.

    Returns
    -------
    Frame
        A "rgb" frame.
    """
    stack = as_rgb_stack(images)
    k, h, w, _ = stack.shape
    labels = _fit_labels(labels, k)
    layout = view_layout(k, h, w, labelled=any(labels), aspect=aspect)
    return Frame("rgb", stack, labels, layout, pixels=_frozen(colour_rgb(stack, layout)))


def _fit_labels(labels: Sequence[str], count: int) -> tuple[str, ...]:
    labels = [str(s) for s in list(labels)[:count]]
    return tuple(labels + [""] * (count - len(labels)))
