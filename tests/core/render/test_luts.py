"""Colour tables: the diverging and grey maps, and colouring a mosaic as the screen does."""

from __future__ import annotations

import numpy as np

from explorer.core.render.layout import mosaic_layout
from explorer.core.render.luts import BACKGROUND_RGB, DIVERGING_LUT, GREY_LUT, apply_lut


def test_colour_maps_are_256_entries_diverging_and_grey():
    assert DIVERGING_LUT.shape == GREY_LUT.shape == (256, 3)
    assert DIVERGING_LUT.dtype == GREY_LUT.dtype == np.uint8
    assert np.all(DIVERGING_LUT[127:129] >= 250)                     # white around zero
    low, high = DIVERGING_LUT[0].astype(int), DIVERGING_LUT[255].astype(int)
    assert low[2] > low[0] + 50 and high[0] > high[2] + 50           # blue below, red above
    # Lightness falls away from the centre on both sides (no clipping to one colour).
    lightness = DIVERGING_LUT.astype(int).sum(axis=1)
    assert np.all(np.diff(lightness[:128]) >= 0) and np.all(np.diff(lightness[128:]) <= 0)
    assert np.array_equal(GREY_LUT[:, 0], np.arange(256)) and np.all(GREY_LUT == GREY_LUT[:, :1])


def test_apply_lut_paints_gaps_and_nan_in_the_background_colour():
    layout = mosaic_layout(2, 2, 2, gap=1, aspect=10.0)
    mosaic = np.array([[0.0, 0.5, 0.3, 1.0, np.nan]] * 2, np.float32)
    rgb = apply_lut(mosaic, DIVERGING_LUT, layout=layout)
    assert rgb.shape == (2, 5, 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb[0, 0], DIVERGING_LUT[0])
    assert np.array_equal(rgb[0, 1], DIVERGING_LUT[128])
    assert np.array_equal(rgb[0, 2], BACKGROUND_RGB)        # gap column
    assert np.array_equal(rgb[0, 4], BACKGROUND_RGB)        # NaN
