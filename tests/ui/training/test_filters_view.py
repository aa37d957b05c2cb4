"""FiltersView: the first layer's filters, grey or in colour."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.ui.training.filters_view import FiltersView
from tests.ui.network_samples import explains_a_concept, show


def test_filters_of_a_grey_first_layer(qtbot):
    view = FiltersView()
    qtbot.addWidget(view)
    explains_a_concept(view)
    assert view.message() and view.filter_count() == 0
    kernel = np.random.default_rng(0).normal(size=(3, 3, 1, 32)).astype(np.float32)
    kernel_copy = kernel.copy()
    view.set_weights(kernel, layer_name="conv2d")
    assert view.filter_count() == 32
    assert view.map_view.current_labels() == tuple(f"filter {i}" for i in range(32))
    np.testing.assert_array_equal(view.map_view.current_maps(), kernel[:, :, 0, :])
    np.testing.assert_array_equal(kernel, kernel_copy)
    assert view.caption.text().startswith("32 learned filters of 3\u00d73\u00d71 of conv2d")
    show(qtbot, view, (640, 420))
    view.grab().save("/tmp/nv_filters.png")
    view.clear("Nothing yet.")
    assert view.message() == "Nothing yet." and view.filter_count() == 0


def test_filters_in_colour_and_of_many_channels(qtbot):
    view = FiltersView()
    qtbot.addWidget(view)
    kernel = np.random.default_rng(1).normal(size=(5, 5, 3, 16)).astype(np.float32)
    view.set_weights(kernel)
    assert view.filter_count() == 16
    tiles = view.map_view.current_maps()                 # (K, H, W, 3)
    assert tiles.shape == (16, 5, 5, 3)
    for i in range(16):   # each filter on its own scale, zero at mid grey
        absmax = np.abs(kernel[..., i]).max()
        np.testing.assert_allclose(tiles[i], 0.5 + kernel[..., i] / (2 * absmax), rtol=1e-6)
        assert np.isclose(tiles[i].min(), 0.0) or np.isclose(tiles[i].max(), 1.0)
    show(qtbot, view, (640, 420))
    view.grab().save("/tmp/nv_filters_rgb.png")
    view.set_weights(np.ones((3, 3, 8, 4), np.float32) * np.arange(8)[None, None, :, None])
    np.testing.assert_allclose(view.map_view.current_maps(), np.full((3, 3, 4), 3.5))
    with pytest.raises(ValueError):
        view.set_weights(np.zeros((3, 3, 32)))
