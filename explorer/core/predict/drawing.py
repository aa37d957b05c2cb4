"""A drawn digit turned into the model's input, one visible step at a time.

MNIST's recipe (LeCun et al.): the ink's bounding box is scaled to fit a
20x20 box keeping the aspect ratio (anti-aliased), pasted into the 28x28
frame, then moved so the centre of mass lies at the frame's centre. Measured
on the MNIST test set with ``scipy.ndimage.center_of_mass`` (index
coordinates, pixel ``i`` centred at ``i``), the centre of mass averages
(14.0, 14.0) with a standard deviation of 0.29 px per axis, which is the
spread of a whole-pixel shift (1/sqrt(12)): the centre is ``(H/2, W/2)`` and
the shift is rounded to whole pixels, so strokes stay as sharp as MNIST's.

* :func:`render_strokes` rasterises pen/eraser :class:`Stroke` data with
  anti-aliased round brushes; the drawing pad and the tests both use it, so
  what is shown, what is classified and what is tested agree.
* :func:`preprocess` returns a :class:`Preprocessed` holding every step
  (cropped, scaled, centred, final) as read-only arrays for the UI to show,
  or raises :class:`DrawingError` with a sentence for the learner.
* :func:`heat_on_canvas` undoes those steps for a heat map over the model
  input (Grad-CAM), so it can be laid over the drawing itself.

Pure NumPy/SciPy (and Pillow): no Qt, no TensorFlow.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from explorer.core.arrays import frozen_array

__all__ = [
    "BORDER_HINT",
    "DEFAULT_BRUSH",
    "INK_THRESHOLD",
    "MAX_BRUSH",
    "MIN_BRUSH",
    "MIN_EXTENT_FRACTION",
    "MIN_PRESSURE",
    "MNIST_BOX_FRACTION",
    "DrawingError",
    "Preprocessed",
    "Stroke",
    "box_size",
    "heat_on_canvas",
    "ink_bbox",
    "preprocess",
    "render_strokes",
]

#: Pixels at least this bright count as ink; fainter anti-aliasing dust is paper.
INK_THRESHOLD = 0.05
#: MNIST fits the digit into 20 px of a 28 px frame; other frames keep the ratio.
MNIST_BOX_FRACTION = 20 / 28
#: The ink's longer side must span at least this fraction of the drawing's
#: shorter side (and at least 2 px); less is a tap or a speck, too small to
#: recognise (a tap with the default brush spans 0.08).
MIN_EXTENT_FRACTION = 0.1
#: Brush widths, as a fraction of the pad's side.
DEFAULT_BRUSH = 0.08
MIN_BRUSH = 0.01
MAX_BRUSH = 0.3
#: Pressure scales the brush width; a light touch still leaves a thin line.
MIN_PRESSURE = 0.1

BORDER_HINT = (
    "Your drawing touches the edge of the pad, so part of it may be cut off: "
    "leave a margin all round."
)
_EMPTY = "The pad is empty: draw something first."
_TOO_SMALL = "The drawing is too small to recognise: draw bigger."


class DrawingError(ValueError):
    """The drawing cannot be turned into a model input; the message says why."""


# --------------------------------------------------------------------------
# Strokes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Stroke:
    """One pen or eraser stroke.

    points are ``(x, y, pressure)`` in canvas coordinates: x to the right and
    y downwards, both 0..1 across the pad (points outside are allowed, they
    are clipped when rendered); pressure 0..1 scales the width (a point given
    as ``(x, y)`` has pressure 1). width is the brush diameter as a fraction
    of the pad's side.
    """

    points: tuple[tuple[float, float, float], ...]
    width: float = DEFAULT_BRUSH
    eraser: bool = False

    def __post_init__(self):
        points = tuple(_point(p) for p in self.points)
        if not points:
            raise ValueError("a stroke needs at least one point")
        width = float(self.width)
        if not (math.isfinite(width) and width > 0):
            raise ValueError(f"the brush width must be a positive number, got {self.width!r}")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "width", width)
        object.__setattr__(self, "eraser", bool(self.eraser))


def _point(p) -> tuple[float, float, float]:
    values = tuple(float(v) for v in p)
    if len(values) == 2:
        values += (1.0,)
    if len(values) != 3 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"a stroke point is (x, y) or (x, y, pressure) of finite numbers, got {p!r}")
    x, y, pressure = values
    return x, y, min(max(pressure, 0.0), 1.0)


def _size(size) -> tuple[int, int]:
    if np.ndim(size) == 0:
        size = (size, size)
    try:
        height, width = (operator.index(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be an integer or (height, width), got {size!r}") from None
    if height < 1 or width < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    return height, width


def render_strokes(strokes: Iterable[Stroke], size, *, out: np.ndarray | None = None) -> np.ndarray:
    """Rasterise strokes into white-on-black ink with anti-aliased round brushes.

    A stroke is the union of a round dab at every point and, between
    consecutive points, a capsule whose radius follows the pressure; a
    pixel's value is its approximate coverage (a one-pixel ramp at the rim).
    Pen strokes brighten (maximum), eraser strokes darken (minimum with one
    minus coverage), in order. Both operations are associative and
    idempotent, so drawing a stroke as its first point and then one
    two-point stroke per segment onto ``out`` gives exactly the same pixels
    as rendering everything at once: the drawing pad relies on that to
    update live.

    Parameters
    ----------
    strokes : iterable of Stroke
    size : int or (int, int)
        Output side, or (height, width). The brush width is a fraction of the
        shorter side.
    out : numpy.ndarray, optional
        A float32 (height, width) image to draw onto in place (and return).

    Returns
    -------
    numpy.ndarray
        (height, width) float32 in [0, 1]; a new array unless ``out`` is given.
    """
    height, width = _size(size)
    if out is None:
        out = np.zeros((height, width), dtype=np.float32)
    elif out.shape != (height, width) or out.dtype != np.float32:
        raise ValueError(f"out must be float32 of shape {(height, width)}, got {out.dtype} {out.shape}")
    scale = min(height, width) / 2  # brush width (fraction) -> radius in pixels
    for stroke in strokes:
        pts = [(x * width, y * height, stroke.width * scale * max(p, MIN_PRESSURE))
               for x, y, p in stroke.points]
        for i, point in enumerate(pts):
            _stamp_segment(out, point, point, stroke.eraser)
            if i:
                _stamp_segment(out, pts[i - 1], point, stroke.eraser)
    return out


def _stamp_segment(out: np.ndarray, a, b, eraser: bool) -> None:
    (x0, y0, r0), (x1, y1, r1) = a, b
    reach = max(r0, r1) + 1.0
    top = max(int(math.floor(min(y0, y1) - reach)), 0)
    bottom = min(int(math.ceil(max(y0, y1) + reach)), out.shape[0])
    left = max(int(math.floor(min(x0, x1) - reach)), 0)
    right = min(int(math.ceil(max(x0, x1) + reach)), out.shape[1])
    if top >= bottom or left >= right:
        return
    py = np.arange(top, bottom, dtype=np.float64)[:, None] + 0.5  # pixel centres
    px = np.arange(left, right, dtype=np.float64)[None, :] + 0.5
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0.0, 1.0)
    else:
        t = np.zeros((1, 1))
    distance = np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))
    coverage = np.clip(r0 + t * (r1 - r0) - distance + 0.5, 0.0, 1.0).astype(np.float32)
    region = out[top:bottom, left:right]
    if eraser:
        np.minimum(region, 1.0 - coverage, out=region)
    else:
        np.maximum(region, coverage, out=region)


# --------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Preprocessed:
    """Every step from the drawing to the model input (read-only float32 arrays).

    bbox is the ink's bounding box in the drawing, (top, left, bottom, right)
    with exclusive ends; shift is the whole-pixel (rows, columns) move that
    brought the centre of mass to the centre after the box was centred, and
    centre_of_mass is where it ended up (it misses the centre by up to half
    a pixel per axis, more only when the frame's edge stopped the shift).
    """

    cropped: np.ndarray  # (h, w): the ink's bounding box
    scaled: np.ndarray  # (h', w'): fitted into box x box, aspect kept
    centred: np.ndarray  # (H, W): centre of mass at (H/2, W/2)
    final: np.ndarray  # target_shape: the exact model input
    bbox: tuple[int, int, int, int]
    box: int
    shift: tuple[int, int]
    centre_of_mass: tuple[float, float]
    touches_border: bool

    @property
    def hint(self) -> str:
        """A sentence for the learner, or "" when there is nothing to say."""
        return BORDER_HINT if self.touches_border else ""


def box_size(target_shape: Sequence[int]) -> int:
    """Side of the square the ink is fitted into: 20 for 28x28, same ratio otherwise."""
    height, width = _target(target_shape)[:2]
    return max(1, round(MNIST_BOX_FRACTION * min(height, width)))


def ink_bbox(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right), exclusive ends, of pixels >= threshold; None if none."""
    mask = np.asarray(ink) >= threshold
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def preprocess(ink: np.ndarray, target_shape: Sequence[int] = (28, 28, 1)) -> Preprocessed:
    """Turn a white-on-black drawing into the model's input, MNIST-style.

    Parameters
    ----------
    ink : numpy.ndarray
        (H, W) (or (H, W, 1)) grey drawing, values in [0, 1] (clipped).
    target_shape : (int, int) or (int, int, int)
        The model's input shape; the result has exactly this shape. The ink is
        fitted into a square of ``box_size(target_shape)`` pixels (20 for
        28x28), centred by its centre of mass and repeated over the channels.

    Returns
    -------
    Preprocessed

    Raises
    ------
    DrawingError
        When there is no ink, when the ink is too small to recognise, or when
        the input is not a finite 2-D image.
    """
    target = _target(target_shape)
    drawing = _check_ink(ink)
    bbox = ink_bbox(drawing)
    if bbox is None:
        raise DrawingError(_EMPTY)
    top, left, bottom, right = bbox
    min_extent = max(2, math.floor(MIN_EXTENT_FRACTION * min(drawing.shape)))
    if max(bottom - top, right - left) < min_extent:
        raise DrawingError(_TOO_SMALL)
    touches_border = (
        top == 0 or left == 0 or bottom == drawing.shape[0] or right == drawing.shape[1]
    )

    cropped = drawing[top:bottom, left:right]
    box = box_size(target)
    scaled = _fit(cropped, box)

    height, width = target[:2]
    frame = np.zeros((height, width))  # float64: an exact centre of mass
    h, w = scaled.shape
    y0, x0 = (height - h) // 2, (width - w) // 2
    frame[y0:y0 + h, x0:x0 + w] = scaled
    # Whole-pixel shift towards the centre, stopped where the ink would leave
    # the frame (only possible for lopsided shapes in a tight frame).
    cy, cx = ndimage.center_of_mass(frame)
    dy = int(np.clip(round(height / 2 - cy), -y0, height - (y0 + h)))
    dx = int(np.clip(round(width / 2 - cx), -x0, width - (x0 + w)))
    centred = np.zeros_like(frame)
    centred[y0 + dy:y0 + dy + h, x0 + dx:x0 + dx + w] = scaled
    com = ndimage.center_of_mass(centred)

    final = centred if len(target) == 2 else np.repeat(centred[:, :, None], target[2], axis=2)
    return Preprocessed(
        cropped=frozen_array(cropped),
        scaled=frozen_array(scaled),
        centred=frozen_array(centred),
        final=frozen_array(final),
        bbox=bbox,
        box=box,
        shift=(dy, dx),
        centre_of_mass=(float(com[0]), float(com[1])),
        touches_border=bool(touches_border),
    )


def _target(target_shape) -> tuple[int, ...]:
    try:
        target = tuple(operator.index(v) for v in target_shape)
    except TypeError:
        raise ValueError(f"target_shape must be (H, W) or (H, W, C) integers, got {target_shape!r}") from None
    if len(target) not in (2, 3) or min(target) < 1:
        raise ValueError(f"target_shape must be (H, W) or (H, W, C) positive integers, got {target_shape!r}")
    return target


def _check_ink(ink) -> np.ndarray:
    array = np.asarray(ink, dtype=np.float32)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim != 2 or array.size == 0:
        raise DrawingError(f"The drawing must be a 2-D grey image, got shape {np.shape(ink)}.")
    if not np.isfinite(array).all():
        raise DrawingError("The drawing contains values that are not numbers (NaN or infinite).")
    return np.clip(array, 0.0, 1.0)


def _fit(cropped: np.ndarray, box: int) -> np.ndarray:
    """Scale so the longer side is ``box``, keeping the aspect ratio, anti-aliased."""
    h, w = cropped.shape
    scale = box / max(h, w)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    if scale <= 1:
        # Area averaging: each output pixel is the mean of the input area it
        # covers, fractions of pixels included, so no aliasing, no overshoot
        # and the ink's mass is kept (unlike Pillow's BOX, which rounds the
        # area to whole pixels: up to 0.4 off per pixel at a 1.5x reduction).
        scaled = _area_weights(h, out_h) @ cropped @ _area_weights(w, out_w).T
    else:
        # A tiny drawing is enlarged bilinearly (pixel centres aligned, edges
        # repeated): smooth, and it never overshoots [0, 1].
        scaled = ndimage.zoom(cropped, (out_h / h, out_w / w), order=1, mode="nearest", grid_mode=True)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix averaging input pixels by their overlap with each output pixel."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    left = np.arange(n_in)
    overlap = np.minimum(edges[1:, None], left + 1) - np.maximum(edges[:-1, None], left)
    weights = np.clip(overlap, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------
# Back onto the drawing
# --------------------------------------------------------------------------


def heat_on_canvas(heat: np.ndarray, pre: Preprocessed, canvas_shape: Sequence[int]) -> np.ndarray:
    """Map a heat map over the model input back onto the drawing.

    The model input is the ink's bounding box, scaled by box/max(h, w),
    centred and shifted by the centre of mass; this undoes those steps
    (bilinear resize of the heat under the scaled crop back to the bounding
    box), so the colours sit on the strokes.

    Parameters
    ----------
    heat : numpy.ndarray
        (H, W) map over the model input, values in [0, 1] (e.g. Grad-CAM).
    pre : Preprocessed
        The preprocessing of the drawing the heat map was computed for.
    canvas_shape : (int, int)
        Shape of the drawing `pre` was made from.

    Returns
    -------
    numpy.ndarray
        float32 of `canvas_shape`, in [0, 1]; zero outside the ink's bounding box.
    """
    from PIL import Image

    top, left, bottom, right = pre.bbox
    out = np.zeros(canvas_shape, np.float32)
    h_in, w_in = heat.shape
    scale = pre.scaled.shape[0] / max(bottom - top, 1)
    # where the scaled crop sits in the model input: centred box, then the mass shift
    row0 = (h_in - pre.scaled.shape[0]) // 2 + pre.shift[0]
    col0 = (w_in - pre.scaled.shape[1]) // 2 + pre.shift[1]
    window = heat[max(row0, 0):row0 + pre.scaled.shape[0], max(col0, 0):col0 + pre.scaled.shape[1]]
    if window.size == 0 or scale <= 0:
        return out
    resized = np.asarray(Image.fromarray(window.astype(np.float32), mode="F").resize(
        (right - left, bottom - top), Image.BILINEAR))
    out[top:bottom, left:right] = np.clip(resized, 0, 1)
    return out
