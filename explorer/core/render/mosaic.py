"""Colour maps and mosaics for feature maps: pure NumPy, no Qt.

Shared by the window's feature-map view and the headless ``filter`` command,
so an exported grid looks exactly like the screen:

* :func:`mosaic_layout` / :func:`tile_at`: tile K maps into one image (and back);
* :func:`signed_levels` / :func:`unsigned_levels`: colour ranges, symmetric
  around zero for signed maps so negatives are never clipped to black;
* :func:`build_mosaic` / :func:`build_rgb_mosaic`: one float32 image in [0, 1];
* :data:`DIVERGING_LUT` (ColorBrewer RdBu reversed: blue negative, white zero,
  red positive, colour-blind safe) and :data:`GREY_LUT`; :func:`apply_lut`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Accepted values of the ``levels`` / ``mode`` arguments.
LEVEL_MODES: tuple[str, ...] = ("shared", "per-map")

# Half-range given to a map whose values are all zero (or all equal), so that
# the division is defined and zero still lands in the middle of the colour map.
_TINY_RANGE = 1e-12

# View colours: a neutral slate that is not in either colour map, so gaps read
# as "no data" next to white (zero) and black (grey minimum) pixels alike.
BACKGROUND_RGB: tuple[int, int, int] = (60, 63, 68)


# --------------------------------------------------------------------------
# Colour maps
# --------------------------------------------------------------------------

# ColorBrewer "RdBu" (11 classes), reversed so negative is blue and positive
# red; colour-blind safe (blue vs red/orange survives deuteranopia and
# protanopia).  The centre is pure white so "zero" is unmistakable.
_RDBU_R_ANCHORS = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#ffffff",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)


def _hex_to_rgb(code: str) -> tuple[int, int, int]:
    return tuple(int(code[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _make_diverging_lut() -> np.ndarray:
    anchors = np.array([_hex_to_rgb(c) for c in _RDBU_R_ANCHORS], dtype=np.float64)
    stops = np.linspace(0.0, 1.0, len(anchors))
    # Entry i stands for values in [i/256, (i+1)/256) (that is how pyqtgraph
    # indexes a 256-entry LUT), so sample each entry at its centre: entries
    # 127 and 128 are then equally close to white on either side of zero.
    t = (np.arange(256) + 0.5) / 256
    lut = np.column_stack([np.interp(t, stops, anchors[:, c]) for c in range(3)])
    return np.round(lut).astype(np.uint8)


#: Diverging blue-white-red map, (256, 3) uint8: 0 -> most negative, 255 -> most positive.
DIVERGING_LUT: np.ndarray = _make_diverging_lut()
DIVERGING_LUT.flags.writeable = False

#: Grey map for unsigned images, (256, 3) uint8, black to white.
GREY_LUT: np.ndarray = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
GREY_LUT.flags.writeable = False


def lut_index(values: np.ndarray) -> np.ndarray:
    """Colour-map entry (0..255) that pyqtgraph uses for mosaic values in [0, 1].

    pyqtgraph scales by the LUT length and truncates, so 0.5 (zero in a
    signed map) is entry 128.  NaN gives -1.
    """
    v = np.asarray(values, dtype=np.float32)
    idx = np.clip(np.floor(np.nan_to_num(v, nan=0.0) * 256.0), 0, 255).astype(np.int16)
    return np.where(np.isnan(v), np.int16(-1), idx)


def apply_lut(mosaic: np.ndarray, lut: np.ndarray, gap_rgb: Sequence[int] = BACKGROUND_RGB,
              layout: Layout | None = None) -> np.ndarray:
    """Colour a [0, 1] mosaic (2-D through ``lut``, or RGB) as (H, W, 3) uint8.

    Uses the same index rule as pyqtgraph, so the result matches the screen.
    NaN pixels, and the gaps of ``layout`` when given, become ``gap_rgb``.
    """
    mosaic = np.asarray(mosaic, dtype=np.float32)
    nan = np.isnan(mosaic)
    filled = np.where(nan, 0.0, mosaic)
    if mosaic.ndim == 2:
        idx = np.clip((filled * 256.0).astype(np.int32), 0, 255)
        out = np.asarray(lut, dtype=np.uint8)[idx][..., :3]
    else:
        nan = nan.any(axis=2)
        out = np.clip(filled[..., :3] * 255.0, 0, 255).astype(np.uint8)
    gap = np.asarray(gap_rgb, dtype=np.uint8)[:3]
    out[nan] = gap
    if layout is not None:
        for rows, cols in gap_regions(layout):
            out[rows, cols] = gap
    return np.ascontiguousarray(out)


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """Where each tile of a mosaic goes.

    A cell is a label band of ``label_h`` rows above a ``tile_h`` x ``tile_w``
    tile; cells are separated by ``gap`` pixels.  ``positions[k]`` is the
    (top, left) mosaic pixel of tile ``k``'s first map pixel.
    """

    count: int
    rows: int
    cols: int
    tile_h: int
    tile_w: int
    gap: int
    label_h: int
    height: int
    width: int
    positions: tuple[tuple[int, int], ...]

    @property
    def pitch_y(self) -> int:
        """Mosaic rows from one cell's top to the next."""
        return self.label_h + self.tile_h + self.gap

    @property
    def pitch_x(self) -> int:
        """Mosaic columns from one cell's left edge to the next."""
        return self.tile_w + self.gap


