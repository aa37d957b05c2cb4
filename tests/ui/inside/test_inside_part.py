"""The Inside part, driven through its real widgets with tiny real Keras models."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest

from explorer.ui.inside.inside_part import InsidePart
from explorer.ui.inside.jobs import NO_MODEL
from explorer.ui.inside.units_view import CLASSES as CLASS_ENTRY
from tests.ui.inside.inside_models import LAYERS, nested_model_file, tiny_data, tiny_snapshot

WAIT_MS = 60000  # first calls trace TensorFlow functions; the machine is shared


@pytest.fixture
def part(qtbot):
    widget = InsidePart()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.build()
    yield widget
    widget.shutdown()


def _with_model(qtbot, part, snapshot=None, data=True):
    part.set_snapshot(snapshot or tiny_snapshot())
    if data:
        part.set_test_data(tiny_data())
    qtbot.waitUntil(lambda: part.facts() is not None, timeout=WAIT_MS)
    return part.facts()


def _show(qtbot, part, view):
    part.tabs.setCurrentWidget(view)
    qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)


def _idle(qtbot, part):
    qtbot.waitUntil(lambda: not part.worker.is_busy() and not part.progress.isVisible(), timeout=WAIT_MS)


def test_without_a_model_every_view_says_how_to_get_one(part):
    for view in part.views.values():
        assert view.message() == NO_MODEL
        assert not view.show_button.isEnabled()
    assert "train a model in the Training tab or load a .keras file" in NO_MODEL
    assert "none yet" in part.model_label.text()


def test_after_a_snapshot_each_view_computes_and_shows_a_result(qtbot, part):
    facts = _with_model(qtbot, part)
    assert facts.layers[:2] == ("conv2d", "max_pooling2d") and facts.spatial[-1] == "conv2d_1"
    assert facts.embedding_layer == "dense"

    part.units.first.setValue(3)
    part.units.steps.setValue(8)
    _show(qtbot, part, part.units)
    qtbot.waitUntil(lambda: part.units.grid.count() == 3 and part.units.message() is None, timeout=WAIT_MS)
    assert part.units.grid.captions()[0].startswith("unit 0\n")
    _idle(qtbot, part)
    assert part.status.text().startswith("Done in")

    part.top.count.setValue(5)
    _show(qtbot, part, part.top)
    qtbot.waitUntil(lambda: part.top.grid.count() == 5, timeout=WAIT_MS)
    assert "receptive field" in part.top.caption.text()
    part.top.unit.setValue(2)  # another unit: shown from the same pass
    assert part.top.grid.count() == 5 and "Unit 2 of conv2d_1" in part.top.caption.text()

    part.attribution.show_test_image(4)
    _show(qtbot, part, part.attribution)
    qtbot.waitUntil(lambda: part.attribution.grid.count() == 5, timeout=WAIT_MS)
    assert part.attribution.grid.captions()[1].startswith("Grad-CAM")
    assert "test image 4" in part.attribution.caption.text()

    part.embedding.count.setValue(30)
    _show(qtbot, part, part.embedding)
    qtbot.waitUntil(lambda: part.embedding.message() is None, timeout=WAIT_MS)
    assert len(part.embedding.plot.scatter.points()) == 30
    assert len(part.embedding.raw_plot.scatter.points()) == 30


def test_the_classes_can_be_maximised_too(qtbot, part):
    _with_model(qtbot, part, data=False)
    part.units.select_layer(CLASS_ENTRY)
    part.units.steps.setValue(8)
    _show(qtbot, part, part.units)
    qtbot.waitUntil(lambda: part.units.grid.count() == 3, timeout=WAIT_MS)
    assert [c.split("\n")[0] for c in part.units.grid.captions()] == ["a", "b", "c"]


def test_cancel_stops_a_long_maximisation(qtbot, part):
    _with_model(qtbot, part, data=False)
    part.units.first.setValue(6)
    part.units.steps.setValue(512)
    _show(qtbot, part, part.units)
    qtbot.waitUntil(part.cancel_button.isEnabled)
    qtbot.mouseClick(part.cancel_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, part)
    assert part.status.text() == "Cancelled."
    assert part.units.message() == "Cancelled."


def test_a_new_request_supersedes_the_running_one(qtbot, part):
    _with_model(qtbot, part, data=False)
    shown, show = [], part.units.show_answer
    part.units.show_answer = lambda answer: (shown.append(answer), show(answer))
    part.units.first.setValue(6)
    part.units.steps.setValue(512)
    _show(qtbot, part, part.units)
    part.units.first.setValue(2)
    part.units.steps.setValue(8)
    qtbot.mouseClick(part.units.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: part.units.grid.count() == 2, timeout=WAIT_MS)
    _idle(qtbot, part)
    assert [len(a.value.units) for a in shown] == [2]  # the first request stopped without a result
    assert "the first 2 units of conv2d_1" in part.units.caption.text()


def test_clicking_a_point_of_the_embedding_makes_its_image_the_probe(qtbot, part):
    _with_model(qtbot, part)
    part.embedding.count.setValue(20)
    part.embedding.compare.setChecked(False)
    _show(qtbot, part, part.embedding)
    qtbot.waitUntil(lambda: part.embedding.message() is None, timeout=WAIT_MS)
    assert not part.embedding.raw_plot.isVisible()
    plot = part.embedding.plot
    points = plot.points
    gaps = np.linalg.norm(points[:, None] - points[None], axis=2) + np.eye(len(points)) * 1e9
    index = int(np.argmax(gaps.min(axis=1)))  # the loneliest point: nothing else under the pointer
    qtbot.wait(100)  # the view range follows the new points when the event loop runs
    box = plot.getPlotItem().getViewBox()
    pos = plot.mapFromScene(box.mapViewToScene(pg_point(points[index])))
    QTest.mouseMove(plot.viewport(), QPoint(pos.x() + 40, pos.y()))
    qtbot.wait(50)  # two moves in one go would be merged into one
    QTest.mouseMove(plot.viewport(), pos)
    qtbot.waitUntil(lambda: f"test image {index}:" in box.toolTip(), timeout=5000)
    assert "<img src=" in box.toolTip()  # the image itself
    with qtbot.waitSignal(part.probe_chosen, timeout=5000) as got:
        QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert np.array_equal(got.args[0], part.test_images().images[index])
    assert part.attribution.index.value() == index  # and the image to explain


def pg_point(xy):
    from PySide6.QtCore import QPointF

    return QPointF(float(xy[0]), float(xy[1]))


def test_a_functional_model_with_a_nested_base_from_a_keras_file(qtbot, part, tmp_path):
    path = nested_model_file(tmp_path)
    part.set_model_file(path)
    part.set_test_data(tiny_data())
    qtbot.waitUntil(lambda: part.facts() is not None, timeout=WAIT_MS)
    facts = part.facts()
    assert "base_conv" in facts.layers and facts.embedding_layer == "hidden"
    assert "loaded from" in part.model_label.text()
    part.units.select_layer("base_conv")
    part.units.first.setValue(2)
    part.units.steps.setValue(8)
    _show(qtbot, part, part.units)
    qtbot.waitUntil(lambda: part.units.grid.count() == 2, timeout=WAIT_MS)
    part.attribution.show_test_image(1)
    _show(qtbot, part, part.attribution)
    qtbot.waitUntil(lambda: part.attribution.grid.count() == 5, timeout=WAIT_MS)
    assert "No Grad-CAM" not in part.attribution.caption.text()


def test_the_window_keeps_ticking_while_a_long_maximisation_runs(qtbot, part):
    _with_model(qtbot, part, data=False)
    part.units.first.setValue(6)
    part.units.steps.setValue(160)
    ticks = []
    timer = QTimer(part, interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    _show(qtbot, part, part.units)
    qtbot.waitUntil(lambda: part.worker.is_busy(), timeout=WAIT_MS)
    _idle(qtbot, part)
    timer.stop()
    gaps = np.diff(ticks)
    assert len(ticks) > 20 and part.units.grid.count() == 6
    assert gaps.max() < 0.25, f"the UI thread stalled {gaps.max() * 1e3:.0f} ms"


def test_a_model_change_mid_computation_drops_the_old_work(qtbot, part):
    _with_model(qtbot, part, data=False)
    part.units.first.setValue(6)
    part.units.steps.setValue(400)
    _show(qtbot, part, part.units)
    qtbot.waitUntil(lambda: part.worker.is_busy(), timeout=WAIT_MS)
    bigger = (*LAYERS[:-1], LAYERS[-1].__class__("dense", units=5))
    part.set_snapshot(tiny_snapshot(2, layers=bigger, source="the new model"))
    assert part.units.message() == "Preparing the model for inspection…"
    qtbot.waitUntil(lambda: part.facts() is not None and part.facts().source == "the new model", timeout=WAIT_MS)
    _idle(qtbot, part)
    assert part.units.grid.count() == 0 and part.units.message().startswith("Choose a layer")
    assert part.facts().unit_count("dense") == 5


def test_weight_snapshots_of_the_same_network_keep_the_views(qtbot, part):
    facts = _with_model(qtbot, part, data=False)
    part.set_snapshot(tiny_snapshot(3, source="epoch 2"))  # new weights only: no rebuild, no reset
    assert part.facts() is facts and part.units.show_button.isEnabled()
    part.units.first.setValue(2)
    part.units.steps.setValue(8)
    _show(qtbot, part, part.units)
    qtbot.waitUntil(lambda: part.units.grid.count() == 2, timeout=WAIT_MS)
    assert "Model: epoch 2" in part.units.caption.text()


def test_test_images_that_do_not_fit_the_model_are_explained(qtbot, part):
    _with_model(qtbot, part, data=False)
    part.load_dataset("digits")  # the offline dataset: 28x28, the tiny model takes 12x12
    qtbot.waitUntil(lambda: part.test_images() is not None, timeout=WAIT_MS)
    assert "digits" in part.data_label.text()
    _show(qtbot, part, part.top)
    qtbot.waitUntil(lambda: (part.top.message() or "").startswith("The test images are 28×28×1"), timeout=WAIT_MS)
    assert "load the dataset the model was trained on" in part.top.message()


def test_the_drawing_is_explained_when_chosen(qtbot, part):
    _with_model(qtbot, part, data=False)
    _show(qtbot, part, part.attribution)
    qtbot.waitUntil(lambda: "there is no drawing yet" in (part.attribution.message() or ""))
    drawing = np.zeros((12, 12, 1), np.float32)
    drawing[2:10, 5:7] = 1.0
    part.set_drawing(drawing)
    qtbot.mouseClick(part.attribution.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: part.attribution.grid.count() == 5, timeout=WAIT_MS)
    assert "your drawing" in part.attribution.caption.text()


def test_a_model_without_convolutions_says_what_it_lacks(qtbot, part):
    from explorer.core.model.specs import LayerSpec

    dense_only = (LayerSpec("flatten"), LayerSpec("dense", units=7))
    facts = _with_model(qtbot, part, tiny_snapshot(4, layers=dense_only))
    assert facts.spatial == ()
    part.attribution.show_test_image(0)
    _show(qtbot, part, part.attribution)
    qtbot.waitUntil(lambda: part.attribution.grid.count() == 5, timeout=WAIT_MS)
    assert "No Grad-CAM" in part.attribution.caption.text()
    assert part.attribution.grid.captions()[1].endswith("no convolution")
    _show(qtbot, part, part.top)
    qtbot.waitUntil(lambda: part.top.grid.count() == part.top.count.value(), timeout=WAIT_MS)
    assert "sees the whole image" in part.top.caption.text()


def test_a_file_that_cannot_be_loaded_is_explained_and_nothing_breaks(qtbot, part, tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip file")
    part.set_model_file(str(broken))
    qtbot.waitUntil(lambda: (part.units.message() or "").startswith("This model cannot be inspected"),
                    timeout=WAIT_MS)
    assert not part.units.show_button.isEnabled()
    _with_model(qtbot, part, data=False)  # a good model afterwards is inspected as usual
    assert part.units.show_button.isEnabled()
