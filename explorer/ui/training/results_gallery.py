"""What the results gallery shows: every mistake, or the images of the confusion cell clicked.

:class:`ResultsGallery` listens to the confusion matrix and fills the
gallery: after a run, the mistakes, most confident first; a click on a cell
(true a, predicted b), that cell's images, titled "true 3, predicted 5: 12
images", with a button back to all mistakes. :func:`cell_indices` picks a
cell's test images (no Qt).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject

from explorer.core.numbers import plural
from explorer.ui.training.confusion_view import confusion_tooltip

__all__ = ["ResultsGallery", "cell_indices"]

#: Back to the whole list of mistakes.
BACK_TEXT = "All mistakes"


def cell_indices(labels: np.ndarray, predicted: np.ndarray, misclassified: Sequence[int], true_class: int,
                 predicted_class: int) -> np.ndarray:
    """The test-set indices of the images in one confusion cell.

    Parameters
    ----------
    labels, predicted : ndarray
        (N,) true and predicted class per test image.
    misclassified : sequence of int
        The mistakes, most confident first (an :class:`Evaluation`'s order).
    true_class, predicted_class : int
        The cell's row and column.

    Returns
    -------
    ndarray of int64
        A mistake cell in `misclassified`'s order, a diagonal cell in test-set order.
    """
    labels = np.asarray(labels)
    predicted = np.asarray(predicted)
    if true_class != predicted_class:
        wrong = np.asarray(misclassified, dtype=np.int64)
        if wrong.size == 0:
            return wrong
        keep = (labels[wrong] == true_class) & (predicted[wrong] == predicted_class)
        return wrong[keep]
    return np.flatnonzero((labels == true_class) & (predicted == true_class)).astype(np.int64)


class ResultsGallery(QObject):
    """Fill `gallery` with the run's mistakes, or with the confusion cell clicked in `confusion`.

    Parameters
    ----------
    confusion : ConfusionView
    gallery : GalleryView
    parent : QObject, optional
    """

    def __init__(self, confusion, gallery, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gallery = gallery
        self._results = None  # (test images, labels, evaluation, class names)
        self.cell: tuple[int, int] | None = None  # the cell shown, None for all mistakes
        confusion.cell_clicked.connect(self.show_cell)
        gallery.back_requested.connect(self.show_mistakes)

    def show(self, images: np.ndarray, labels: np.ndarray, evaluation, class_names: Sequence[str]) -> None:
        """A run's results: its mistakes for now, any cell on a click."""
        self._results = (images, np.asarray(labels), evaluation, tuple(str(n) for n in class_names))
        self.show_mistakes()

    def clear(self) -> None:
        """No results (a new run, a reset)."""
        self._results, self.cell = None, None
        self._gallery.set_title("")
        self._gallery.set_images(None, [], [])

    def show_mistakes(self) -> None:
        """Every mistake, most confident first."""
        if self._results is None:
            return
        self.cell = None
        _, _, evaluation, _ = self._results
        count = len(evaluation.misclassified)
        self._gallery.set_title(f"All mistakes: {plural(count, 'image')}, most confident first" if count else "")
        self._fill(evaluation.misclassified)

    def show_cell(self, true_class: int, predicted_class: int) -> None:
        """The images of one cell (true `true_class`, predicted `predicted_class`)."""
        if self._results is None:
            return
        _, labels, evaluation, names = self._results
        if not (0 <= true_class < len(names) and 0 <= predicted_class < len(names)):
            return
        self.cell = (true_class, predicted_class)
        indices = cell_indices(labels, evaluation.predicted, evaluation.misclassified, true_class, predicted_class)
        title = confusion_tooltip(names[true_class], names[predicted_class], len(indices))
        if true_class == predicted_class:
            title += " (correct)"
        elif len(indices):
            title += ", most confident first"
        self._gallery.set_title(title, back=BACK_TEXT)
        if len(indices) == 0:
            self._gallery.clear(f"No test image is a {names[true_class]} the model took for a "
                                f"{names[predicted_class]}." if true_class != predicted_class else
                                f"The model got no {names[true_class]} right.")
            return
        self._fill(indices)

    def _fill(self, indices) -> None:
        images, labels, evaluation, names = self._results
        shown = [int(i) for i in list(indices)[: self._gallery.limit]]
        captions = [f"{_name(names, int(labels[i]))} \u2192 {_name(names, int(evaluation.predicted[i]))}"
                    for i in shown]
        # Only the thumbnails shown are gathered; the count of the rest comes from `indices`.
        self._gallery.set_images(images[shown] if shown else None, captions, shown, total=len(indices))


def _name(names: Sequence[str], index: int) -> str:
    return names[index] if 0 <= index < len(names) else str(index)
