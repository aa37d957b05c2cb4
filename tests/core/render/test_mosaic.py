"""Mosaics: zero in the middle, levels per map or shared, clipping, a naive tiling, RGB tiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core.render.layout import mosaic_layout
from explorer.core.render.levels import signed_levels
from explorer.core.render.luts import lut_index
from explorer.core.render.mosaic import build_mosaic, build_rgb_mosaic
from tests.core.render.sample_maps import three_maps


def test_mosaic_puts_zero_in_the_middle_and_keeps_negatives():
    maps = three_maps()
    layout = mosaic_layout(3, 4, 5, gap=1, label_h=2, aspect=10.0)
    mosaic = build_mosaic(maps, layout, signed_levels(maps, "shared"))
    assert mosaic.dtype == np.float32 and mosaic.shape == (layout.height, layout.width)
    tiles = [mosaic[t:t + 4, l:l + 5] for t, l in layout.positions]
    assert np.all(tiles[2] == 0.5)                           # zero -> exactly the middle
    assert lut_index(np.float32(0.5)) == 128
    assert tiles[0][0, 0] == 0.0                             # -2 -> bottom, not below
    assert np.isclose(tiles[0][-1, -1], 0.75)                # +1 of +-2 -> 3/4
    # Negative values spread over the lower half instead of being clipped to one colour.
    negatives = tiles[0][maps[..., 0] < 0]
    assert len(np.unique(negatives)) == len(negatives) and negatives.max() < 0.5
    assert np.allclose(tiles[1], maps[..., 1] / 4 + 0.5)      # shared range: small map stays pale
    assert np.all(mosaic[0:2] == 0.5)                        # label band: neutral value


def test_per_map_mosaic_scales_each_map_to_its_own_max():
    maps = three_maps()
    layout = mosaic_layout(3, 4, 5, gap=1, aspect=10.0)
    mosaic = build_mosaic(maps, layout, signed_levels(maps, "per-map"))
    tiles = [mosaic[t:t + 4, l:l + 5] for t, l in layout.positions]
    assert tiles[0].min() == 0.0
    assert np.isclose(tiles[1].max(), 1.0) and np.isclose(tiles[1].min(), 0.5)
    assert np.all(tiles[2] == 0.5)


def test_mosaic_clips_to_given_levels_and_accepts_one_pair():
    maps = three_maps()
    layout = mosaic_layout(3, 4, 5, gap=0, aspect=10.0)
    mosaic = build_mosaic(maps, layout, (-1.0, 1.0), gap_value=np.nan)
    assert np.nanmin(mosaic) == 0.0 and np.nanmax(mosaic) <= 1.0
    with pytest.raises(ValueError):
        build_mosaic(maps[..., :2], layout, (-1.0, 1.0))


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 9), h=st.integers(1, 12), w=st.integers(1, 12), seed=st.integers(0, 99))
def test_mosaic_matches_a_naive_tiling(k, h, w, seed):
    maps = np.random.default_rng(seed).normal(size=(h, w, k)).astype(np.float32)
    layout = mosaic_layout(k, h, w, gap=1, label_h=1)
    levels = signed_levels(maps, "per-map")
    mosaic = build_mosaic(maps, layout, levels, gap_value=-7.0)
    expected = np.full((layout.height, layout.width), -7.0, np.float32)
    for i, (t, l) in enumerate(layout.positions):
        lo, hi = levels[i]
        expected[t:t + h, l:l + w] = np.clip((maps[..., i] - lo) / (hi - lo), 0, 1)
    assert np.allclose(mosaic, expected, atol=1e-6)


def test_rgb_mosaic_from_list_or_stacked_channels():
    images = [np.full((3, 4, 3), v, np.float32) for v in (0.2, 1.7, -0.3)]
    layout = mosaic_layout(3, 3, 4, gap=1, aspect=10.0)
    from_list = build_rgb_mosaic(images, layout)
    from_stack = build_rgb_mosaic(np.concatenate(images, axis=2), layout)
    assert from_list.shape == (layout.height, layout.width, 3)
    assert np.array_equal(from_list, from_stack)
    t, l = layout.positions[1]
    assert np.all(from_list[t:t + 3, l:l + 4] == 1.0)        # clipped
    t, l = layout.positions[2]
    assert np.all(from_list[t:t + 3, l:l + 4] == 0.0)
