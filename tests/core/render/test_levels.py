"""Levels: symmetric signed ranges, min..max unsigned ones, shared or per map, NaN and inf ignored."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.render.levels import signed_levels, unsigned_levels
from tests.core.render.sample_maps import three_maps


def test_shared_levels_are_one_symmetric_range():
    lv = signed_levels(three_maps(), "shared")
    assert lv.shape == (3, 2)
    assert np.allclose(lv, [[-2.0, 2.0]] * 3)


def test_per_map_levels_are_symmetric_per_map_and_never_zero_width():
    lv = signed_levels(three_maps(), "per-map")
    assert np.allclose(lv[:2], [[-2.0, 2.0], [-0.5, 0.5]])
    assert np.all(lv[:, 0] == -lv[:, 1])
    assert 0 < lv[2, 1] < 1e-6                      # all-zero map: tiny, non-zero


def test_levels_ignore_nan_and_inf_and_reject_unknown_modes():
    maps = three_maps()
    maps[0, 0, 1] = np.nan
    maps[1, 1, 1] = np.inf
    maps[:, :, 2] = np.nan
    lv = signed_levels(maps, "per-map")
    assert np.allclose(lv[1], [-0.5, 0.5])
    assert np.all(np.isfinite(lv)) and lv[2, 1] > 0
    with pytest.raises(ValueError):
        signed_levels(maps, "auto")


def test_levels_on_many_maps_match_numpy():
    rng = np.random.default_rng(1)
    maps = rng.normal(size=(37, 53, 8)).astype(np.float32)    # rows not a multiple of any chunk
    expected = np.abs(maps).max(axis=(0, 1))
    assert np.allclose(signed_levels(maps, "per-map")[:, 1], expected)
    lv = unsigned_levels(maps, "per-map")
    assert np.allclose(lv[:, 0], maps.min(axis=(0, 1)))
    assert np.allclose(lv[:, 1], maps.max(axis=(0, 1)))
    shared = unsigned_levels(maps, "shared")
    assert np.allclose(shared, [[maps.min(), maps.max()]] * 8)


def test_unsigned_levels_of_a_constant_map_have_a_tiny_range():
    lv = unsigned_levels(np.full((3, 3, 1), 0.25, np.float32))
    assert lv[0, 0] < 0.25 < lv[0, 1] and lv[0, 1] - lv[0, 0] < 1e-6
