"""Frames: maps laid out and coloured in one pass give exactly the pixels the view's own colouring gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core.render.colour_maps import COLOUR_SCHEMES
from explorer.core.render.frame import frame_pixels, frame_rgb, map_indices, maps_frame, packed_lut, pixel, rgb_frame
from explorer.core.render.layout import view_layout
from explorer.core.render.levels import extrema_and_nan, finite_extrema, signed_levels
from explorer.core.render.luts import BACKGROUND_RGB, DIVERGING_LUT, GREY_LUT, apply_lut
from explorer.core.render.mosaic import build_mosaic, rgb_stack_mosaic
from tests.core.render.sample_maps import three_maps


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 9), h=st.integers(1, 13), w=st.integers(1, 13), seed=st.integers(0, 999),
       mode=st.sampled_from(["shared", "per-map"]), signed=st.booleans(), planar=st.booleans(),
       scheme=st.sampled_from(sorted(COLOUR_SCHEMES)), labelled=st.booleans())
def test_maps_frame_equals_apply_lut_of_build_mosaic(k, h, w, seed, mode, signed, planar, scheme, labelled):
    rng = np.random.default_rng(seed)
    maps = (rng.normal(size=(k, h, w)) * rng.uniform(0.01, 100)).astype(np.float32)
    maps = maps.transpose(1, 2, 0) if planar else np.ascontiguousarray(maps.transpose(1, 2, 0))
    lut = COLOUR_SCHEMES[scheme].signed if signed else COLOUR_SCHEMES[scheme].unsigned
    labels = [f"map {i}" for i in range(k)] if labelled else []
    frame = maps_frame(maps, labels, lut=lut, aspect=1.6, levels_mode=mode, signed=signed)
    assert frame.layout == view_layout(k, h, w, labelled=labelled, aspect=1.6)
    expected = apply_lut(build_mosaic(maps, frame.layout, frame.levels, clip=False), lut, layout=frame.layout)
    np.testing.assert_array_equal(frame_rgb(frame), expected)
    assert frame.labels == tuple(labels + [""] * (k - len(labels)))
    assert frame.data is maps and frame.kind == "maps" and not frame.index.flags.writeable


def test_nan_pixels_and_gaps_are_the_background_and_the_rest_keeps_its_colour():
    maps = three_maps()
    maps[1, 2, 0] = np.nan
    frame = maps_frame(maps, ["a", "b", "c"], lut=DIVERGING_LUT, aspect=10.0)
    assert frame.nan_maps.tolist() == [True, False, False]
    rgb = frame_rgb(frame)
    top, left = frame.layout.positions[0]
    assert tuple(rgb[top + 1, left + 2]) == BACKGROUND_RGB
    assert tuple(rgb[0, 0]) == BACKGROUND_RGB  # the label band
    assert tuple(rgb[top, left]) == tuple(DIVERGING_LUT[0])  # -2 of +-2: the first entry
    top, left = frame.layout.positions[2]
    assert tuple(rgb[top, left]) == tuple(DIVERGING_LUT[128])  # zero: the middle entry, white
    expected = apply_lut(build_mosaic(maps, frame.layout, frame.levels, clip=False), DIVERGING_LUT,
                         layout=frame.layout)
    np.testing.assert_array_equal(rgb, expected)


def test_frame_levels_follow_the_mode():
    maps = three_maps()
    shared = maps_frame(maps, (), lut=DIVERGING_LUT, aspect=1.0)
    per_map = maps_frame(maps, (), lut=DIVERGING_LUT, aspect=1.0, levels_mode="per-map")
    np.testing.assert_array_equal(shared.levels, signed_levels(maps, "shared"))
    np.testing.assert_array_equal(per_map.levels, signed_levels(maps, "per-map"))
    assert not np.array_equal(shared.index, per_map.index)
    with pytest.raises(ValueError):
        maps_frame(maps, (), lut=DIVERGING_LUT, aspect=1.0, levels_mode="loud")


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 6), h=st.integers(1, 11), w=st.integers(1, 11), seed=st.integers(0, 999))
def test_rgb_frame_equals_apply_lut_of_the_rgb_mosaic(k, h, w, seed):
    images = np.random.default_rng(seed).uniform(-0.3, 1.3, size=(h, w, 3 * k)).astype(np.float32)
    images[0, 0, 1] = np.nan
    frame = rgb_frame(images, ["x"] * k, aspect=1.6)
    expected = apply_lut(rgb_stack_mosaic(frame.data, frame.layout), GREY_LUT, layout=frame.layout)
    np.testing.assert_array_equal(frame_rgb(frame), expected)
    assert frame_pixels(frame) is frame.pixels and frame.pixels.dtype == np.uint32


def test_pixels_are_opaque_rgb32_words():
    assert pixel((1, 2, 3)) == 0xFF010203
    table = packed_lut(GREY_LUT)
    assert table[0] == 0xFF000000 and table[255] == 0xFFFFFFFF and table is packed_lut(GREY_LUT)


def test_map_indices_match_the_entries_pyqtgraph_picks_and_check_the_shape():
    maps = three_maps()
    layout = view_layout(3, 4, 5, labelled=False, aspect=10.0)
    levels = signed_levels(maps, "shared")
    index = map_indices(maps, layout, levels)
    mosaic = build_mosaic(maps, layout, levels)
    for i, (top, left) in enumerate(layout.positions):
        expected = np.clip(np.floor(mosaic[top:top + 4, left:left + 5] * 256), 0, 255)
        np.testing.assert_array_equal(index[top:top + 4, left:left + 5], expected)
    with pytest.raises(ValueError, match="do not match"):
        map_indices(maps[:, :, :2], layout, levels[:2])


def test_planar_maps_have_the_same_extrema_and_nan_flags():
    maps = np.random.default_rng(3).normal(size=(5, 6, 7)).astype(np.float32)
    maps[0, 0, 1], maps[1, 1, 2] = np.nan, np.inf
    planar = np.ascontiguousarray(maps.transpose(2, 0, 1)).transpose(1, 2, 0)
    for a, b in zip(extrema_and_nan(maps), extrema_and_nan(planar)):
        np.testing.assert_array_equal(a, b)
    assert extrema_and_nan(maps)[2].tolist() == [False, True] + [False] * 5
    np.testing.assert_array_equal(finite_extrema(maps)[1], extrema_and_nan(maps)[1])
