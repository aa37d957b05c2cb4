"""Network views: activations, filters, confusion matrix, gallery, probabilities, augmentation."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from explorer.core.arrays import frozen_array
from explorer.core.predict.prediction import LayerActivation, Prediction
from explorer.core.render.mosaic import BACKGROUND_RGB
from explorer.ui.widgets.network_views import (
    TOP_RGB,
    ActivationsView,
    AugmentationPreview,
    ConfusionView,
    FiltersView,
    GalleryView,
    ProbabilityBars,
    layer_caption,
)

# The seed convnet (course notes, seed 001) on a 28x28x1 image.
MNIST_CONVNET = (
    ("conv2d", "Conv2D", (26, 26, 32)),
    ("max_pooling2d", "MaxPooling2D", (13, 13, 32)),
    ("conv2d_1", "Conv2D", (11, 11, 64)),
    ("max_pooling2d_1", "MaxPooling2D", (5, 5, 64)),
    ("conv2d_2", "Conv2D", (3, 3, 64)),
    ("flatten", "Flatten", (576,)),
    ("dense", "Dense", (64,)),
    ("dense_1", "Dense", (10,)),
)
DIGITS = tuple(str(i) for i in range(10))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def make_prediction(seed: int = 0, layers=MNIST_CONVNET) -> Prediction:
    rng = np.random.default_rng(seed)
    activations = []
    for name, kind, shape in layers:
        if name == layers[-1][0]:
            out = _softmax(rng.normal(size=shape) * 3)
        else:
            out = np.maximum(rng.normal(size=shape), 0.0)     # after ReLU
        activations.append(LayerActivation(name, kind, frozen_array(out)))
    return Prediction(frozen_array(activations[-1].output), tuple(activations))


def digit_image() -> np.ndarray:
    image = np.zeros((28, 28, 1), dtype=np.float32)
    image[5:23, 12:16] = 1.0
    return image


def _show(qtbot, widget, size=(640, 480)):
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()


def _concept(widget) -> None:
    assert widget.accessibleName()
    assert widget.toolTip().endswith(".")


# --------------------------------------------------------------------------
# ActivationsView
# --------------------------------------------------------------------------

def test_activation_rows_match_the_layers(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    _concept(view)
    view.set_class_names(DIGITS)
    view.set_prediction(make_prediction(), input_image=digit_image())
    rows = view.rows()
    assert [r.caption.text() for r in rows] == [layer_caption(*layer) for layer in MNIST_CONVNET]
    assert rows[0].caption.text() == "conv2d (Conv2D) \u2192 26\u00d726\u00d732"
    assert [r.kind for r in rows] == ["maps"] * 5 + ["strip", "strip", "bars"]
    assert [r.tile_count() for r in rows] == [32, 32, 64, 64, 64, 576, 64, 10]
    for row in rows:
        assert row.caption.toolTip() and row.body.accessibleName()
    assert view.input_row.isVisibleTo(view)
    assert view.message() is None
    # Every map tile is in the mosaic, and a ReLU zero is the colour map's white middle.
    conv = rows[0]
    info = conv.layout_info
    mosaic = conv.body.image_item.image
    assert mosaic.dtype == np.float32 and mosaic.shape == (info.height, info.width)
    out = make_prediction().activations[0].output
    top, left = info.positions[5]
    zero = np.argwhere(out[:, :, 5] == 0)[0]
    assert mosaic[top + zero[0], left + zero[1]] == pytest.approx(0.5)
    peak = np.unravel_index(np.argmax(out), out.shape)
    top, left = info.positions[peak[2]]
    assert mosaic[top + peak[0], left + peak[1]] == pytest.approx(1.0)
    # The final Dense layer: labelled bars.
    bars = rows[-1].body
    assert bars.bar_count == 10
    np.testing.assert_allclose(bars.values(), make_prediction().activations[-1].output, rtol=1e-6)
    assert rows[-1].scale_label.text() == "probabilities (softmax)"


def test_activations_update_in_place_and_rebuild_for_a_new_architecture(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_prediction(make_prediction(0))
    rows = view.rows()
    bodies = [r.body for r in rows]
    first = rows[0].body.image_item.image.copy()
    view.set_prediction(make_prediction(1))
    assert view.rows() == rows and [r.body for r in view.rows()] == bodies
    assert not np.array_equal(rows[0].body.image_item.image, first)

    other = MNIST_CONVNET[:2] + (("flatten", "Flatten", (5408,)), ("dense", "Dense", (3,)))
    view.set_prediction(make_prediction(2, other))
    new_rows = view.rows()
    assert len(new_rows) == 4 and not set(map(id, new_rows)) & set(map(id, rows))
    assert [r.tile_count() for r in new_rows] == [32, 32, 5408, 3]
    assert new_rows[-1].kind == "bars"
    # Old rows are gone from the column.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    column = view.scroll_area.widget()
    from explorer.ui.widgets.network_views import _LayerRow
    live = [w for w in column.findChildren(_LayerRow) if w is not view.input_row]
    assert sorted(map(id, live)) == sorted(map(id, new_rows))


def test_large_final_dense_is_a_strip_and_class_names_label_the_bars(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    layers = (("dense", "Dense", (64,)), ("dense_1", "Dense", (25,)))
    view.set_prediction(make_prediction(0, layers))
    assert [r.kind for r in view.rows()] == ["strip", "strip"]

    view.set_prediction(make_prediction(0))
    bars_row = view.rows()[-1]
    ticks = lambda: [t[1] for t in bars_row.body.axis._tickLevels[0]]  # noqa: E731
    assert ticks() == list(DIGITS)            # default: class indices
    names = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    view.set_class_names(names)
    assert ticks() == list(names)


def test_activations_never_write_the_arrays_they_are_given(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    layers = (("conv2d", "Conv2D", (6, 6, 4)), ("flatten", "Flatten", (144,)), ("dense", "Dense", (10,)))
    rng = np.random.default_rng(3)
    outputs = [rng.normal(size=s).astype(np.float32) for _, _, s in layers]   # writable, signed
    copies = [o.copy() for o in outputs]
    image = rng.random((6, 6, 3)).astype(np.float32)
    image_copy = image.copy()
    prediction = Prediction(np.full(10, 0.1, np.float32),
                            tuple(LayerActivation(n, k, o) for (n, k, _), o in zip(layers, outputs)))
    view.set_prediction(prediction, input_image=image)
    for o, c in zip(outputs, copies):
        np.testing.assert_array_equal(o, c)
    np.testing.assert_array_equal(image, image_copy)
    assert view.rows()[0].body.image_item.image is not outputs[0]
    # Signed values (no ReLU): the scale note says blue for negatives; logits are "scores".
    assert view.rows()[0].scale_label.text().startswith("blue \u2212")
    assert view.rows()[-1].scale_label.text() == "scores"


def test_activation_empty_states(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    assert view.message() == "No image has been classified yet."
    view.set_prediction(make_prediction())
    assert view.message() is None
    view.clear("Training has not started.")
    assert view.message() == "Training has not started."
    rows = view.rows()
    view.set_prediction(make_prediction(4))
    assert view.message() is None and view.rows() == rows     # kept across clear()
    view.set_prediction(None)
    assert view.message() == "No image has been classified yet."
    view.set_prediction(make_prediction(), input_image=None)
    assert not view.input_row.isVisibleTo(view)
    silent = LayerActivation("conv2d", "Conv2D", frozen_array(np.zeros((4, 4, 2))))
    dead = Prediction(frozen_array([1.0]), (silent,))
    view.set_prediction(dead)
    assert view.rows()[0].scale_label.text() == "all zero"


def test_activation_tile_tooltip_and_wheel_scrolls_the_column(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_prediction(make_prediction(), input_image=digit_image())
    _show(qtbot, view, (640, 700))
    row = view.rows()[2]                      # conv2d_1, 11x11x64
    canvas = row.body
    top, left = row.layout_info.positions[7]
    pos = canvas.viewport_point(left + 3.5, top + 2.5)
    value = make_prediction().activations[2].output[2, 3, 7]
    expected = f"conv2d_1, channel 7\nrow 2, column 3: {value:.3g}".replace("-", "\u2212")
    assert canvas.tooltip_at(pos) == expected
    # A real tooltip event shows it.
    event = QHelpEvent(QEvent.Type.ToolTip, pos, canvas.viewport().mapToGlobal(pos))
    QApplication.sendEvent(canvas.viewport(), event)
    assert QToolTip.text().startswith("conv2d_1, channel 7")
    QToolTip.hideText()
    # The mosaics do not zoom: they leave the wheel to the scroll area around them (a real,
    # spontaneous wheel event then propagates to it; a synthetic one never propagates).
    bar = view.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0

    def wheel(widget):
        center = QPointF(widget.rect().center())
        return QWheelEvent(center, QPointF(widget.mapToGlobal(center.toPoint())), QPoint(0, 0),
                           QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                           Qt.ScrollPhase.NoScrollPhase, False)

    event = wheel(canvas.viewport())
    QApplication.sendEvent(canvas.viewport(), event)
    assert not event.isAccepted()
    QApplication.sendEvent(view.scroll_area.viewport(), wheel(view.scroll_area.viewport()))
    assert bar.value() > 0
    view.grab().save("/tmp/nv_activations.png")


def test_activation_rows_follow_the_width(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_prediction(make_prediction())
    _show(qtbot, view, (420, 600))
    narrow = view.rows()[0].body.height()
    view.resize(800, 600)
    QApplication.processEvents()
    wide = view.rows()[0].body.height()
    assert wide > narrow * 1.5
    h, w = view.rows()[0].body.mosaic_size()
    assert abs(wide / view.rows()[0].body.width() - h / w) < 0.05


def test_activations_update_time(qtbot, capsys):
    """ActivationsView.set_prediction for the MNIST convnet: a few ms (reported)."""
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_class_names(DIGITS)
    predictions = [make_prediction(i) for i in range(12)]
    image = digit_image()
    view.set_prediction(predictions[0], input_image=image)
    _show(qtbot, view, (640, 900))
    calls, with_paint = [], []
    for i in range(60):
        p = predictions[i % len(predictions)]
        t0 = time.perf_counter()
        view.set_prediction(p, input_image=image)
        t1 = time.perf_counter()
        view.repaint()                       # paint what is on screen now
        t2 = time.perf_counter()
        calls.append(t1 - t0)
        with_paint.append(t2 - t0)
    call_ms, paint_ms = np.median(calls) * 1e3, np.median(with_paint) * 1e3
    with capsys.disabled():
        print(f"\nActivationsView.set_prediction (MNIST convnet): median {call_ms:.2f} ms, "
              f"with a repaint {paint_ms:.2f} ms")
    assert call_ms < 20.0          # target is a few ms; generous bound for slow CI machines


# --------------------------------------------------------------------------
# FiltersView
# --------------------------------------------------------------------------

def test_filters_of_a_grey_first_layer(qtbot):
    view = FiltersView()
    qtbot.addWidget(view)
    _concept(view)
    assert view.message() and view.filter_count() == 0
    kernel = np.random.default_rng(0).normal(size=(3, 3, 1, 32)).astype(np.float32)
    kernel_copy = kernel.copy()
    view.set_weights(kernel, layer_name="conv2d")
    assert view.filter_count() == 32
    assert view.map_view.current_labels() == tuple(f"filter {i}" for i in range(32))
    np.testing.assert_array_equal(view.map_view.current_maps(), kernel[:, :, 0, :])
    np.testing.assert_array_equal(kernel, kernel_copy)
    assert view.caption.text().startswith("32 learned filters of 3\u00d73\u00d71 of conv2d")
    _show(qtbot, view, (640, 420))
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
    _show(qtbot, view, (640, 420))
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
    _concept(view)
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
    _show(qtbot, view, (560, 520))
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
    _concept(view)
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
    _show(qtbot, view, (560, 420))
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
    _show(qtbot, view, (400, 200))
    view.clear()
    assert view.message() == "No misclassified images."
    view.grab().save("/tmp/nv_gallery_empty.png")


# --------------------------------------------------------------------------
# ProbabilityBars
# --------------------------------------------------------------------------

def test_probability_bars(qtbot):
    view = ProbabilityBars()
    qtbot.addWidget(view)
    _concept(view)
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
    _show(qtbot, view, (520, 560))
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
    _show(qtbot, view, (240, 300))
    label = view.guess_label
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    assert label.font().pointSizeF() < 40


# --------------------------------------------------------------------------
# AugmentationPreview
# --------------------------------------------------------------------------

def test_augmentation_preview(qtbot):
    view = AugmentationPreview()
    qtbot.addWidget(view)
    _concept(view)
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
    _show(qtbot, view, (360, 380))
    view.grab().save("/tmp/nv_augmentation.png")
    view.set_images(np.random.default_rng(0).random((9, 32, 32, 3)).astype(np.float32))
    assert view.tile_count() == 9 and view.canvas.image_item.image.ndim == 3
    view.clear("Augmentation is off.")
    assert view.tile_count() == 0 and view.message_label.text() == "Augmentation is off."


def test_progressive_drawing_returns_at_once_and_ends_equal_to_a_full_draw(qtbot):
    full = ActivationsView()
    qtbot.addWidget(full)
    full.set_prediction(make_prediction(3), input_image=digit_image())
    view = ActivationsView()
    qtbot.addWidget(view)
    started = time.perf_counter()
    view.set_prediction(make_prediction(0), input_image=digit_image(), progressive=True)
    view.set_prediction(make_prediction(3), input_image=digit_image(), progressive=True)  # the newer one wins
    assert view.is_drawing() and len(view.rows()) < len(MNIST_CONVNET)  # rows come a few at a time
    assert time.perf_counter() - started < 0.05
    qtbot.waitUntil(lambda: not view.is_drawing(), timeout=5000)
    assert [r.caption.text() for r in view.rows()] == [r.caption.text() for r in full.rows()]
    for mine, reference in zip(view.rows(), full.rows(), strict=True):
        if mine.kind == "bars":
            np.testing.assert_array_equal(mine.body.values(), reference.body.values())
        else:
            np.testing.assert_array_equal(mine.body.image_item.image, reference.body.image_item.image)
    assert view.input_row.isVisibleTo(view)


def test_after_a_message_rows_reappear_one_by_one_as_they_are_drawn(qtbot, monkeypatch):
    import explorer.ui.widgets.network_views as network_views

    monkeypatch.setattr(network_views, "SLICE_S", 0.0)  # a slice then draws one row
    view = ActivationsView()
    qtbot.addWidget(view)
    view.show()
    view.set_prediction(make_prediction(0), input_image=digit_image())
    view.clear("Training starts.")
    view.set_prediction(make_prediction(3), input_image=digit_image(), progressive=True)
    assert view.message() is None
    assert not any(row.isVisibleTo(view) for row in (view.input_row, *view.rows()))  # not all at once
    shown = []
    while view.is_drawing():
        view._draw_slice()  # what the slice timer does between other events
        shown.append(sum(row.isVisibleTo(view) for row in view.rows()))
    assert shown == sorted(shown) and shown[-1] == len(MNIST_CONVNET)
    assert len(set(shown)) == len(MNIST_CONVNET) + 1  # 0 after the input row, then one more per slice
    assert view.input_row.isVisibleTo(view)


def test_clearing_stops_a_progressive_draw(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_prediction(make_prediction(0), progressive=True)
    view.set_prediction(None)
    assert not view.is_drawing() and view.message() is not None


def _shows_the_same(row, reference) -> bool:
    if row.kind == "bars":
        return np.array_equal(row.body.values(), reference.body.values())
    return np.array_equal(row.body.image_item.image, reference.body.image_item.image)


def test_rows_out_of_view_wait_until_scrolled_to_and_then_show_the_newest_prediction(qtbot):
    reference = ActivationsView()  # never shown: draws every row
    qtbot.addWidget(reference)
    reference.set_prediction(make_prediction(5), input_image=digit_image())
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_prediction(make_prediction(0), input_image=digit_image())
    _show(qtbot, view, (640, 420))
    viewport = view.scroll_area.viewport()

    def in_view(row) -> bool:
        top = row.mapTo(viewport, QPoint(0, 0)).y()
        return top < viewport.height() and top + row.height() > 0

    rows = view.rows()
    assert in_view(rows[0]) and not in_view(rows[-1])
    for seed in (3, 5):  # live updates, as while training
        view.set_prediction(make_prediction(seed), input_image=digit_image())
    for row, ref in zip(rows, reference.rows(), strict=True):
        assert _shows_the_same(row, ref) == in_view(row), row.layer_name  # out of view: still the first
    bar = view.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())  # scrolling brings the rest into view, drawn before they are painted
    assert in_view(rows[-1]) and _shows_the_same(rows[-1], reference.rows()[-1])
    assert all(_shows_the_same(row, ref) for row, ref in zip(rows, reference.rows()) if in_view(row))
    view.resize(640, 2400)  # room for every row
    QApplication.processEvents()
    assert all(_shows_the_same(row, ref) for row, ref in zip(rows, reference.rows()))


def test_the_same_input_image_is_not_drawn_again(qtbot, monkeypatch):
    view = ActivationsView()
    qtbot.addWidget(view)
    _show(qtbot, view)
    image = digit_image()
    view.set_prediction(make_prediction(0), input_image=image)
    drawn = []
    original = view.input_row.update_output
    monkeypatch.setattr(view.input_row, "update_output", lambda img: (drawn.append(img), original(img)))
    view.set_prediction(make_prediction(1), input_image=image.copy())  # a training probe: same picture
    assert drawn == []
    image[0, 0] = 0.5  # changed in place: it is compared by value, not identity
    view.set_prediction(make_prediction(2), input_image=image)
    assert len(drawn) == 1
    np.testing.assert_array_equal(view.input_row.body.image_item.image, image[:, :, 0])


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
