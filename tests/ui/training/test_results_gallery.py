"""ResultsGallery: a click on a confusion cell shows that cell's images in the gallery; back to all mistakes."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QSplitter

from explorer.core.train.evaluation import Evaluation
from explorer.ui.training.confusion_view import ConfusionView
from explorer.ui.training.gallery_view import GalleryView
from explorer.ui.training.results_gallery import ResultsGallery, cell_indices
from tests.ui.network_samples import show

# Ten test images of three classes: labels, predictions, and the mistakes most confident first.
LABELS = np.array([0, 0, 1, 1, 1, 2, 2, 2, 0, 1])
PREDICTED = np.array([0, 1, 1, 0, 1, 2, 2, 1, 1, 1])
MISTAKES = (8, 3, 7, 1)


def _evaluation() -> Evaluation:
    from sklearn.metrics import confusion_matrix

    return Evaluation(test_loss=0.5, test_accuracy=0.6, confusion=confusion_matrix(LABELS, PREDICTED),
                      misclassified=MISTAKES, predicted=PREDICTED)


def test_cell_indices_keep_the_mistakes_order_and_the_diagonal_is_correct_ones():
    assert cell_indices(LABELS, PREDICTED, MISTAKES, 0, 1).tolist() == [8, 1]
    assert cell_indices(LABELS, PREDICTED, MISTAKES, 1, 1).tolist() == [2, 4, 9]
    assert cell_indices(LABELS, PREDICTED, MISTAKES, 2, 0).tolist() == []
    assert cell_indices(LABELS, PREDICTED, (), 0, 1).tolist() == []


def _click_cell(view: ConfusionView, row: int, column: int) -> None:
    rect = view.table.visualRect(view.table.model().index(row, column))
    QTest.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())


def test_a_clicked_cell_fills_the_gallery_and_back_shows_every_mistake(qtbot):
    confusion, gallery = ConfusionView(), GalleryView()
    split = QSplitter()
    split.addWidget(confusion)
    split.addWidget(gallery)
    qtbot.addWidget(split)
    results = ResultsGallery(confusion, gallery, split)
    images = np.stack([np.full((8, 8, 1), i / 10, np.float32) for i in range(10)])
    names = ("zero", "one", "two")
    evaluation = _evaluation()
    confusion.set_confusion(evaluation.confusion, names)
    results.show(images, LABELS, evaluation, names)
    show(qtbot, split, (900, 420))
    assert gallery.shown_indices() == list(MISTAKES) and gallery.title().startswith("All mistakes: 4 images")
    assert not gallery.back_button.isVisibleTo(gallery)

    _click_cell(confusion, 0, 1)
    assert results.cell == (0, 1) and gallery.shown_indices() == [8, 1]
    assert gallery.title() == "true zero, predicted one: 2 images, most confident first"
    assert [gallery.list.item(i).text() for i in range(2)] == ["zero \u2192 one"] * 2
    # A thumbnail still probes: its click names its test image.
    with qtbot.waitSignal(gallery.image_clicked, timeout=1000) as blocker:
        QTest.mouseClick(gallery.list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         gallery.thumbnail_rect(1).center())
    assert blocker.args == [1]

    _click_cell(confusion, 1, 1)  # the diagonal: the correct ones
    assert gallery.shown_indices() == [2, 4, 9] and gallery.title() == "true one, predicted one: 3 images (correct)"
    _click_cell(confusion, 2, 0)  # an empty cell says so
    assert gallery.title() == "true two, predicted zero: 0 images" and gallery.thumbnail_count() == 0
    assert gallery.message() == "No test image is a two the model took for a zero."
    split.grab().save("/tmp/replay_cell.png")

    QTest.mouseClick(gallery.back_button, Qt.MouseButton.LeftButton)
    assert results.cell is None and gallery.shown_indices() == list(MISTAKES)
    results.clear()
    assert gallery.thumbnail_count() == 0 and gallery.title() == ""
    _click_cell(confusion, 0, 1)  # no results: nothing happens
    assert gallery.thumbnail_count() == 0
