"""ActivationsView: one row per layer, updated in place, drawn in slices and only in view."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip

from explorer.core.arrays import frozen_array
from explorer.core.predict.prediction import LayerActivation, Prediction
from explorer.ui.widgets.activation_rows import LayerRow, layer_caption
from explorer.ui.widgets.activations_view import ActivationsView
from tests.ui.network_samples import DIGITS, MNIST_CONVNET, digit_image, explains_a_concept, make_prediction, show


def test_activation_rows_match_the_layers(qtbot):
    view = ActivationsView()
    qtbot.addWidget(view)
    explains_a_concept(view)
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
    live = [w for w in column.findChildren(LayerRow) if w is not view.input_row]
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
    show(qtbot, view, (640, 700))
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
    show(qtbot, view, (420, 600))
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
    show(qtbot, view, (640, 900))
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
    import explorer.ui.widgets.row_scheduler as row_scheduler

    monkeypatch.setattr(row_scheduler, "SLICE_S", 0.0)  # a slice then draws one row
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
        view.scheduler.draw_slice()  # what the slice timer does between other events
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
    show(qtbot, view, (640, 420))
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
    show(qtbot, view)
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


def test_the_network_views_do_not_import_tensorflow():
    modules = ("explorer.ui.widgets.activations_view", "explorer.ui.training.filters_view",
               "explorer.ui.training.confusion_view", "explorer.ui.training.gallery_view",
               "explorer.ui.training.augmentation_preview", "explorer.ui.draw.probability_bars")
    code = (f"import sys, {', '.join(modules)}; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