def auto_spacing(tile_h: int, tile_w: int) -> tuple[int, int]:
    """Default ``(gap, label_h)`` in mosaic pixels for tiles of this size.

    Both grow with the tile (labels scale with the picture), a little faster
    than proportionally for small tiles so 28x28 maps still get a readable
    label band.
    """
    s = max(int(tile_h), int(tile_w), 1)
    gap = max(1, math.ceil(max(0.04 * s, 0.3 * math.sqrt(s))))
    label_h = max(1, math.ceil(max(0.075 * s, 1.0 * math.sqrt(s))))
    return gap, label_h


def mosaic_layout(count: int, tile_h: int, tile_w: int, *, gap: int | None = None,
                  label_h: int = 0, aspect: float = 16 / 10) -> Layout:
    """Choose a rows x cols grid for ``count`` tiles of ``tile_h`` x ``tile_w``.

    The grid is the one whose tiles come out largest in a view of width/height
    ``aspect`` (for many tiles, the grid whose shape is closest to the view's);
    ties go to fewer empty cells, then to fewer columns.

    Parameters
    ----------
    count : int
        Number of tiles (0 gives an empty layout).
    tile_h, tile_w : int
        Size of every tile in pixels.
    gap : int, optional
        Pixels between cells; default from :func:`auto_spacing`.
    label_h : int
        Rows reserved above each tile for its label (0: no labels).
    aspect : float
        Width / height of the view the mosaic will be shown in.
    """
    count, tile_h, tile_w = int(count), int(tile_h), int(tile_w)
    if count < 0 or tile_h < 1 or tile_w < 1:
        raise ValueError(f"need count >= 0 and tiles of at least 1x1, got {count} of {tile_h}x{tile_w}")
    if gap is None:
        gap = auto_spacing(tile_h, tile_w)[0]
    gap, label_h = int(gap), int(label_h)
    if gap < 0 or label_h < 0:
        raise ValueError("gap and label_h must be >= 0")
    if not (aspect > 0 and math.isfinite(aspect)):
        aspect = 16 / 10
    if count == 0:
        return Layout(0, 0, 0, tile_h, tile_w, gap, label_h, 0, 0, ())

    best = None
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        if (rows - 1) * cols >= count:      # an all-empty last row: never better
            continue
        width = cols * tile_w + (cols - 1) * gap
        height = rows * (label_h + tile_h) + (rows - 1) * gap
        scale = min(aspect / width, 1.0 / height)   # tile size in a view of height 1
        key = (-round(scale, 12), rows * cols - count, cols)
        if best is None or key < best[0]:
            best = (key, rows, cols, height, width)
    _, rows, cols, height, width = best
    pitch_y, pitch_x = label_h + tile_h + gap, tile_w + gap
    positions = tuple((r * pitch_y + label_h, c * pitch_x)
                      for r, c in (divmod(k, cols) for k in range(count)))
    return Layout(count, rows, cols, tile_h, tile_w, gap, label_h, height, width, positions)


