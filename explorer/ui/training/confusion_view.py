"""The test set's confusion matrix: rows = true class, columns = predicted class, counts in the cells; a cell opens."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from explorer.core.numbers import plural
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.message_label import message_label
from explorer.ui.widgets.text_style import follow_font, scaled_font

__all__ = ["ConfusionView", "confusion_tooltip"]

def _blend(rgb: tuple[int, int, int], strength: float) -> QColor:
    s = min(1.0, max(0.0, strength))
    return QColor(*(round(255 + (c - 255) * s) for c in rgb))


_DIAGONAL_RGB = (33, 102, 172)
_MISTAKE_RGB = (178, 24, 43)


def confusion_tooltip(true_name: str, predicted_name: str, count: int) -> str:
    """The tooltip of one cell of the matrix.

    Parameters
    ----------
    true_name, predicted_name : str
        The cell's row and column class.
    count : int
        Images counted there.

    Returns
    -------
    str
        e.g. ``"true 4, predicted 9: 12 images"``.
    """
    return f"true {true_name}, predicted {predicted_name}: {plural(int(count), 'image')}"


class _ConfusionModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.names: tuple[str, ...] = ()
        self._colours: list[list[QColor]] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_data(self, matrix: np.ndarray, names: tuple[str, ...]) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.names = names
        k = matrix.shape[0]
        totals = matrix.sum(axis=1, keepdims=True).astype(np.float64)
        frac = matrix / np.where(totals > 0, totals, 1.0)
        off = frac.copy()
        np.fill_diagonal(off, 0.0)
        worst = off.max() if off.size else 0.0
        colours = []
        for r in range(k):
            line = []
            for c in range(k):
                if r == c:
                    line.append(_blend(_DIAGONAL_RGB, 0.12 + 0.88 * frac[r, c]))
                elif matrix[r, c] > 0 and worst > 0:
                    # Mistakes on their own scale (the worst confusion is darkest), so they stand
                    # out even when the diagonal holds 99% of the images.
                    line.append(_blend(_MISTAKE_RGB, 0.10 + 0.80 * off[r, c] / worst))
                else:
                    line.append(QColor(255, 255, 255))
            colours.append(line)
        self._colours = colours
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # Qt override
        return 0 if parent.isValid() else self.matrix.shape[0]

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # Qt override
        return 0 if parent.isValid() else self.matrix.shape[1]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):  # Qt override
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        n = int(self.matrix[r, c])
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{n:,}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return confusion_tooltip(self.names[r], self.names[c], n)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._colours[r][c]
        if role == Qt.ItemDataRole.ForegroundRole:
            bg = self._colours[r][c]
            if n == 0:
                return QColor(170, 170, 170)
            return QColor(255, 255, 255) if bg.lightnessF() < 0.6 else QColor(20, 20, 24)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole and r == c:
            return self._bold
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):  # Qt override
        if not (0 <= section < len(self.names)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.names[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            which = "predicted" if orientation == Qt.Orientation.Horizontal else "true"
            return f"{which} class {self.names[section]}"
        return None


class ConfusionView(QWidget):
    """The confusion matrix: rows = true class, columns = predicted class, counts in the cells.

    The diagonal (correct) is blue, darker for a larger share of its row;
    mistakes are red on their own scale, the most frequent confusion darkest.
    Hover a cell for ``"true 4, predicted 9: 12 images"``; click it (or
    press Enter on it) to see those images.

    Signals
    -------
    cell_clicked(int, int)
        The true and the predicted class of the cell clicked.
    """

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        describe(self, "Confusion matrix",
                     "How often each true class (row) was predicted as each class (column): "
                     "the diagonal is correct, everything else a mistake.")
        self.caption = QLabel()
        self.caption.setAccessibleName("Accuracy")
        self.axes_label = QLabel("rows = true class \u2193, columns = predicted class \u2192; "
                                 "blue diagonal = correct, red = mistakes; click a cell to see its images")
        self.axes_label.setWordWrap(True)
        self.model = _ConfusionModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Confusion matrix cells")
        self.table.setToolTip(self.toolTip())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Focus for the keyboard: arrows move between cells, Enter opens one.
        self.table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.table.clicked.connect(self._on_cell_activated)
        self.table.activated.connect(self._on_cell_activated)
        self.table.setShowGrid(True)
        self.table.setGridStyle(Qt.PenStyle.SolidLine)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(22)
            header.setHighlightSections(False)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        # Headers do not elide by default: a long name would be cut at both ends.
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.message_label = message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.caption.setContentsMargins(4, 2, 4, 0)
        self.axes_label.setContentsMargins(4, 0, 4, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.axes_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label, 1)
        self.clear()
        follow_font(self, self._apply_font)

    def _apply_font(self, font: QFont) -> None:
        """A bold caption a little larger than the text, and slightly larger counts, at every UI scale."""
        self.caption.setFont(scaled_font(font, 1.15, bold=True))
        self.table.setFont(scaled_font(font, 1.05))

    def set_confusion(self, matrix: np.ndarray, class_names: Sequence[str] = ()) -> None:
        """Show a (K, K) count matrix (rows = true class); names default to 0..K-1."""
        m = np.asarray(matrix)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"a confusion matrix is (K, K), got shape {m.shape}")
        m = np.rint(np.nan_to_num(m.astype(np.float64))).astype(np.int64)   # a private copy
        k = m.shape[0]
        names = tuple(str(n) for n in class_names)
        if len(names) != k:
            names = tuple(str(i) for i in range(k))
        self.model.set_data(m, names)
        total, correct = int(m.sum()), int(np.trace(m))
        if total:
            self.caption.setText(f"Accuracy {100.0 * correct / total:.1f}%: "
                                 f"{correct:,} of {plural(total, 'image')} on the diagonal")
        else:
            self.caption.setText("No images counted")
        for widget in (self.caption, self.axes_label, self.table):
            widget.setVisible(True)
        self.message_label.setVisible(False)

    def clear(self, message: str = "The confusion matrix appears when training has finished.") -> None:
        """Show ``message`` instead of the matrix."""
        self.model.set_data(np.zeros((0, 0), dtype=np.int64), ())
        self.message_label.setText(message)
        for widget in (self.caption, self.axes_label, self.table):
            widget.setVisible(False)
        self.message_label.setVisible(True)

    def _on_cell_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.cell_clicked.emit(index.row(), index.column())

    def accuracy(self) -> float | None:
        """Fraction on the diagonal, None when empty."""
        total = int(self.model.matrix.sum())
        return int(np.trace(self.model.matrix)) / total if total else None

    def cell_tooltip(self, true_class: int, predicted_class: int) -> str:
        """The tooltip of one cell."""
        return self.model.data(self.model.index(true_class, predicted_class), Qt.ItemDataRole.ToolTipRole)

    def cell_count(self) -> int:
        """The number of cells shown (K × K; 0 when empty)."""
        return self.model.rowCount() * self.model.columnCount()
