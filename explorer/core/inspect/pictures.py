"""Pictures of inspection results for files (the CLI): image grids, heat maps over the image, scatter plots.

Pure NumPy + Pillow, RGB uint8 out; the window draws its own views.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explorer.core.render.luts import BACKGROUND_RGB, DIVERGING_LUT, lut_from_anchors

__all__ = ["image_grid", "heat_picture", "scatter_picture", "HEAT_LUT", "CLASS_COLOURS"]

#: Unsigned heat: dark purple (nothing) to yellow (most), perceptually even (viridis).
HEAT_LUT = lut_from_anchors(("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"))
#: Ten distinct class colours (Tableau 10).
CLASS_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                 (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
_GAP = 4
_BOX_RGB = (230, 30, 30)


def _rgb(image: np.ndarray) -> np.ndarray:
    """(H, W, 1|3) in [0, 1] -> (H, W, 3) uint8."""
    array = np.clip(np.nan_to_num(np.asarray(image, np.float32)), 0, 1)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return np.round(array[:, :, :3] * 255).astype(np.uint8)


def _scale_for(height: int, width: int, target: int = 160) -> int:
    return max(1, target // max(height, width))


def _upscale(rgb: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)


def _tile(tiles: Sequence[np.ndarray], columns: int) -> np.ndarray:
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    out = np.empty((rows * h + (rows + 1) * _GAP, columns * w + (columns + 1) * _GAP, 3), np.uint8)
    out[:] = BACKGROUND_RGB
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        top, left = _GAP + r * (h + _GAP), _GAP + c * (w + _GAP)
        out[top:top + h, left:left + w] = tile
    return out


def image_grid(images, *, boxes: Sequence[tuple[int, int, int, int]] | None = None) -> np.ndarray:
    """Images (K, H, W, C) in [0, 1] as an enlarged grid, optionally each with a red box (top, left, bottom, right).

    Returns
    -------
    ndarray
        (rows, cols, 3) uint8.
    """
    batch = np.asarray(images)
    scale = _scale_for(*batch.shape[1:3])
    tiles = []
    for k, image in enumerate(batch):
        tile = _upscale(_rgb(image), scale)
        if boxes is not None:
            _outline(tile, [v * scale for v in boxes[k]])
        tiles.append(tile)
    return _tile(tiles, int(np.ceil(np.sqrt(len(tiles)))))


def _outline(tile: np.ndarray, box) -> None:
    top, left, bottom, right = (int(v) for v in box)
    bottom, right = min(bottom, tile.shape[0]) - 1, min(right, tile.shape[1]) - 1
    tile[top, left:right + 1] = tile[bottom, left:right + 1] = _BOX_RGB
    tile[top:bottom + 1, left] = tile[top:bottom + 1, right] = _BOX_RGB


def heat_picture(image, heat, *, signed: bool = False) -> np.ndarray:
    """Three panels: the image, the heat map, the heat map blended over the image.

    Parameters
    ----------
    image : ndarray
        (H, W, C) in [0, 1].
    heat : ndarray
        (H, W); unsigned maps run from 0 to their peak, signed ones (occlusion)
        symmetric around 0 (blue: the class gains, red: it loses).
    """
    values = np.nan_to_num(np.asarray(heat, np.float64))
    if signed:
        peak = float(np.abs(values).max()) or 1.0
        index = np.round((values / peak + 1) / 2 * 255).astype(np.int64)
        lut = DIVERGING_LUT
    else:
        peak = float(values.max()) or 1.0
        index = np.round(np.clip(values / peak, 0, 1) * 255).astype(np.int64)
        lut = HEAT_LUT
    coloured = lut[np.clip(index, 0, 255)]
    base = _rgb(image)
    weight = np.clip(np.abs(values) / peak, 0, 1)[:, :, None] * 0.7
    blended = np.round(base * (1 - weight) + coloured * weight).astype(np.uint8)
    scale = _scale_for(*base.shape[:2], target=224)
    return _tile([_upscale(p, scale) for p in (base, coloured, blended)], 3)


def scatter_picture(points, labels=None, class_names: Sequence[str] = (), *, size: int = 640) -> np.ndarray:
    """2-D points as dots on a white square, coloured by class, with a legend.

    Returns
    -------
    ndarray
        (size, size + legend width, 3) uint8.
    """
    from PIL import Image, ImageDraw

    xy = np.asarray(points, np.float64)
    margin = 16
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    pixels = margin + (xy - lo) / span * (size - 2 * margin)
    legend = 140 if labels is not None else 0
    canvas = Image.new("RGB", (size + legend, size), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    codes = np.zeros(len(xy), np.int64) if labels is None else np.asarray(labels, np.int64)
    for (x, y), code in zip(pixels, codes):
        colour = CLASS_COLOURS[int(code) % len(CLASS_COLOURS)]
        draw.ellipse((x - 2.5, size - y - 2.5, x + 2.5, size - y + 2.5), fill=colour)
    if labels is not None:
        for row, code in enumerate(sorted(set(codes.tolist()))):
            name = class_names[code] if code < len(class_names) else str(code)
            top = margin + row * 18
            draw.rectangle((size + 10, top, size + 22, top + 12), fill=CLASS_COLOURS[code % len(CLASS_COLOURS)])
            draw.text((size + 28, top), str(name), fill=(0, 0, 0))
    return np.asarray(canvas)