def tile_at(layout: Layout, x: float, y: float) -> tuple[int, int, int] | None:
    """Map mosaic pixel coordinates to ``(index, row_in_tile, col_in_tile)``.

    ``x`` is the mosaic column and ``y`` the mosaic row (floats are floored,
    so any point inside a pixel's square maps to that pixel).  Returns None
    in gaps, label bands, empty cells and outside the mosaic.
    """
    if layout.count == 0 or not (math.isfinite(x) and math.isfinite(y)):
        return None
    xi, yi = math.floor(x), math.floor(y)
    if xi < 0 or yi < 0 or xi >= layout.width or yi >= layout.height:
        return None
    col, in_x = divmod(xi, layout.pitch_x)
    row, in_y = divmod(yi, layout.pitch_y)
    in_y -= layout.label_h
    if in_x >= layout.tile_w or in_y < 0 or in_y >= layout.tile_h:
        return None
    index = row * layout.cols + col
    if col >= layout.cols or index >= layout.count:
        return None
    return index, int(in_y), int(in_x)


# --------------------------------------------------------------------------
# Levels and mosaics
# --------------------------------------------------------------------------

def _as_maps(maps: np.ndarray) -> np.ndarray:
    arr = np.asarray(maps)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"maps must be (H, W, K), got shape {arr.shape}")
    return arr.astype(np.float32, copy=False)


def _check_mode(mode: str) -> str:
    if mode not in LEVEL_MODES:
        raise ValueError(f"levels mode must be one of {LEVEL_MODES}, got {mode!r}")
    return mode


