"""The drawing pad's panel: how often a changing drawing is sent to the classifier."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtTest import QTest

from explorer.core.predict.drawing import Stroke, preprocess
from explorer.ui.draw.draw_panel import FRAME_MS, DrawPanel
from explorer.ui.services.inference import ModelInfo

PEN_EVENT_MS = 8  # an ordinary 125 Hz mouse
STROKE_S = 1.0
SEVEN = (Stroke(((0.25, 0.2), (0.75, 0.2))), Stroke(((0.75, 0.2), (0.45, 0.85))))


class RecordingInference(QObject):
    """Stands in for the InferenceService: has a model, records every request and never answers."""

    result_ready = Signal(object)
    errored = Signal(str, str)
    model_changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[float, np.ndarray]] = []  # (perf_counter time, image)

    def has_model(self) -> bool:
        return True

    def model_info(self) -> ModelInfo:
        return ModelInfo("a test model", (28, 28, 1), tuple("0123456789"))

    def request(self, image, tag="draw", *, heat=False) -> int:
        self.requests.append((time.perf_counter(), np.array(image)))
        return len(self.requests)


@pytest.fixture
def panel(qtbot):
    inference = RecordingInference()
    widget = DrawPanel(inference=inference)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    qtbot.waitUntil(widget.is_ready, timeout=10000)
    qtbot.waitExposed(widget)
    return widget, inference


def _at(canvas, x: float, y: float) -> QPoint:
    rect = canvas.pad_rect()
    return QPoint(round(rect.left() + x * rect.width()), round(rect.top() + y * rect.height()))


def _stroke_path(t: float) -> tuple[float, float]:
    """A wandering pen, pad coordinates at `t` in 0..1: every step moves it a few pixels."""
    return 0.2 + 0.6 * t, 0.5 + 0.25 * np.sin(6 * np.pi * t)


def test_a_moving_pen_is_classified_every_frame_and_once_more_when_it_stops(qtbot, panel):
    pad, inference = panel
    canvas = pad.canvas
    moves = round(STROKE_S * 1000 / PEN_EVENT_MS)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(canvas, *_stroke_path(0)))
    sent = [0]
    pen = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=PEN_EVENT_MS)

    def move() -> None:  # one mouse event every 8 ms, as the event loop delivers them
        sent[0] += 1
        QTest.mouseMove(canvas, _at(canvas, *_stroke_path(sent[0] / moves)))
        if sent[0] == moves:
            pen.stop()

    pen.timeout.connect(move)
    start = time.perf_counter()
    pen.start()
    qtbot.waitUntil(lambda: sent[0] == moves, timeout=10000)
    stroke_end = time.perf_counter()
    during = [t for t, _ in inference.requests if start <= t <= stroke_end]
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       _at(canvas, *_stroke_path(1)))
    released = time.perf_counter()
    qtbot.wait(10 * FRAME_MS)

    frames = (stroke_end - start) * 1000 / FRAME_MS
    assert len(during) >= 30, f"{len(during)} guesses requested during a {stroke_end - start:.2f} s stroke"
    assert len(during) >= 0.5 * frames  # slack for timer jitter on a busy machine
    assert len(during) <= frames + 2  # at most one per frame (plus the leading one)
    assert np.median(np.diff(during)) * 1000 >= FRAME_MS * 0.9  # throttled, not sent on every ink event
    # Once the pen stops: the finished drawing is the last request, sent within a frame or two.
    after = [t for t, _ in inference.requests if t > stroke_end]
    assert len(after) <= 1  # the trailing edge (none when the last move was itself sent at once)
    last_time, last_image = inference.requests[-1]
    assert last_time - stroke_end <= 3 * FRAME_MS / 1000
    np.testing.assert_array_equal(last_image, preprocess(canvas.ink(), (28, 28, 1)).final)
    assert len(canvas.strokes()) == 1 and released >= stroke_end


def test_a_single_change_is_classified_at_once_and_not_again(qtbot, panel):
    pad, inference = panel
    pad.canvas.set_strokes(SEVEN)
    assert len(inference.requests) == 1  # the leading edge: no wait for the first guess
    np.testing.assert_array_equal(inference.requests[0][1], preprocess(pad.canvas.ink(), (28, 28, 1)).final)
    qtbot.wait(5 * FRAME_MS)
    assert len(inference.requests) == 1  # nothing changed since: nothing more is sent
    pad.canvas.undo()
    qtbot.wait(5 * FRAME_MS)
    assert len(inference.requests) == 2  # a change after a rest is sent too
