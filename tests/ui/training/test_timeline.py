"""The run's timeline and the replay in the studio: real widgets, a real mouse drag, a real (tiny) run."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionSlider

from explorer.core.train.replay import ReplayMoment
from explorer.ui.training.replay_controller import LiveSnapshots
from explorer.ui.training.timeline import SCRUB_INTERVAL_MS, Timeline
from tests.ui.network_samples import show


def _moments(count: int) -> tuple[ReplayMoment, ...]:
    return tuple(ReplayMoment(epoch=i + 1, batch=10, batches=10, epochs=count, weights=(), epoch_end=True)
                 for i in range(count))


def _mouse(slider, kind, x: int, buttons=Qt.MouseButton.LeftButton) -> None:
    y = slider.height() // 2
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    local = QPointF(x, y)
    event = QMouseEvent(kind, local, QPointF(slider.mapToGlobal(QPoint(x, y))), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(slider, event)


def test_a_fast_drag_chooses_moments_while_it_goes_on_and_the_last_one_wins(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    show(qtbot, timeline, (700, 60))
    assert not timeline.slider.isEnabled() and "once training starts" in timeline.label.text()
    timeline.set_moments(_moments(40))
    assert timeline.is_live() and timeline.slider.value() == 39 and "40 moments" in timeline.label.text()
    assert not timeline.live_button.isEnabled()
    chosen, times = [], []
    timeline.moment_chosen.connect(lambda moment: (chosen.append(moment), times.append(time.monotonic())))
    slider = timeline.slider
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                           QStyle.SubControl.SC_SliderHandle, slider)
    start = handle.center().x()
    _mouse(slider, QEvent.Type.MouseButtonPress, start)
    began = time.monotonic()
    for step in range(1, 41):  # 40 moves over about 0.4 s: a fast drag to the left end
        _mouse(slider, QEvent.Type.MouseMove, int(start - step * start / 40), Qt.MouseButton.LeftButton)
        QTest.qWait(10)
    during = len(chosen)
    _mouse(slider, QEvent.Type.MouseButtonRelease, 0, Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: chosen and chosen[-1].epoch == 1, timeout=2000)
    elapsed_ms = (time.monotonic() - began) * 1e3
    assert during >= 2  # it fired while the drag went on (a throttle, not a debounce)
    assert len(chosen) <= elapsed_ms / SCRUB_INTERVAL_MS + 2  # but not at every move
    assert all(b - a >= SCRUB_INTERVAL_MS / 1e3 * 0.9 for a, b in zip(times, times[1:]))
    assert not timeline.is_live() and timeline.current().epoch == 1 and timeline.label.text() == "end of epoch 1 of 40"
    assert timeline.live_button.isEnabled()

    # New moments (the run goes on) leave the slider on the moment it shows.
    timeline.go_to(5)
    qtbot.waitUntil(lambda: chosen[-1].epoch == 6, timeout=2000)
    timeline.set_moments(_moments(41)[1:])
    assert timeline.moments()[timeline.slider.value()].epoch == 6 and timeline.current().epoch == 6
    with qtbot.waitSignal(timeline.live_requested, timeout=1000):
        QTest.mouseClick(timeline.live_button, Qt.MouseButton.LeftButton)
    assert timeline.is_live() and timeline.slider.value() == 39 and not timeline.live_button.isEnabled()
    timeline.set_moments(())
    assert not timeline.slider.isEnabled()


def test_live_snapshots_are_held_back_while_replaying():
    passed = []
    gate = LiveSnapshots(passed.append)
    gate.offer("a")
    gate.hold()
    gate.offer("b")
    gate.offer("c")
    assert passed == ["a"] and gate.release() == "c"
    gate.offer("d")
    assert passed == ["a", "d"]
    gate.forget()
    assert gate.latest is None and gate.release() is None


@pytest.fixture
def window(open_window):
    return open_window("training")


def test_the_run_replayed_in_the_studio_and_the_drawing_pad(qtbot, window, tmp_path):
    """Scrub to the end of epoch 1: curves, filters, probe and the pad's model are epoch 1's; Live goes back."""
    from explorer.core.model.model_files import load_model
    from explorer.core.train.config import TrainConfig

    studio = window.training
    live = []
    studio.snapshot_ready.connect(live.append)
    config = TrainConfig(model="mnist-convnet", dataset="digits", epochs=3, batch_size=16, limit=240,
                         validation_split=0.2)
    with qtbot.waitSignal(studio.running_changed, check_params_cb=lambda running: not running, timeout=120000):
        assert studio.start(config, checkpoint_dir=tmp_path)
    timeline = studio.replay.timeline
    moments = timeline.moments()
    # The first moment is the first call into TensorFlow's end (it may train several steps).
    assert moments[0].epoch == 1 and moments[0].label.startswith("epoch 1, batch ") and moments[-1].end == "finished"
    assert 1 <= moments[0].batch < 12 and not moments[0].epoch_end
    assert [m.epoch for m in moments if m.epoch_end] == [1, 2, 3] and timeline.slider.isEnabled()
    trained = [np.array(w) for w in studio.trained_model().get_weights()]
    qtbot.waitUntil(lambda: window.inference.has_model(), timeout=30000)
    replayed = []
    studio.replayed.connect(replayed.append)
    studio.tabs.setCurrentWidget(studio.activations)

    index = next(i for i, m in enumerate(moments) if m.epoch_end and m.epoch == 1)
    timeline.go_to(index)
    qtbot.waitUntil(lambda: bool(replayed), timeout=2000)
    moment = moments[index]
    assert studio.replay.active and replayed[-1].source == "replay: end of epoch 1 of 3"
    assert all(a is b for a, b in zip(replayed[-1].weights, moment.weights))
    assert studio.curves.marker_position() == 1.0 and studio.curves.data("loss")[0] == [1]
    assert "as they were at end of epoch 1 of 3" in studio.filters.caption.text()
    # The probe's activations come from epoch 1's weights: the same as epoch 1's checkpoint.
    checkpoint = load_model(sorted(tmp_path.rglob("epoch-01.keras"))[0])
    probe = studio.probe_image()
    expected = np.asarray(checkpoint.predict(probe[None], verbose=0))[0]
    qtbot.waitUntil(lambda: studio.replay.probe_prediction is not None, timeout=20000)
    np.testing.assert_allclose(studio.replay.probe_prediction.probabilities, expected, atol=1e-5)
    final = np.asarray(studio.trained_model().predict(probe[None], verbose=0))[0]
    assert not np.allclose(final, expected, atol=1e-3)  # epoch 1 is not the trained model: the test can fail
    assert studio.activations.message() is None
    # The drawing pad's classifier follows the timeline.
    qtbot.waitUntil(lambda: window.inference.model_info().source == "replay: end of epoch 1 of 3", timeout=5000)
    # Replaying never touched the training model.
    for a, b in zip(trained, studio.trained_model().get_weights()):
        np.testing.assert_array_equal(a, b)

    # A live snapshot arriving meanwhile (as the training thread hands them over) is held back, then comes back.
    from dataclasses import replace

    newer = replace(live[-1], source="trained: the newest")
    count = len(live)
    studio.controller.snapshot_ready.emit(newer)
    assert len(live) == count and replayed[-1].source.startswith("replay")
    QTest.mouseClick(timeline.live_button, Qt.MouseButton.LeftButton)
    assert not studio.replay.active and replayed[-1] is newer and studio.curves.marker_position() is None
    assert studio.curves.data("loss")[0] == [1, 2, 3] and "as they were" not in studio.filters.caption.text()
    qtbot.waitUntil(lambda: window.inference.model_info().source == "trained: the newest", timeout=5000)
    studio.controller.snapshot_ready.emit(live[-1])  # live again: passed on at once
    assert len(live) == count + 1
    window.grab().save("/tmp/replay_window.png")

    studio.load_model(str(sorted(tmp_path.rglob("epoch-02.keras"))[0]))  # a loaded model forgets the run
    assert timeline.moments() == () and not timeline.slider.isEnabled()
