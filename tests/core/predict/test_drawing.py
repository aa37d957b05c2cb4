"""Drawing -> model input: stroke rendering and MNIST-style preprocessing (no Qt)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy import ndimage

from explorer.core.predict.drawing import (
    BORDER_HINT,
    DEFAULT_BRUSH,
    INK_THRESHOLD,
    DrawingError,
    Preprocessed,
    Stroke,
    box_size,
    ink_bbox,
    preprocess,
    render_strokes,
)

SEVEN = (
    Stroke(((0.25, 0.2, 1.0), (0.75, 0.2, 1.0))),
    Stroke(((0.75, 0.2, 1.0), (0.45, 0.85, 1.0))),
)
ONE = (Stroke(((0.5, 0.15), (0.5, 0.85))),)
HALF = 0.5 + 1e-5  # "within half a pixel", up to float32 rounding


# --------------------------------------------------------------- reference


def _area_resize(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Exact area averaging by supersampling: repeat every pixel, then take block means."""
    h, w = image.shape
    rows = np.repeat(image.astype(np.float64), out_h, axis=0).reshape(out_h, h, w).mean(axis=1)
    return np.repeat(rows, out_w, axis=1).reshape(out_h, out_w, w).mean(axis=2)


def _bilinear_resize(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    h, w = image.shape
    picture = Image.frombuffer("F", (w, h), np.ascontiguousarray(image, np.float32), "raw", "F", 0, 1)
    return np.asarray(picture.resize((out_w, out_h), Image.Resampling.BILINEAR), dtype=np.float64)


def reference_mnist(ink: np.ndarray, height: int = 28, width: int = 28, tie_break=None):
    """The MNIST recipe written out plainly: crop, fit into 20/28 of the frame, centre by mass.

    Returns the scaled crop, the centred frame and the whole-pixel shift. On
    an axis where the wanted shift is a half pixel (to rounding error), both
    neighbours are equally right; ``tie_break`` then picks one.
    """
    rows, cols = np.nonzero(ink >= INK_THRESHOLD)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    box = round(20 / 28 * min(height, width))
    scale = box / max(h, w)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    resize = _area_resize if scale <= 1 else _bilinear_resize
    scaled = np.clip(resize(crop, out_h, out_w), 0, 1)
    frame = np.zeros((height, width))
    top, left = (height - out_h) // 2, (width - out_w) // 2
    frame[top:top + out_h, left:left + out_w] = scaled
    cy, cx = ndimage.center_of_mass(frame)
    wanted = [height / 2 - cy, width / 2 - cx]
    for axis, value in enumerate(wanted):
        if tie_break is not None and abs(abs(value % 1) - 0.5) < 1e-6:
            wanted[axis] = tie_break[axis]
    dy = min(max(round(wanted[0]), -top), height - top - out_h)
    dx = min(max(round(wanted[1]), -left), width - left - out_w)
    return scaled, np.roll(frame, (dy, dx), axis=(0, 1)), (dy, dx)


def _check_mnist_like(p: Preprocessed, shape=(28, 28, 1)):
    assert p.final.shape == shape
    assert p.final.dtype == np.float32
    assert 0.0 <= p.final.min() and p.final.max() <= 1.0
    assert max(p.scaled.shape) == p.box
    cy, cx = ndimage.center_of_mass(p.centred)
    assert abs(cy - shape[0] / 2) <= HALF and abs(cx - shape[1] / 2) <= HALF
    assert (cy, cx) == pytest.approx(p.centre_of_mass)


# ---------------------------------------------------------- render_strokes


def test_render_nothing_is_black():
    ink = render_strokes([], 50)
    assert ink.shape == (50, 50) and ink.dtype == np.float32 and not ink.any()
    assert render_strokes([], (30, 40)).shape == (30, 40)


def test_horizontal_stroke_has_the_brush_width_and_is_anti_aliased():
    ink = render_strokes([Stroke(((0.1, 0.503), (0.9, 0.503)), width=0.1)], 200)
    assert ink.min() >= 0 and ink.max() == 1.0
    column = ink[:, 100]
    assert column.sum() == pytest.approx(0.1 * 200, abs=0.01)  # 20 px wide
    # Pixel i is centred at i + 0.5, so y = 0.503 * 200 is index 100.1.
    assert ndimage.center_of_mass(column)[0] == pytest.approx(100.1, abs=0.01)
    assert ((column > 0) & (column < 1)).any(), "edges should be anti-aliased"
    assert not ink[:, :5].any() and not ink[:, -5:].any()  # round caps end near x = 0.1 / 0.9


def test_a_dot_is_a_disc_of_the_brush_size():
    ink = render_strokes([Stroke(((0.3, 0.6, 1.0),), width=0.2)], 100)
    radius = 0.2 * 100 / 2
    assert ink.sum() == pytest.approx(math.pi * radius**2, rel=0.02)
    assert ndimage.center_of_mass(ink) == pytest.approx((59.5, 29.5), abs=0.01)


def test_pressure_scales_the_width():
    full = render_strokes([Stroke(((0.1, 0.5, 1.0), (0.9, 0.5, 1.0)), width=0.2)], 200)
    half = render_strokes([Stroke(((0.1, 0.5, 0.5), (0.9, 0.5, 0.5)), width=0.2)], 200)
    assert half[:, 100].sum() == pytest.approx(full[:, 100].sum() / 2, abs=0.5)


def test_eraser_removes_ink_where_it_passes_only():
    pen = Stroke(((0.1, 0.5), (0.9, 0.5)), width=0.1)
    eraser = Stroke(((0.5, 0.1), (0.5, 0.9)), width=0.2, eraser=True)
    ink = render_strokes([pen, eraser], 100)
    assert not ink[:, 42:58].any()
    assert ink[50, 20] == 1.0 and ink[50, 80] == 1.0
    # Order matters: ink drawn after the eraser stays.
    assert render_strokes([eraser, pen], 100)[50, 50] == 1.0


def test_points_outside_the_pad_are_clipped():
    ink = render_strokes([Stroke(((-0.5, 0.5), (1.5, 0.5)), width=0.1)], 40)
    assert ink[20, 0] == 1.0 and ink[20, -1] == 1.0


def test_non_square_output_uses_the_shorter_side_for_the_brush():
    ink = render_strokes([Stroke(((0.0, 0.5), (1.0, 0.5)), width=0.2)], (50, 100))
    assert ink[:, 50].sum() == pytest.approx(0.2 * 50, abs=0.5)


def test_render_onto_out_in_place():
    out = np.zeros((20, 20), np.float32)
    result = render_strokes([Stroke(((0.5, 0.5),))], 20, out=out)
    assert result is out and out.any()
    with pytest.raises(ValueError):
        render_strokes([], 20, out=np.zeros((10, 10), np.float32))


points_st = st.tuples(
    st.floats(-0.1, 1.1), st.floats(-0.1, 1.1), st.floats(0.0, 1.0)
)
stroke_st = st.builds(
    Stroke,
    points=st.lists(points_st, min_size=1, max_size=8),
    width=st.floats(0.01, 0.3),
    eraser=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(strokes=st.lists(stroke_st, max_size=4), size=st.integers(8, 120))
def test_segment_by_segment_equals_rendering_at_once(strokes, size):
    """The drawing pad draws live one segment at a time; it must match exactly."""
    live = np.zeros((size, size), np.float32)
    for stroke in strokes:
        pts = stroke.points
        render_strokes([Stroke(pts[:1], stroke.width, stroke.eraser)], size, out=live)
        for a, b in zip(pts, pts[1:]):
            render_strokes([Stroke((a, b), stroke.width, stroke.eraser)], size, out=live)
    assert np.array_equal(live, render_strokes(strokes, size))


def test_stroke_normalises_and_validates():
    s = Stroke([[0.1, 0.2], (0.3, 0.4, 7.0)], width=1)
    assert s.points == ((0.1, 0.2, 1.0), (0.3, 0.4, 1.0))
    assert isinstance(s.width, float)
    with pytest.raises(ValueError):
        Stroke(())
    with pytest.raises(ValueError):
        Stroke(((0.1, 0.2),), width=0)
    with pytest.raises(ValueError):
        Stroke(((float("nan"), 0.2),))
    with pytest.raises(ValueError):
        Stroke(((0.1,),))
    with pytest.raises(ValueError):
        render_strokes([], 0)


# -------------------------------------------------------------- preprocess


def test_thick_vertical_bar():
    ink = np.zeros((100, 100), np.float32)
    ink[20:80, 40:52] = 1.0
    p = preprocess(ink)
    assert p.bbox == (20, 40, 80, 52)
    assert np.array_equal(p.cropped, ink[20:80, 40:52])
    assert p.box == 20 and p.scaled.shape == (20, 4)  # 60x12 -> 20x4
    assert np.allclose(p.scaled, 1.0)
    _check_mnist_like(p)
    # A symmetric bar is centred exactly, rows 4..24 and columns 12..16.
    assert np.array_equal(np.argwhere(p.centred > 0).min(0), (4, 12))
    assert np.array_equal(np.argwhere(p.centred > 0).max(0), (23, 15))
    assert not p.touches_border and p.hint == ""


@pytest.mark.parametrize("strokes", [SEVEN, ONE], ids=["seven", "one"])
def test_rendered_digits(strokes):
    ink = render_strokes(strokes, 280)
    p = preprocess(ink)
    inked = np.argwhere(ink >= INK_THRESHOLD)
    (top, left), (last_row, last_col) = inked.min(axis=0), inked.max(axis=0)
    assert p.bbox == ink_bbox(ink) == (top, left, last_row + 1, last_col + 1)
    assert np.array_equal(p.cropped, ink[top:last_row + 1, left:last_col + 1])
    _check_mnist_like(p)
    assert p.final.max() > 0.9  # strokes keep MNIST-like full-strength centres


def test_seven_matches_the_recipe():
    ink = render_strokes(SEVEN, 280)
    p = preprocess(ink)
    scaled, centred, shift = reference_mnist(ink)
    assert p.scaled.shape == scaled.shape == (20, 16)
    np.testing.assert_allclose(p.scaled, scaled, atol=1e-5)
    assert p.shift == shift
    np.testing.assert_allclose(p.final[..., 0], centred, atol=1e-5)


drawing_st = st.lists(
    st.builds(
        Stroke,
        points=st.lists(
            st.tuples(st.floats(0.08, 0.92), st.floats(0.08, 0.92), st.floats(0.3, 1.0)),
            min_size=1,
            max_size=6,
        ),
        width=st.floats(0.03, 0.15),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(strokes=drawing_st, size=st.sampled_from([28, 40, 56, 100, 140, 280]))
def test_random_drawings_agree_with_the_reference(strokes, size):
    ink = render_strokes(strokes, size)
    try:
        p = preprocess(ink)
    except DrawingError:
        assume(False)
    scaled, centred, shift = reference_mnist(ink, tie_break=p.shift)
    np.testing.assert_allclose(p.scaled, scaled, atol=1e-4)
    assert p.shift == shift
    np.testing.assert_allclose(p.centred, centred, atol=1e-4)
    assert p.final.shape == (28, 28, 1) and 0 <= p.final.min() and p.final.max() <= 1
    cy, cx = ndimage.center_of_mass(p.final[..., 0])
    # The centre of mass misses the centre by more than half a pixel only
    # where the frame's edge stopped the shift.
    if abs(cy - 14) > HALF:
        assert p.centred[0].any() or p.centred[-1].any()
    if abs(cx - 14) > HALF:
        assert p.centred[:, 0].any() or p.centred[:, -1].any()


def test_downscaling_keeps_the_mass():
    rng = np.random.default_rng(3)
    ink = rng.random((57, 91)).astype(np.float32)
    p = preprocess(ink)
    h, w = p.cropped.shape
    sh, sw = p.scaled.shape
    assert p.scaled.sum() * (h / sh) * (w / sw) == pytest.approx(p.cropped.sum(), rel=1e-5)


def test_small_drawing_is_enlarged_smoothly():
    ink = np.zeros((28, 28), np.float32)
    ink[10:15, 12:15] = 1.0
    ink[12, 13] = 0.5
    p = preprocess(ink)
    assert p.scaled.shape == (20, 12)
    assert 0.0 <= p.scaled.min() and p.scaled.max() <= 1.0
    assert ((p.scaled > 0.5) & (p.scaled < 1.0)).any()  # interpolated, not blocky
    _check_mnist_like(p)


def test_lopsided_shape_is_stopped_at_the_frame_edge():
    """A heavy foot and a long thin stalk: the centre of mass cannot reach the centre."""
    ink = np.zeros((100, 100), np.float32)
    ink[10:90, 49:50] = 1.0
    ink[80:90, 20:80] = 1.0
    p = preprocess(ink)
    assert p.centred.sum() == pytest.approx(p.scaled.sum(), rel=1e-6)  # nothing cut off
    assert p.centred[0].any(), "shifted up until the stalk touches the top"
    assert p.centre_of_mass[0] > 14.5


def test_touching_the_border_is_a_note_not_an_error():
    ink = np.zeros((50, 50), np.float32)
    ink[0:30, 20:26] = 1.0
    p = preprocess(ink)
    assert p.touches_border and p.hint == BORDER_HINT
    _check_mnist_like(p)


def test_empty_drawing():
    with pytest.raises(DrawingError, match="draw something first"):
        preprocess(np.zeros((280, 280), np.float32))
    faint = np.full((50, 50), INK_THRESHOLD / 2, np.float32)
    with pytest.raises(DrawingError, match="draw something first"):
        preprocess(faint)


def test_single_pixel_and_a_tap_are_too_small():
    ink = np.zeros((28, 28), np.float32)
    ink[10, 10] = 1.0
    with pytest.raises(DrawingError, match="too small to recognise"):
        preprocess(ink)
    tap = render_strokes([Stroke(((0.5, 0.5),), width=DEFAULT_BRUSH)], 280)
    with pytest.raises(DrawingError, match="draw bigger"):
        preprocess(tap)
    ink[10, 11] = 1.0  # two pixels: tiny, but a line
    assert preprocess(ink).final.shape == (28, 28, 1)


def test_drawing_error_is_a_value_error_with_a_sentence():
    with pytest.raises(ValueError) as info:
        preprocess(np.zeros((10, 10)))
    message = str(info.value)
    assert message[0].isupper() and message.endswith(".")


def test_bad_inputs():
    with pytest.raises(DrawingError):
        preprocess(np.zeros((4, 4, 3)))
    with pytest.raises(DrawingError):
        preprocess(np.zeros(10))
    nan = np.ones((10, 10))
    nan[0, 0] = np.nan
    with pytest.raises(DrawingError, match="NaN"):
        preprocess(nan)
    with pytest.raises(ValueError):
        preprocess(np.ones((10, 10)), target_shape=(28,))
    with pytest.raises(ValueError):
        preprocess(np.ones((10, 10)), target_shape=(28, 0, 1))


def test_input_is_left_alone_and_outputs_are_read_only():
    ink = np.zeros((60, 60, 1), np.float32)  # (H, W, 1) is accepted
    ink[10:50, 25:35] = 2.0  # values above 1 are clipped
    before = ink.copy()
    p = preprocess(ink)
    assert np.array_equal(ink, before)
    assert p.cropped.max() == 1.0
    for array in (p.cropped, p.scaled, p.centred, p.final):
        assert not array.flags.writeable
    ink[:] = 0
    assert p.final.any()


@pytest.mark.parametrize(
    ("shape", "box"),
    [((28, 28, 1), 20), ((28, 28), 20), ((32, 32, 3), 23), ((8, 8, 1), 6), ((40, 24, 2), 17), ((64, 64, 1), 46)],
)
def test_other_target_shapes(shape, box):
    ink = render_strokes(SEVEN, 280)
    p = preprocess(ink, target_shape=shape)
    assert box_size(shape) == box == p.box
    assert p.final.shape == shape and p.final.dtype == np.float32
    assert p.centred.shape == shape[:2]
    assert max(p.scaled.shape) == box
    if len(shape) == 3:
        for c in range(shape[2]):
            assert np.array_equal(p.final[..., c], p.centred)
    scaled, centred, shift = reference_mnist(ink, *shape[:2])
    np.testing.assert_allclose(p.centred, centred, atol=1e-5)
    assert p.shift == shift


def test_centre_of_mass_is_at_h_over_2_for_a_cifar_frame():
    ink = render_strokes(ONE + (Stroke(((0.35, 0.85), (0.65, 0.85))),), 200)
    p = preprocess(ink, target_shape=(32, 32, 3))
    cy, cx = ndimage.center_of_mass(p.final[..., 0])
    assert abs(cy - 16) <= 0.5 and abs(cx - 16) <= 0.5
