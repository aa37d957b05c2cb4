"""Painted text: a status line that asks for a new layout only when it needs more or fewer lines,
and an elided label whose template size hint never asks for one."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from explorer.ui.widgets.painted_text import ElidedLabel, StatusLine
from explorer.ui.widgets.text_style import set_colours


class _LayoutRequests(QObject):
    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # Qt override
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def _in_a_window(qtbot, line: QWidget) -> tuple[QWidget, _LayoutRequests]:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    layout.addWidget(line)
    layout.addStretch(1)
    window.resize(300, 200)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    return window, _LayoutRequests(window)


def test_new_text_of_as_many_lines_lays_nothing_out_again(qtbot):
    line = StatusLine("epoch 1 of 2 · batch 10 of 300")
    window, requests = _in_a_window(qtbot, line)
    line.setText("epoch 1 of 2 · batch 20 of 300")
    QApplication.processEvents()
    assert requests.count == 0
    assert line.text() == "epoch 1 of 2 · batch 20 of 300" == line.accessibleDescription()
    # A QLabel in its place asks for a layout each time (what StatusLine is for).
    label = QLabel("epoch 1 of 2 · batch 10 of 300")
    label.setWordWrap(True)
    window.layout().insertWidget(0, label)
    QApplication.processEvents()
    requests.count = 0
    label.setText("epoch 1 of 2 · batch 20 of 300")
    QApplication.processEvents()
    assert requests.count > 0


def test_text_that_needs_more_lines_makes_room_and_wraps(qtbot):
    line = StatusLine("Short.")
    window, requests = _in_a_window(qtbot, line)
    one_line = line.height()
    line.setText("A much longer message, the kind an error gives, that cannot fit on one line of "
                 "three hundred pixels and so wraps onto several.")
    QApplication.processEvents()
    assert requests.count > 0 and line.height() >= 3 * one_line
    line.setText("Short again.")
    QApplication.processEvents()
    assert line.height() == one_line


def test_text_is_painted_in_the_palette_colour(qtbot):
    line = StatusLine("Diverged: NaN loss")
    _in_a_window(qtbot, line)
    set_colours(line, QColor("#b00020"))
    image = line.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())}
    reddish = [c for c in colours if QColor(c).red() > 120 and QColor(c).green() < 80]
    assert reddish  # the text, in the error colour
    line.setText("")
    blank = line.grab().toImage()
    assert len({blank.pixelColor(x, y).name() for x in range(blank.width()) for y in range(blank.height())}) == 1


def test_an_elided_label_with_a_template_never_asks_for_a_layout(qtbot):
    label = ElidedLabel("", (40, 40, 40), hint_text="white 0 \u2192 red 0.000")
    window, requests = _in_a_window(qtbot, label)
    for value in ("white 0 \u2192 red 0.912", "white 0 \u2192 red 12.5", "all zero"):
        label.setText(value)
        QApplication.processEvents()
        assert label.text() == value
    assert requests.count == 0
    untemplated = ElidedLabel("short", (40, 40, 40))
    window.layout().insertWidget(0, untemplated)
    QApplication.processEvents()
    requests.count = 0
    untemplated.setText("a longer caption")  # its size hint follows the text
    QApplication.processEvents()
    assert requests.count > 0
