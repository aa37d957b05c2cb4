"""Mosaic layouts: the grid chosen, tile_at against a brute-force map, the gap regions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core.render.layout import Layout, gap_regions, mosaic_layout, tile_at


def _naive_tile_map(layout: Layout) -> np.ndarray:
    """(height, width, 3) int array of (index, row, col) per mosaic pixel, -1 in gaps."""
    out = np.full((layout.height, layout.width, 3), -1, dtype=np.int64)
    for k, (top, left) in enumerate(layout.positions):
        rows, cols = np.mgrid[0:layout.tile_h, 0:layout.tile_w]
        out[top:top + layout.tile_h, left:left + layout.tile_w] = np.stack(
            [np.full_like(rows, k), rows, cols], axis=2)
    return out


def test_layout_of_eight_photo_sized_maps():
    layout = mosaic_layout(8, 427, 640, gap=10, label_h=20, aspect=16 / 10)
    assert layout.rows * layout.cols >= 8 > (layout.rows - 1) * layout.cols
    assert (layout.rows, layout.cols) == (3, 3)
    assert layout.width == 3 * 640 + 2 * 10
    assert layout.height == 3 * (20 + 427) + 2 * 10
    assert layout.positions[0] == (20, 0)
    assert layout.positions[4] == (20 + 427 + 10 + 20, 650)


def test_layout_follows_the_view_shape():
    wide = mosaic_layout(12, 10, 10, gap=1, aspect=4.0)
    tall = mosaic_layout(12, 10, 10, gap=1, aspect=0.25)
    assert wide.cols > wide.rows
    assert tall.rows > tall.cols
    assert mosaic_layout(1, 5, 7).positions == ((0, 0),)


def test_empty_layout_and_bad_arguments():
    empty = mosaic_layout(0, 4, 4)
    assert (empty.height, empty.width, empty.positions) == (0, 0, ())
    assert tile_at(empty, 0, 0) is None
    with pytest.raises(ValueError):
        mosaic_layout(3, 0, 4)
    with pytest.raises(ValueError):
        mosaic_layout(3, 4, 4, gap=-1)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 13), tile_h=st.integers(1, 9), tile_w=st.integers(1, 9),
       gap=st.integers(0, 3), label_h=st.integers(0, 4),
       aspect=st.floats(0.2, 5.0, allow_nan=False))
def test_tile_at_matches_a_brute_force_map(count, tile_h, tile_w, gap, label_h, aspect):
    layout = mosaic_layout(count, tile_h, tile_w, gap=gap, label_h=label_h, aspect=aspect)
    expected = _naive_tile_map(layout)
    for y in range(layout.height):
        for x in range(layout.width):
            want = tuple(expected[y, x]) if expected[y, x, 0] >= 0 else None
            assert tile_at(layout, x, y) == want
            # Any point inside the pixel's square maps to the same pixel.
            assert tile_at(layout, x + 0.75, y + 0.25) == want
    # Every map pixel appears exactly once.
    assert (expected[..., 0] >= 0).sum() == count * tile_h * tile_w


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 40), tile_h=st.integers(1, 60), tile_w=st.integers(1, 60),
       data=st.data())
def test_tile_origin_round_trip(count, tile_h, tile_w, data):
    layout = mosaic_layout(count, tile_h, tile_w, label_h=data.draw(st.integers(0, 9)))
    k = data.draw(st.integers(0, count - 1))
    r = data.draw(st.integers(0, tile_h - 1))
    c = data.draw(st.integers(0, tile_w - 1))
    top, left = layout.positions[k]
    assert tile_at(layout, left + c + 0.5, top + r + 0.5) == (k, r, c)


def test_tile_at_outside_and_in_gaps():
    layout = mosaic_layout(3, 4, 5, gap=2, label_h=3, aspect=10.0)   # one row of three
    assert (layout.rows, layout.cols) == (1, 3)
    assert tile_at(layout, -0.1, 4) is None
    assert tile_at(layout, 0, -1) is None
    assert tile_at(layout, layout.width, 4) is None
    assert tile_at(layout, 0, layout.height) is None
    assert tile_at(layout, float("nan"), 4) is None
    assert tile_at(layout, 2, 1) is None            # label band
    assert tile_at(layout, 5, 4) is None            # gap column right of tile 0
    assert tile_at(layout, 6, 4) is None
    assert tile_at(layout, 7, 4) == (1, 1, 0)


def test_gap_regions_cover_exactly_the_non_tile_pixels():
    layout = mosaic_layout(5, 3, 4, gap=2, label_h=2, aspect=1.0)
    covered = np.zeros((layout.height, layout.width), bool)
    for rows, cols in gap_regions(layout):
        covered[rows, cols] = True
    assert np.array_equal(covered, _naive_tile_map(layout)[..., 0] < 0)
