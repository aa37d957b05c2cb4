"""Drawing pad: mouse/tablet strokes, eraser, undo/clear and their keys, ink, overlay."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QInputDevice, QKeySequence, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from explorer.core.predict.drawing import MAX_BRUSH, MIN_BRUSH, Stroke, preprocess, render_strokes
from explorer.ui.draw.draw_canvas import INK_SIZE, MIN_SIDE, DrawCanvas

SIDE = 400
SEVEN = (
    Stroke(((0.25, 0.2), (0.75, 0.2))),
    Stroke(((0.75, 0.2), (0.45, 0.85))),
)


@pytest.fixture
def canvas(qtbot):
    widget = DrawCanvas()
    qtbot.addWidget(widget)
    widget.resize(SIDE, SIDE)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _at(canvas: DrawCanvas, x: float, y: float) -> QPoint:
    """Widget position of pad coordinates (x, y) in 0..1."""
    rect = canvas.pad_rect()
    return QPoint(round(rect.left() + x * rect.width()), round(rect.top() + y * rect.height()))


def drag(canvas: DrawCanvas, points) -> None:
    """Press at the first point, move through the others, release at the last."""
    positions = [_at(canvas, x, y) for x, y in points]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, positions[0])
    for pos in positions[1:]:
        QTest.mouseMove(canvas, pos)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, positions[-1])


def line(x0, y0, x1, y1, steps=12):
    return [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in np.linspace(0, 1, steps)]


# ----------------------------------------------------------------- basics


def test_starts_empty_accessible_and_focusable(canvas):
    assert canvas.is_empty() and canvas.strokes() == ()
    assert canvas.ink().shape == (INK_SIZE, INK_SIZE) and not canvas.ink().any()
    assert canvas.minimumWidth() >= MIN_SIDE and canvas.minimumHeight() >= MIN_SIDE >= 240
    assert canvas.accessibleName() and canvas.toolTip() and canvas.accessibleDescription()
    assert canvas.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert canvas.hasHeightForWidth() and canvas.heightForWidth(500) == 500


def test_pad_is_square_and_grows_with_the_window(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    pad = DrawCanvas()
    QVBoxLayout(window).addWidget(pad)
    window.resize(900, 700)
    window.show()
    qtbot.waitExposed(window)
    rect = pad.pad_rect()
    assert rect.width() == rect.height() == min(pad.width(), pad.height())
    assert rect.width() > 600
    assert rect.center().x() == pytest.approx(pad.width() / 2, abs=1)


# ----------------------------------------------------------------- drawing


def test_mouse_stroke_puts_ink_where_it_was_drawn(canvas, qtbot):
    changed, finished = [], []
    canvas.ink_changed.connect(lambda: changed.append(1))
    canvas.stroke_finished.connect(lambda: finished.append(1))
    drag(canvas, line(0.2, 0.3, 0.8, 0.3))
    assert len(finished) == 1
    assert len(changed) >= 10  # the press and every move
    assert not canvas.is_empty()
    (stroke,) = canvas.strokes()
    assert stroke.points[0][:2] == pytest.approx((0.2, 0.3), abs=0.01)
    assert stroke.points[-1][:2] == pytest.approx((0.8, 0.3), abs=0.01)
    assert all(p[2] == 1.0 for p in stroke.points)  # a mouse presses fully
    ink = canvas.ink()
    row = round(0.3 * INK_SIZE)
    assert ink[row, round(0.2 * INK_SIZE):round(0.8 * INK_SIZE)].min() > 0.99
    assert not ink[round(0.5 * INK_SIZE):].any()  # nothing in the lower half
    assert not ink[:, : round(0.1 * INK_SIZE)].any()


def test_ink_comes_from_render_strokes_and_is_fresh(canvas):
    drag(canvas, line(0.3, 0.2, 0.6, 0.8))
    ink = canvas.ink()
    assert ink.dtype == np.float32
    assert np.array_equal(ink, render_strokes(canvas.strokes(), INK_SIZE))
    assert np.array_equal(canvas.ink(28), render_strokes(canvas.strokes(), 28))
    assert canvas.ink((30, 50)).shape == (30, 50)
    ink[:] = 0  # a fresh array: the pad's copy is untouched
    assert canvas.ink().any()
    assert canvas.ink() is not canvas.ink()


def test_ink_changes_live_while_drawing(canvas, qtbot):
    start = _at(canvas, 0.2, 0.5)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    with qtbot.waitSignal(canvas.ink_changed, timeout=1000):
        QTest.mouseMove(canvas, _at(canvas, 0.7, 0.5))
    # Mid-stroke the ink (what the panel classifies) already has the line.
    assert canvas.ink()[round(0.5 * INK_SIZE), round(0.6 * INK_SIZE)] > 0.99
    assert len(canvas.strokes()) == 1
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(canvas, 0.7, 0.5))
    assert len(canvas.strokes()) == 1


def test_drawn_digit_preprocesses(canvas):
    drag(canvas, line(0.25, 0.2, 0.75, 0.2))
    drag(canvas, line(0.75, 0.2, 0.45, 0.85))
    p = preprocess(canvas.ink())
    assert p.final.shape == (28, 28, 1) and not p.touches_border


def test_brush_size(canvas):
    assert canvas.brush() == canvas.brush_width == canvas.property("brush_width")
    canvas.set_brush(0.2)
    assert canvas.brush_width == pytest.approx(0.2)
    canvas.setProperty("brush_width", 0.05)
    assert canvas.brush() == pytest.approx(0.05)
    canvas.set_brush(5)
    assert canvas.brush() == MAX_BRUSH
    canvas.set_brush(0)
    assert canvas.brush() == MIN_BRUSH
    with pytest.raises(ValueError):
        canvas.set_brush(float("nan"))
    canvas.set_brush(0.2)
    drag(canvas, line(0.2, 0.5, 0.8, 0.5))
    assert canvas.strokes()[0].width == pytest.approx(0.2)
    column = canvas.ink()[:, INK_SIZE // 2]
    assert column.sum() == pytest.approx(0.2 * INK_SIZE, abs=1.0)


def test_eraser_removes_ink(canvas):
    drag(canvas, line(0.1, 0.5, 0.9, 0.5))
    canvas.set_brush(0.2)
    canvas.set_eraser(True)
    assert canvas.is_eraser() and canvas.eraser
    drag(canvas, line(0.5, 0.2, 0.5, 0.8))
    assert canvas.strokes()[-1].eraser
    ink = canvas.ink()
    middle = round(0.5 * INK_SIZE)
    assert not ink[:, middle - 20:middle + 20].any()
    assert ink[middle, round(0.2 * INK_SIZE)] > 0.99 and ink[middle, round(0.8 * INK_SIZE)] > 0.99
    canvas.set_eraser(False)
    drag(canvas, line(0.5, 0.3, 0.5, 0.7))
    assert not canvas.strokes()[-1].eraser


def test_erasing_everything_leaves_the_pad_empty(canvas):
    drag(canvas, line(0.4, 0.5, 0.6, 0.5))
    canvas.set_brush(MAX_BRUSH)
    canvas.set_eraser(True)
    drag(canvas, line(0.3, 0.5, 0.7, 0.5))
    assert len(canvas.strokes()) == 2 and canvas.is_empty()


# --------------------------------------------------------------- undo/clear


def test_undo_removes_the_last_stroke(canvas):
    assert canvas.undo() is False and not canvas.can_undo()
    drag(canvas, line(0.2, 0.3, 0.8, 0.3))
    assert canvas.can_undo()
    first = canvas.ink()
    drag(canvas, line(0.2, 0.7, 0.8, 0.7))
    assert len(canvas.strokes()) == 2
    assert canvas.undo() is True
    assert len(canvas.strokes()) == 1
    assert np.array_equal(canvas.ink(), first)
    assert canvas.undo() and canvas.is_empty()
    assert not canvas.undo() and not canvas.can_undo()


def test_clear_and_undo_brings_it_back(canvas, qtbot):
    drag(canvas, line(0.2, 0.3, 0.8, 0.3))
    before = canvas.strokes()
    with qtbot.waitSignal(canvas.ink_changed, timeout=1000):
        canvas.clear()
    assert canvas.is_empty() and canvas.strokes() == ()
    assert canvas.undo()
    assert canvas.strokes() == before


def test_keys_when_focused(canvas):
    canvas.setFocus()
    drag(canvas, line(0.2, 0.3, 0.8, 0.3))
    drag(canvas, line(0.2, 0.7, 0.8, 0.7))
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 1
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty()


def test_pad_keys_win_over_window_shortcuts_only_while_focused(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    pad = DrawCanvas()
    other = QWidget()
    other.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    layout = QVBoxLayout(window)
    layout.addWidget(pad)
    layout.addWidget(other)
    triggered = []
    action = QAction("Undo elsewhere", window)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
    action.triggered.connect(lambda: triggered.append(1))
    window.addAction(action)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    pad.set_strokes(SEVEN)

    pad.setFocus()
    qtbot.waitUntil(pad.hasFocus)
    QTest.keyClick(pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.strokes()) == 1 and triggered == []

    other.setFocus()  # the control: elsewhere, the window's shortcut does fire
    qtbot.waitUntil(other.hasFocus)
    QTest.keyClick(other, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.strokes()) == 1 and triggered == [1]


def test_undo_or_clear_mid_stroke_drops_it(canvas):
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(canvas, 0.2, 0.2))
    QTest.mouseMove(canvas, _at(canvas, 0.6, 0.6))
    assert canvas.undo()
    QTest.mouseMove(canvas, _at(canvas, 0.8, 0.6))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(canvas, 0.8, 0.6))
    assert canvas.strokes() == () and canvas.is_empty()


# ------------------------------------------------------------- replay/tablet


def test_set_strokes_replays_and_undo_steps_back(canvas, qtbot):
    with qtbot.waitSignal(canvas.ink_changed, timeout=1000):
        canvas.set_strokes(SEVEN)
    assert canvas.strokes() == SEVEN
    assert np.array_equal(canvas.ink(), render_strokes(SEVEN, INK_SIZE))
    canvas.undo()
    assert canvas.strokes() == SEVEN[:1]
    with pytest.raises(TypeError):
        canvas.set_strokes([((0.1, 0.1),)])


def test_non_square_widget_maps_to_the_centred_pad(canvas):
    canvas.resize(600, 300)
    rect = canvas.pad_rect()
    assert (rect.left(), rect.top(), rect.width()) == (150, 0, 300)
    drag(canvas, [(0.5, 0.5), (0.5, 0.5)])
    assert canvas.strokes()[0].points[0][:2] == pytest.approx((0.5, 0.5), abs=0.01)


def _tablet(canvas, kind, pos, pressure, pointer=QPointingDevice.PointerType.Pen):
    device = QPointingDevice(
        "test stylus", 4242, QInputDevice.DeviceType.Stylus, pointer,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3,
    )
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
    event = QTabletEvent(
        kind, device, QPointF(pos), QPointF(canvas.mapToGlobal(pos)), pressure,
        0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons,
    )
    QApplication.sendEvent(canvas, event)
    return event.isAccepted()


def test_tablet_pressure_is_recorded(canvas):
    finished = []
    canvas.stroke_finished.connect(lambda: finished.append(1))
    assert _tablet(canvas, QEvent.Type.TabletPress, _at(canvas, 0.2, 0.5), 0.4)
    assert _tablet(canvas, QEvent.Type.TabletMove, _at(canvas, 0.5, 0.5), 0.6)
    assert _tablet(canvas, QEvent.Type.TabletMove, _at(canvas, 0.8, 0.5), 0.8)
    assert _tablet(canvas, QEvent.Type.TabletRelease, _at(canvas, 0.8, 0.5), 0.0)
    assert finished == [1]
    (stroke,) = canvas.strokes()
    assert [p[2] for p in stroke.points] == pytest.approx([0.4, 0.6, 0.8])
    column = canvas.ink()[:, round(0.75 * INK_SIZE)]
    assert column.sum() < canvas.brush() * INK_SIZE  # lighter than full pressure


def test_tablet_eraser_end_erases(canvas):
    canvas.set_strokes([Stroke(((0.1, 0.5), (0.9, 0.5)))])
    eraser = QPointingDevice.PointerType.Eraser
    _tablet(canvas, QEvent.Type.TabletPress, _at(canvas, 0.5, 0.3), 1.0, eraser)
    _tablet(canvas, QEvent.Type.TabletMove, _at(canvas, 0.5, 0.7), 1.0, eraser)
    _tablet(canvas, QEvent.Type.TabletRelease, _at(canvas, 0.5, 0.7), 0.0, eraser)
    assert canvas.strokes()[-1].eraser and not canvas.is_eraser()
    assert canvas.ink()[INK_SIZE // 2, INK_SIZE // 2] == 0.0


# ---------------------------------------------------------------- overlay


def _hot_spot():
    rows, cols = np.mgrid[:28, :28]
    return np.exp(-((rows - 7.0) ** 2 + (cols - 20.0) ** 2) / 20.0).astype(np.float32)


def test_overlay_is_drawn_and_removed(canvas):
    canvas.set_strokes(SEVEN)
    plain = canvas.grab().toImage()
    heat = _hot_spot()
    canvas.set_overlay(heat)
    assert np.array_equal(canvas.overlay(), heat) and not canvas.overlay().flags.writeable
    heat[:] = 0  # the pad keeps its own copy
    assert canvas.overlay().max() > 0.9
    shown = canvas.grab().toImage()
    hot = _at(canvas, 20.5 / 28, 7.5 / 28)
    cold = _at(canvas, 0.1, 0.9)
    warm = shown.pixelColor(hot)
    assert warm != plain.pixelColor(hot)
    assert warm.red() > warm.blue() and warm.red() > 100  # inferno's hot end is yellow/orange
    assert shown.pixelColor(cold) == plain.pixelColor(cold)  # cold stays transparent
    canvas.set_overlay(None)
    assert canvas.overlay() is None
    assert canvas.grab().toImage().pixelColor(hot) == plain.pixelColor(hot)
    with pytest.raises(ValueError):
        canvas.set_overlay(np.zeros((3, 3, 3)))


def test_render_digit_with_overlay_to_png(canvas, tmp_path):
    drag(canvas, line(0.25, 0.2, 0.75, 0.2))
    drag(canvas, line(0.75, 0.2, 0.45, 0.85))
    canvas.set_overlay(_hot_spot())
    path = tmp_path / "draw_canvas.png"
    assert canvas.grab().save(str(path))
    assert path.stat().st_size > 1000
    assert MIN_SIDE <= canvas.pad_rect().width()