def _column_reduce(flat: np.ndarray, ufunc) -> np.ndarray:
    """``ufunc.reduce(flat, axis=0)`` for a C-contiguous (N, K) array, fast for small K.

    NumPy reduces (N, K) along axis 0 with an inner loop of only K elements;
    viewing the data as rows of about 4096 values turns it into wide
    element-wise passes (about 10x faster for K = 8).
    """
    n, k = flat.shape
    m = max(1, 4096 // k)
    n_main = (n // m) * m
    parts = []
    if n_main >= 2 * m:
        wide = ufunc.reduce(flat[:n_main].reshape(-1, m * k), axis=0)
        parts.append(ufunc.reduce(wide.reshape(m, k), axis=0))
        flat = flat[n_main:]
    if flat.shape[0]:
        parts.append(ufunc.reduce(flat, axis=0))
    return parts[0] if len(parts) == 1 else ufunc(parts[0], parts[1])


def _finite_extrema(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-map finite min and max, float64 (K,) each; NaN where a map has no finite value."""
    k = maps.shape[2]
    if maps.shape[0] * maps.shape[1] == 0:
        nan = np.full(k, np.nan)
        return nan, nan.copy()
    flat = np.ascontiguousarray(maps).reshape(-1, k)
    lo = _column_reduce(flat, np.minimum).astype(np.float64)
    hi = _column_reduce(flat, np.maximum).astype(np.float64)
    # The fast reductions above are exact unless a map holds NaN or inf.
    for i in np.flatnonzero(~(np.isfinite(lo) & np.isfinite(hi))):
        col = flat[:, i]
        col = col[np.isfinite(col)]
        lo[i], hi[i] = (col.min(), col.max()) if col.size else (np.nan, np.nan)
    return lo, hi


def _signed_from_extrema(lo: np.ndarray, hi: np.ndarray, mode: str) -> np.ndarray:
    absmax = np.fmax(np.abs(lo), np.abs(hi))
    absmax = np.where(np.isfinite(absmax), absmax, 0.0)
    if mode == "shared":
        absmax = np.full_like(absmax, absmax.max() if absmax.size else 0.0)
    absmax = np.maximum(absmax, _TINY_RANGE)
    return np.column_stack([-absmax, absmax])


def _unsigned_from_extrema(lo: np.ndarray, hi: np.ndarray, mode: str) -> np.ndarray:
    lo = np.where(np.isfinite(lo), lo, 0.0)
    hi = np.where(np.isfinite(hi), hi, 1.0)
    if mode == "shared" and lo.size:
        lo, hi = np.full_like(lo, lo.min()), np.full_like(hi, hi.max())
    flat = hi - lo < 2 * _TINY_RANGE
    mid = (lo + hi) / 2
    lo = np.where(flat, mid - _TINY_RANGE, lo)
    hi = np.where(flat, mid + _TINY_RANGE, hi)
    return np.column_stack([lo, hi])


def signed_levels(maps: np.ndarray, mode: str = "shared") -> np.ndarray:
    """Symmetric levels ``(-m, +m)`` for signed maps, shape (K, 2) float64.

    ``mode="shared"``: one ``m`` = max |value| over all maps, so maps compare
    directly; ``"per-map"``: each map's own max |value|.  Zero is always in the
    middle (negatives are never clipped to black); an all-zero map gets a tiny
    non-zero range.  NaN and inf are ignored.
    """
    arr = _as_maps(maps)
    return _signed_from_extrema(*_finite_extrema(arr), _check_mode(mode))


def unsigned_levels(maps: np.ndarray, mode: str = "shared") -> np.ndarray:
    """Levels ``(min, max)`` for unsigned maps (grey), shape (K, 2) float64.

    A constant map gets a tiny range around its value.
    """
    arr = _as_maps(maps)
    return _unsigned_from_extrema(*_finite_extrema(arr), _check_mode(mode))


def gap_regions(layout: Layout) -> list[tuple[slice, slice]]:
    """(row slice, column slice) pairs covering everything in the mosaic that is not a tile.

    That is: label bands, gaps between cells and empty cells of the last row.
    The pairs may overlap.
    """
    regions = []
    pitch_y, pitch_x = layout.pitch_y, layout.pitch_x
    full = slice(0, layout.width)
    for r in range(layout.rows):
        top = r * pitch_y
        if layout.label_h:
            regions.append((slice(top, top + layout.label_h), full))
        if layout.gap and r < layout.rows - 1:
            below = top + layout.label_h + layout.tile_h
            regions.append((slice(below, below + layout.gap), full))
    if layout.gap:
        for c in range(layout.cols - 1):
            left = c * pitch_x + layout.tile_w
            regions.append((slice(0, layout.height), slice(left, left + layout.gap)))
    for i in range(layout.count, layout.rows * layout.cols):
        r, c = divmod(i, layout.cols)
        top, left = r * pitch_y + layout.label_h, c * pitch_x
        regions.append((slice(top, top + layout.tile_h), slice(left, left + layout.tile_w)))
    return regions


def _empty_mosaic(layout: Layout, gap_value: float, channels: int = 0) -> np.ndarray:
    """A fresh float32 mosaic with only its non-tile parts written (to ``gap_value``)."""
    shape = (layout.height, layout.width) + ((channels,) if channels else ())
    out = np.empty(shape, dtype=np.float32)
    for rows, cols in gap_regions(layout):
        out[rows, cols] = gap_value
    return out


def build_mosaic(maps: np.ndarray, layout: Layout, levels: np.ndarray | Sequence[float], *,
                 gap_value: float = 0.5, clip: bool = True) -> np.ndarray:
    """Tile maps (H, W, K) into a fresh float32 mosaic in [0, 1].

    Each map ``k`` is mapped linearly so ``levels[k][0]`` -> 0 and
    ``levels[k][1]`` -> 1; ``levels`` is (K, 2) or one ``(low, high)`` pair for
    all maps.  With symmetric levels zero lands on exactly 0.5, the middle of
    the colour map.  Values outside the levels are clipped unless ``clip`` is
    False (pyqtgraph clips when drawing anyway; the view skips it because its
    levels always contain the data).  NaN stays NaN (drawn transparent).
    Gaps, label bands and empty cells get ``gap_value`` (neutral 0.5 by
    default; the view paints them in its background colour).  The result is
    a new array: hand it to ``setImage`` and never touch it again.
    """
    arr = _as_maps(maps)
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
    span = np.where(span > 0, span, 2 * _TINY_RANGE)
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
    """Tile RGB images ((H, W, 3K) or a list of (H, W, 3)) into a float32 (h, w, 3) mosaic.

    Values are clipped to [0, 1]; gaps get ``gap_value``.
    """
    return _rgb_stack_mosaic(_as_rgb_stack(images), layout, gap_value)


def _rgb_stack_mosaic(stack: np.ndarray, layout: Layout, gap_value: float = 0.5) -> np.ndarray:
    k, h, w, _ = stack.shape
    if (h, w) != (layout.tile_h, layout.tile_w) or k != layout.count:
        raise ValueError(f"images {stack.shape} do not match layout of {layout.count} tiles "
                         f"of {layout.tile_h}x{layout.tile_w}")
    out = _empty_mosaic(layout, gap_value, channels=3)
    for i, (top, left) in enumerate(layout.positions):
        np.clip(stack[i], 0.0, 1.0, out=out[top:top + h, left:left + w])
    return out


def _as_rgb_stack(images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """(K, H, W, 3) float32 view or copy of RGB images given as (H, W, 3K) or a list."""
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


# --------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------
