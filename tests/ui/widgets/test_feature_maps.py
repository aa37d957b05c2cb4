"""FeatureMapView: one float mosaic with labels, colour bar, levels modes, hover, click, highlight, export."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from explorer.core.render.luts import BACKGROUND_RGB, DIVERGING_LUT, GREY_LUT
from explorer.ui.widgets.feature_maps import FeatureMapView


def test_module_does_not_import_tensorflow():
    code = ("import sys, explorer.ui.widgets.feature_maps; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


H, W, K = 12, 16, 4


def _maps() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([x - 8, y - 6, np.zeros((H, W)), (x - 8) * 0.01], axis=2).astype(np.float32)


@pytest.fixture
def view(qtbot):
    widget = FeatureMapView()
    qtbot.addWidget(widget)
    widget.resize(800, 560)
    return widget


@pytest.fixture
def shown(qtbot, view):
    view.show()
    qtbot.waitExposed(view)
    view.set_maps(_maps(), ["a", "b", "zero", "small"])
    qtbot.wait(20)
    return view


def test_set_maps_draws_one_float_mosaic_with_explicit_levels(view):
    maps = _maps()
    view.set_maps(maps, ["a", "b", "zero", "small"])
    layout = view.layout_info
    assert layout.count == K and (layout.tile_h, layout.tile_w) == (H, W)
    image = view.image_item.image
    assert image.dtype == np.float32 and image.shape == (layout.height, layout.width)
    assert np.shares_memory(image, view.mosaic())
    assert tuple(view.image_item.levels) == (0.0, 1.0)
    assert view.image_item.lut is DIVERGING_LUT
    assert view.current_maps().shape == (H, W, K)
    assert np.shares_memory(view.current_maps(), maps)      # kept, not copied
    assert not view.current_maps().flags.writeable
    assert np.allclose(view.current_levels(), [[-8.0, 8.0]] * K)
    assert view.current_labels() == ("a", "b", "zero", "small")
    assert [item.text() for item in view.label_items()] == ["a", "b", "zero", "small"]
    assert not view.color_bar_widget.isHidden()
    assert view.color_bar.levels() == (-8.0, 8.0)
    assert view.value_at(0, 2, 3) == maps[2, 3, 0]


def test_labels_sit_in_their_band_above_each_tile(shown):
    layout = shown.layout_info
    for item, (top, left) in zip(shown.label_items(), layout.positions):
        rect = item.mapRectToParent(item.boundingRect())
        assert rect.bottom() <= top + 1e-6
        assert rect.top() >= top - layout.label_h - 1e-6
        assert left - 1e-6 <= rect.left() and rect.right() <= left + layout.tile_w + layout.gap + 1e-6


def test_a_single_unlabelled_map_has_no_label_band(view):
    view.set_maps(_maps()[..., 0])
    assert view.layout_info.count == 1 and view.layout_info.label_h == 0
    assert view.label_items() == []


def test_updates_reuse_the_same_items(view):
    view.set_maps(_maps(), list("abcd"))
    items = list(view.view_box.addedItems)
    image_item = view.image_item
    for _ in range(3):
        view.set_maps(_maps() * 2, list("abcd"), levels="per-map")
    assert view.view_box.addedItems == items and view.image_item is image_item


def test_set_rgb_shows_colour_tiles_without_colour_bar(view):
    images = [np.full((H, W, 3), 0.25 * i, np.float32) for i in range(3)]
    images[2][0, 0] = 5.0
    view.set_rgb(images, ["r", "g", "b"])
    assert view.image_item.image.shape == (view.layout_info.height, view.layout_info.width, 3)
    assert view.image_item.image.max() <= 1.0
    assert view.color_bar_widget.isHidden()
    assert view.current_maps().shape == (3, H, W, 3)
    assert view.current_levels() is None
    view.set_rgb(np.concatenate(images, axis=2))
    assert view.layout_info.count == 3


def test_set_image_grey_and_rgb(view):
    grey = np.linspace(0, 1, H * W, dtype=np.float32).reshape(H, W, 1)
    view.set_image(grey, "input")
    assert view.image_item.image.ndim == 2 and view.image_item.lut is GREY_LUT
    assert np.allclose(view.current_levels(), [[0.0, 1.0]])
    assert view.color_bar_widget.isHidden()
    assert view.layout_info.count == 1
    rgb = (np.random.default_rng(0).random((H, W, 3)) * 255).astype(np.uint8)
    view.set_image(rgb)
    assert view.image_item.image.shape == (H, W, 3)                    # no labels, no gaps
    assert np.allclose(view.image_item.image, rgb / 255.0, atol=1e-6)


def test_levels_mode_switch_rerenders_from_the_stored_maps(view):
    maps = _maps()
    view.set_maps(maps, list("abcd"))
    shared = view.mosaic().copy()
    view.set_levels_mode("per-map")
    assert view.levels_mode() == "per-map"
    assert view.current_maps().base is maps or np.shares_memory(view.current_maps(), maps)
    assert np.allclose(view.current_levels()[:2], [[-8, 8], [-6, 6]])
    assert not np.array_equal(view.mosaic(), shared)
    assert view.color_bar.levels() == (-1.0, 1.0)
    assert "fraction" in view.color_bar.getAxis("bottom").labelText
    view.set_levels_mode("shared")
    assert np.array_equal(view.mosaic(), shared)
    with pytest.raises(ValueError):
        view.set_levels_mode("auto")


def test_message_replaces_the_maps_until_the_next_update(qtbot, view):
    view.show()
    qtbot.waitExposed(view)
    view.set_maps(_maps())
    text = "The 7x7 kernel is larger than the 5x5 image: there is no output."
    view.set_message(text)
    assert view.message() == text
    assert view.message_label.isVisible() and not view.graphics.isVisible()
    assert view.current_maps() is None                       # nothing left to export
    assert view.render_png_array().shape == (0, 0, 3)
    view.set_maps(_maps())
    assert view.message() is None
    assert view.graphics.isVisible() and not view.message_label.isVisible()


def test_empty_maps_explain_themselves(view):
    view.set_maps(np.zeros((5, 5, 0), np.float32))
    assert "no feature maps" in view.message()
    view.set_maps(np.zeros((5, 5, 2), np.float32))
    assert view.message() is None and view.layout_info.count == 2


def test_live_updates_keep_the_chosen_levels_mode(view):
    view.set_maps(_maps(), list("abcd"))
    view.set_levels_mode("per-map")
    view.set_maps(_maps() * 5, list("abcd"))                # e.g. the next kernel edit
    assert view.levels_mode() == "per-map"
    assert np.allclose(view.current_levels()[0], [-40, 40])
    view.set_maps(_maps(), list("abcd"), levels="shared")
    assert view.levels_mode() == "shared"


def _viewport_point(view: FeatureMapView, index: int, y: float, x: float):
    return view.viewport_point(index, y, x)


def _gap_point(view: FeatureMapView):
    top, left = view.layout_info.positions[0]
    layout = view.layout_info
    scene = view.view_box.mapViewToScene(QPointF(left + layout.tile_w + layout.gap / 2, top + 2.5))
    return view.graphics.mapFromScene(scene)


def test_hover_reports_map_pixels_and_nothing_over_gaps(qtbot, shown):
    viewport = shown.graphics.viewport()
    # A map pixel must be several screen pixels wide for this test to be exact.
    assert shown.view_box.viewPixelSize()[0] < 0.25
    for index, y, x in [(0, 3, 5), (3, 11, 15), (1, 0, 0)]:
        with qtbot.waitSignal(shown.pixel_hovered, timeout=1000) as blocker:
            QTest.mouseMove(viewport, _viewport_point(shown, index, y, x))
        assert blocker.args == [index, y, x]
    with qtbot.waitSignal(shown.hover_left, timeout=1000):
        with qtbot.assertNotEmitted(shown.pixel_hovered, wait=150):
            QTest.mouseMove(viewport, _gap_point(shown))
    with qtbot.waitSignal(shown.pixel_hovered, timeout=1000) as blocker:
        QTest.mouseMove(viewport, _viewport_point(shown, 2, 6, 7))
    assert blocker.args == [2, 6, 7]
    with qtbot.waitSignal(shown.hover_left, timeout=1000):
        QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))


def test_hover_is_throttled(qtbot, shown):
    viewport = shown.graphics.viewport()
    seen = []
    shown.pixel_hovered.connect(lambda *a: seen.append(a))
    for x in range(W):
        QTest.mouseMove(viewport, _viewport_point(shown, 0, 4, x))
        qtbot.wait(2)
    qtbot.wait(100)
    assert seen and seen[-1] == (0, 4, W - 1)         # the latest position is never lost
    assert len(seen) < W                               # ...but rapid moves are merged


def test_click_reports_the_map_pixel_and_nothing_over_gaps(qtbot, shown):
    viewport = shown.graphics.viewport()
    with qtbot.waitSignal(shown.pixel_clicked, timeout=1000) as blocker:
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_viewport_point(shown, 2, 9, 13))
    assert blocker.args == [2, 9, 13]
    qtbot.wait(400)                                    # not a double click
    with qtbot.assertNotEmitted(shown.pixel_clicked, wait=100):
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_gap_point(shown))


def test_no_reports_while_a_message_is_shown(qtbot, shown):
    shown.set_message("nothing to show")
    with qtbot.assertNotEmitted(shown.pixel_clicked, wait=100):
        QTest.mouseClick(shown.message_label, Qt.MouseButton.LeftButton)


def test_highlight_geometry_is_clipped_to_the_tile(view):
    view.set_maps(_maps(), list("abcd"))
    top, left = view.layout_info.positions[2]
    view.highlight(2, 3, 4, 6, 9)
    assert view.highlight_rect() == QRectF(left + 4, top + 3, 5, 3)
    view.highlight(2, -2, -1, 3, 2, color="#ff00ff")                # padded window at the corner
    assert view.highlight_rect() == QRectF(left, top, 2, 3)
    view.highlight(2, H - 1, W - 2, H + 5, W + 5)
    assert view.highlight_rect() == QRectF(left + W - 2, top + H - 1, 2, 1)
    view.highlight(2, -5, -5, 0, 0)                                  # entirely outside
    assert view.highlight_rect() is None
    view.highlight(9, 0, 0, 1, 1)                                    # no such tile
    assert view.highlight_rect() is None
    view.highlight(1, 0, 0, 1, 1)
    view.clear_highlight()
    assert view.highlight_rect() is None


def test_highlight_survives_live_updates_but_not_a_new_shape(view):
    view.set_maps(_maps(), list("abcd"))
    view.highlight(1, 1, 1, 4, 4)
    view.set_maps(_maps() * 3, list("abcd"))
    assert view.highlight_rect() is not None
    view.set_maps(_maps()[:6], list("abcd"))
    assert view.highlight_rect() is None


def test_render_png_array_matches_the_screen_colours(qtbot, view):
    maps = _maps()
    view.set_maps(maps, list("abcd"))
    rgb = view.render_png_array()
    layout = view.layout_info
    assert rgb.shape == (layout.height, layout.width, 3) and rgb.dtype == np.uint8
    top, left = layout.positions[2]
    assert np.all(rgb[top:top + H, left:left + W] >= 250)             # all-zero map: white
    assert np.array_equal(rgb[0, 0], BACKGROUND_RGB)                  # label band
    # Same colours as pyqtgraph's own rendering of the mosaic.
    view.image_item.render()
    qimage = view.image_item.qimage.convertToFormat(QImage.Format.Format_RGB888)
    ptr = qimage.constBits()
    screen = np.frombuffer(ptr, np.uint8, count=qimage.sizeInBytes()).reshape(
        qimage.height(), qimage.bytesPerLine())[:, :3 * qimage.width()].reshape(qimage.height(), -1, 3)
    tiles = np.zeros(rgb.shape[:2], bool)
    for t, l in layout.positions:
        tiles[t:t + H, l:l + W] = True
    assert np.array_equal(screen[tiles], rgb[tiles])
    labelled = view.render_png_array(with_labels=True)
    assert labelled.shape == rgb.shape
    assert np.array_equal(labelled[tiles], rgb[tiles])
    assert not np.array_equal(labelled, rgb)                           # text in the bands


def test_render_png_array_of_rgb_and_empty_view(view):
    assert view.render_png_array().shape == (0, 0, 3)
    view.set_rgb([np.ones((H, W, 3), np.float32)] * 2)
    rgb = view.render_png_array()
    top, left = view.layout_info.positions[1]
    assert rgb.dtype == np.uint8 and np.all(rgb[top:top + H, left:left + W] == 255)


def test_grid_follows_the_view_shape_on_resize(qtbot, view):
    view.show()
    qtbot.waitExposed(view)
    maps = np.zeros((10, 10, 12), np.float32)
    view.resize(1200, 300)
    qtbot.wait(150)
    view.set_maps(maps)
    wide = view.layout_info
    assert wide.cols > wide.rows
    view.resize(300, 1200)
    qtbot.waitUntil(lambda: view.layout_info.rows > view.layout_info.cols, timeout=2000)


def _grab(qtbot, view) -> np.ndarray:
    """The view as painted, at one fixed zoom: the mosaic and a one-pixel margin."""
    layout = view.layout_info
    view.view_box.setRange(QRectF(-1, -1, layout.width + 2, layout.height + 2), padding=0)

    def once():
        qtbot.wait(30)
        image = view.graphics.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        ptr = image.constBits()
        return np.frombuffer(ptr, np.uint32, count=image.sizeInBytes() // 4).reshape(image.height(), -1).copy()

    previous = once()
    for _ in range(20):
        current = once()
        if np.array_equal(current, previous):
            return current
        previous = current
    raise AssertionError("the view kept changing")


def _same_but_for_edge_rounding(painted: np.ndarray, expected: np.ndarray) -> bool:
    """Equal images, except that a tile edge may fall one screen pixel over.

    pyqtgraph paints an indexed image, which Qt scales through another path than
    a ready RGB32 one; the two round a few tile edges to neighbouring screen
    pixels. Each differing pixel must show a colour its 3x3 neighbourhood has
    in `expected`, and they must be few.
    """
    rows, cols = np.nonzero(painted != expected)
    padded = np.pad(expected, 1, mode="edge")
    odd = [(r, c) for r, c in zip(rows, cols) if painted[r, c] not in padded[r:r + 3, c:c + 3]]
    return len(rows) <= 0.02 * painted.size and not odd


def test_show_frame_paints_what_set_maps_paints(qtbot, shown):
    from explorer.core.render.frame import maps_frame

    maps = _maps()
    maps[3, 4, 1] = np.nan
    shown.set_maps(maps, ["a", "b", "zero", "small"], levels="per-map")
    painted, levels = _grab(qtbot, shown), shown.current_levels()
    png, mosaic = shown.render_png_array(with_labels=True), shown.mosaic().copy()
    frame = maps_frame(maps, ["a", "b", "zero", "small"], lut=DIVERGING_LUT, aspect=shown.view_aspect(),
                       levels_mode="per-map")
    shown.set_maps(np.zeros_like(maps))  # something else in between
    shown.show_frame(frame)
    assert shown.frame_item.isVisible() and not shown.image_item.isVisible()
    assert _same_but_for_edge_rounding(_grab(qtbot, shown), painted)
    assert shown.layout_info == frame.layout and shown.levels_mode() == "per-map"
    np.testing.assert_array_equal(shown.current_levels(), levels)
    assert shown.current_maps().base is maps or np.shares_memory(shown.current_maps(), maps)
    assert shown.value_at(0, 2, 3) == maps[2, 3, 0]
    assert np.array_equal(shown.render_png_array(with_labels=True), png)
    np.testing.assert_array_equal(shown.mosaic(), mosaic)
    assert [item.text() for item in shown.label_items()] == ["a", "b", "zero", "small"]
    shown.set_maps(maps, ["a", "b", "zero", "small"])  # back to the view's own colouring
    assert shown.image_item.isVisible() and not shown.frame_item.isVisible()


def test_show_frame_of_colour_tiles_paints_what_set_rgb_paints(qtbot, shown):
    from explorer.core.render.frame import rgb_frame

    tiles = np.random.default_rng(0).uniform(-0.2, 1.2, size=(H, W, 9)).astype(np.float32)
    shown.set_rgb(tiles, ["r", "g", "b"])
    qtbot.wait(150)  # the colour bar went away: the view is taller, and the grid may change with it
    shown.set_rgb(tiles, ["r", "g", "b"])
    painted = _grab(qtbot, shown)
    shown.show_frame(rgb_frame(tiles, ["r", "g", "b"], aspect=shown.view_aspect()))
    assert _same_but_for_edge_rounding(_grab(qtbot, shown), painted)
    assert shown.color_bar_widget.isHidden() and shown.current_levels() is None


def test_a_frame_for_another_grid_or_scheme_is_coloured_again_here(qtbot, shown):
    from explorer.core.render.frame import maps_frame
    from explorer.core.render.luts import GREY_LUT

    maps = _maps()
    wide = maps_frame(maps, list("abcd"), lut=DIVERGING_LUT, aspect=50.0)  # one row: not this view's grid
    shown.show_frame(wide)
    assert shown.layout_info != wide.layout and shown.image_item.isVisible()
    stale = maps_frame(maps, list("abcd"), lut=GREY_LUT, aspect=shown.view_aspect())  # another scheme's table
    shown.show_frame(stale)
    assert shown.image_item.isVisible() and shown.image_item.lut is DIVERGING_LUT


def test_frame_qimage_equals_the_numpy_colouring():
    from explorer.core.render.frame import frame_pixels, maps_frame
    from explorer.ui.widgets.frame_image import frame_qimage

    for nan, width in ((False, 9), (True, 9), (False, 1), (False, 6), (False, 11)):  # lines of any length
        maps = np.random.default_rng(width).normal(size=(7, width, 5)).astype(np.float32)
        if nan:
            maps[2, 2, 3] = np.nan
        frame = maps_frame(maps, list("abcde"), lut=DIVERGING_LUT, aspect=1.3)
        image = frame_qimage(frame)
        assert image.format() == QImage.Format.Format_RGB32
        ptr = image.constBits()
        pixels = np.frombuffer(ptr, np.uint32, count=image.sizeInBytes() // 4).reshape(image.height(), -1)
        assert np.array_equal(pixels[:, :image.width()], frame_pixels(frame))
