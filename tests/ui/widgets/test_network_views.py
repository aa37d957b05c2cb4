"""Network views: filters, confusion matrix, gallery, probabilities, augmentation."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from explorer.core.render.luts import BACKGROUND_RGB
from explorer.ui.widgets.activations_view import ActivationsView
from explorer.ui.widgets.class_bars import TOP_RGB
from explorer.ui.widgets.network_views import (
    AugmentationPreview,
    ConfusionView,
    FiltersView,
    GalleryView,
    ProbabilityBars,
)
from tests.ui.network_samples import DIGITS, explains_a_concept, make_prediction, show

# --------------------------------------------------------------------------
# FiltersView
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# ConfusionView
# --------------------------------------------------------------------------

def _confusion() -> np.ndarray:
    rng = np.random.default_rng(5)
    m = np.diag(rng.integers(900, 1100, 10)) + rng.poisson(0.8, (10, 10)) * (1 - np.eye(10, dtype=int))
    m[4, 9] = 12
    m[2, 7] = 1
    return m


def test_confusion_cells_counts_and_accuracy(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    explains_a_concept(view)
    assert view.message_label.isVisibleTo(view) and view.cell_count() == 0
    m = _confusion()
    view.set_confusion(m, DIGITS)
    model = view.table.model()
    assert view.cell_count() == 100
    assert model.data(model.index(4, 9)) == "12"
    assert model.data(model.index(3, 3)) == f"{m[3, 3]:,}"
    assert model.headerData(9, Qt.Orientation.Horizontal) == "9"
    accuracy = np.trace(m) / m.sum()
    assert view.accuracy() == pytest.approx(accuracy)
    assert view.caption.text().startswith(f"Accuracy {100 * accuracy:.1f}%")
    # The worst mistake is the darkest red; text stays readable on it.
    bg = model.data(model.index(4, 9), Qt.ItemDataRole.BackgroundRole)
    fg = model.data(model.index(4, 9), Qt.ItemDataRole.ForegroundRole)
    assert bg.red() > bg.blue() and abs(bg.lightnessF() - fg.lightnessF()) > 0.4
    assert not view.message_label.isVisibleTo(view)


def test_confusion_tooltip(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.set_confusion(_confusion(), DIGITS)
    assert view.cell_tooltip(4, 9) == "true 4, predicted 9: 12 images"
    assert view.cell_tooltip(2, 7) == "true 2, predicted 7: 1 image"
    show(qtbot, view, (560, 520))
    # A real hover: the table shows the cell's tooltip.
    rect = view.table.visualRect(view.table.model().index(4, 9))
    viewport = view.table.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), viewport.mapToGlobal(rect.center()))
    QApplication.sendEvent(viewport, event)
    assert QToolTip.text() == "true 4, predicted 9: 12 images"
    QToolTip.hideText()
    view.grab().save("/tmp/nv_confusion.png")


def test_confusion_names_and_empty(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    names = ("T-shirt/top", "Trouser", "Pullover")
    view.set_confusion(np.array([[5, 1, 0], [0, 6, 0], [2, 0, 4]]), names)
    assert view.cell_tooltip(2, 0) == "true Pullover, predicted T-shirt/top: 2 images"
    assert view.caption.text() == "Accuracy 83.3%: 15 of 18 images on the diagonal"
    view.clear("Not evaluated yet.")
    assert view.cell_count() == 0 and view.message_label.text() == "Not evaluated yet."
    assert view.accuracy() is None
    with pytest.raises(ValueError):
        view.set_confusion(np.zeros((3, 4)), ())


# --------------------------------------------------------------------------
# GalleryView
# --------------------------------------------------------------------------

def test_gallery_limits_and_clicks(qtbot):
    view = GalleryView(limit=60)
    qtbot.addWidget(view)
    explains_a_concept(view)
    rng = np.random.default_rng(2)
    images = rng.random((75, 28, 28, 1)).astype(np.float32)
    captions = [f"{i % 10} \u2192 {(i + 3) % 10}" for i in range(75)]
    indices = list(range(1000, 1075))
    view.set_images(images, captions, indices)
    assert view.thumbnail_count() == 60
    assert view.shown_indices() == indices[:60]
    assert view.more_label.isVisibleTo(view) and view.more_label.text().startswith("+15 more")
    assert view.list.item(3).text() == captions[3]
    assert view.list.iconSize().width() == 56            # 28 px scaled by a whole factor
    show(qtbot, view, (560, 420))
    for i in (0, 7):
        rect = view.thumbnail_rect(i)
        assert view.list.viewport().rect().contains(rect.center())
        with qtbot.waitSignal(view.image_clicked, timeout=1000) as blocker:
            QTest.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, rect.center())
        assert blocker.args == [indices[i]]
    view.grab().save("/tmp/nv_gallery.png")


def test_gallery_empty_and_few(qtbot):
    view = GalleryView()
    qtbot.addWidget(view)
    view.set_images(np.zeros((0, 28, 28, 1), np.float32), [], [])
    assert view.thumbnail_count() == 0
    assert view.message() == "No misclassified images."
    view.set_images(None, [], [])
    assert view.thumbnail_count() == 0 and view.message() == "No misclassified images."
    view.set_images(np.ones((3, 32, 32, 3), np.float32), ["a", "b", "c"], [5, 6, 7])
    assert view.thumbnail_count() == 3 and not view.more_label.isVisibleTo(view)
    assert view.message() is None
    show(qtbot, view, (400, 200))
    view.clear()
    assert view.message() == "No misclassified images."
    view.grab().save("/tmp/nv_gallery_empty.png")


# --------------------------------------------------------------------------
# ProbabilityBars
# --------------------------------------------------------------------------

def test_probability_bars(qtbot):
    view = ProbabilityBars()
    qtbot.addWidget(view)
    explains_a_concept(view)
    assert view.message() and view.guess_text() == ""
    p = np.full(10, 0.002, np.float64)
    p[7] = 1.0 - p.sum() + 0.002
    p = p / p.sum()
    view.set_probabilities(p, DIGITS)
    np.testing.assert_allclose(view.bar_values(), p, rtol=1e-6)
    item = view.bars.bar_item
    np.testing.assert_allclose(item.opts["width"], p)            # horizontal bars: length = p
    np.testing.assert_array_equal(item.opts["x0"], np.zeros(10))
    assert view.guess_text() == f"7 \u2014 {100 * p[7]:.1f}%" == "7 \u2014 98.2%"
    brushes = item.opts["brushes"]
    assert brushes[7].color() == QColor(*TOP_RGB)
    assert all(b.color() != QColor(*TOP_RGB) for i, b in enumerate(brushes) if i != 7)
    assert view.message() is None
    assert view.guess_label.font().pointSizeF() >= 30            # readable from the back row
    show(qtbot, view, (520, 560))
    view.grab().save("/tmp/nv_probabilities.png")
    # Another image: same items, new values and top guess.
    q = np.roll(p, -4)
    view.set_probabilities(q, DIGITS)
    assert view.bars.bar_item is item and view.guess_text() == "3 \u2014 98.2%"
    assert item.opts["brushes"][3].color() == QColor(*TOP_RGB)
    view.clear("Draw something.")
    assert view.message() == "Draw something." and view.guess_text() == ""
    view.grab().save("/tmp/nv_probabilities_empty.png")


def test_probability_bars_class_names(qtbot):
    view = ProbabilityBars()
    qtbot.addWidget(view)
    names = ("cat", "dog", "bird")
    view.set_probabilities(np.array([0.2, 0.7, 0.1]), names)
    assert view.guess_text() == "dog \u2014 70.0%"
    ticks = view.bars.axis._tickLevels[0]
    assert [t[1] for t in ticks] == list(names)
    view.set_probabilities(np.array([0.5, 0.5]))          # names missing: indices
    assert view.guess_text() == "0 \u2014 50.0%" and view.bars.bar_count == 2
    # A long name shrinks the guess to fit a narrow panel instead of widening the window.
    view.set_probabilities(np.array([0.03, 0.97]), ("T-shirt/top", "Ankle boot"))
    assert view.minimumSizeHint().width() < 200
    show(qtbot, view, (240, 300))
    label = view.guess_label
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    assert label.font().pointSizeF() < 40


# --------------------------------------------------------------------------
# AugmentationPreview
# --------------------------------------------------------------------------

def test_augmentation_preview(qtbot):
    view = AugmentationPreview()
    qtbot.addWidget(view)
    explains_a_concept(view)
    assert view.tile_count() == 0 and view.message_label.isVisibleTo(view)
    base = np.zeros((28, 28), np.float32)
    base[6:22, 12:16] = 1.0
    images = np.stack([np.roll(base, (i % 4 - 2, i // 4 - 2), (0, 1)) for i in range(16)])[..., None]
    copy = images.copy()
    view.set_images(images)
    assert view.tile_count() == 16
    assert (view.layout_info.rows, view.layout_info.cols) == (4, 4)
    np.testing.assert_array_equal(images, copy)
    mosaic = view.canvas.image_item.image
    top, left = view.layout_info.positions[5]
    np.testing.assert_allclose(mosaic[top:top + 28, left:left + 28], images[5, :, :, 0])
    show(qtbot, view, (360, 380))
    view.grab().save("/tmp/nv_augmentation.png")
    view.set_images(np.random.default_rng(0).random((9, 32, 32, 3)).astype(np.float32))
    assert view.tile_count() == 9 and view.canvas.image_item.image.ndim == 3
    view.clear("Augmentation is off.")
    assert view.tile_count() == 0 and view.message_label.text() == "Augmentation is off."


def test_probability_bars_follow_the_light_and_dark_themes(qtbot):
    from explorer.ui.widgets.appearance import apply_theme

    view = ProbabilityBars()
    qtbot.addWidget(view)
    p = np.array([0.02, 0.9, 0.08] + [0.0] * 7)
    view.set_probabilities(p, DIGITS)
    bars = view.bars

    def lightness():  # background, class names, a value written past its bar (0.02: "2.0%")
        return (bars.backgroundBrush().color().lightness(), bars.axis.textPen().color().lightness(),
                bars._texts[0].color.lightness())

    background, names, value = lightness()
    assert background > 200 and names < 100 and value < 100
    try:
        apply_theme("dark")
        QApplication.processEvents()
        background, names, value = lightness()
        assert background < 80 and names > 180 and value > 180
        # The dark panel's bars (the activations' last layer) keep their own colours.
        dark_panel = ActivationsView()
        qtbot.addWidget(dark_panel)
        dark_panel.set_prediction(make_prediction())
        assert dark_panel.rows()[-1].body.backgroundBrush().color() == QColor(*BACKGROUND_RGB)
    finally:
        apply_theme("light")
        QApplication.processEvents()
    assert lightness()[0] > 200
