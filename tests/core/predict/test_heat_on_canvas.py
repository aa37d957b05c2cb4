"""A heat map over the model input, mapped back onto the drawing (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.predict.drawing import Stroke, heat_on_canvas, preprocess, render_strokes

SEVEN = (
    Stroke(((0.25, 0.2, 1.0), (0.75, 0.2, 1.0))),
    Stroke(((0.75, 0.2, 1.0), (0.45, 0.85, 1.0))),
)


@pytest.fixture
def seven():
    ink = render_strokes(SEVEN, 280)
    return ink, preprocess(ink)


def test_the_model_input_maps_back_onto_the_strokes(seven):
    ink, pre = seven
    out = heat_on_canvas(pre.final[..., 0], pre, ink.shape)  # "the ink itself mattered"
    assert out.shape == ink.shape and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    top, left, bottom, right = pre.bbox
    assert np.corrcoef(out[top:bottom, left:right].ravel(), ink[top:bottom, left:right].ravel())[0, 1] > 0.9
    assert out[ink >= 0.5].mean() > 0.5 > out[ink == 0].mean()


def test_nothing_outside_the_ink_box_and_a_flat_map_fills_it(seven):
    ink, pre = seven
    out = heat_on_canvas(np.ones((28, 28), np.float32), pre, ink.shape)
    top, left, bottom, right = pre.bbox
    assert np.allclose(out[top:bottom, left:right], 1.0)
    outside = out.copy()
    outside[top:bottom, left:right] = 0
    assert not outside.any()


def test_heat_beside_the_drawing_is_dropped_and_values_are_clipped(seven):
    ink, pre = seven
    heat = np.zeros((28, 28), np.float32)
    heat[:, :2] = 1.0  # the frame's margin: no ink there
    assert not heat_on_canvas(heat, pre, ink.shape).any()
    assert heat_on_canvas(np.full((28, 28), 3.0, np.float32), pre, ink.shape).max() == 1.0


def test_other_frames_and_canvas_shapes():
    ink = render_strokes(SEVEN, (200, 300))
    pre = preprocess(ink, (32, 32, 3))
    out = heat_on_canvas(np.ones((32, 32), np.float32), pre, ink.shape)
    top, left, bottom, right = pre.bbox
    assert out.shape == (200, 300) and np.allclose(out[top:bottom, left:right], 1.0)
