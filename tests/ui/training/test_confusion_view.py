"""ConfusionView: counts, colours, accuracy and cell tooltips."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from explorer.ui.training.confusion_view import ConfusionView
from tests.ui.network_samples import DIGITS, explains_a_concept, show


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


def test_clicking_or_entering_a_cell_names_it(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.set_confusion(_confusion(), DIGITS)
    show(qtbot, view, (560, 520))
    assert "click a cell" in view.axes_label.text()
    rect = view.table.visualRect(view.table.model().index(4, 9))
    with qtbot.waitSignal(view.cell_clicked, timeout=1000) as blocker:
        QTest.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         rect.center())
    assert blocker.args == [4, 9]
    # The keyboard: the arrows move to the next cell, Enter opens it.
    view.table.setFocus()
    QTest.keyClick(view.table, Qt.Key.Key_Right)
    with qtbot.waitSignal(view.cell_clicked, timeout=1000) as blocker:
        QTest.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args[0] == 4 and blocker.args[1] in (8, 9)
