"""The kernel editor's table model: one kernel's weights as Qt table data.

Cells show the weights tinted by sign (bold in the centre cell); editing a
cell parses the text (fractions such as 1/9 too) and reports the number,
or the reason it was refused.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from explorer.core.lab.kernels import centre_index
from explorer.core.numbers import FLOAT32_MAX, exact_text, format_value, parse_value
from explorer.ui.kernel_lab.kernel_colours import colour_scale, diverging_colour, text_colour

__all__ = ["KernelModel"]


class KernelModel(QAbstractTableModel):
    """Table model of one kernel; edits are reported, never applied here.

    The editor turns a reported edit into an undoable bank change, which
    comes back through `set_kernel`; a refused edit leaves the data as it was,
    so the view shows the previous value again.

    Signals
    -------
    cell_edited(int row, int column, float value)
        A cell was committed with a finite number.
    cell_refused(str message)
        A cell was committed with text that is no such number; the message says why.
    """

    cell_edited = Signal(int, int, float)
    cell_refused = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._kernel = np.zeros((1, 1), np.float32)
        self._scale = 0.0
        self.decimals = 3
        self.show_text = True

    def kernel(self) -> np.ndarray:
        """Return the kernel shown (read-only)."""
        return self._kernel

    def set_kernel(self, kernel: np.ndarray) -> None:
        """Show `kernel`: a reset when its shape changes, else a repaint of every cell."""
        if kernel.shape != self._kernel.shape:
            self.beginResetModel()
            self._kernel = kernel
            self._scale = colour_scale(kernel)
            self.endResetModel()
        else:
            self._kernel = kernel
            self._scale = colour_scale(kernel)
            self._repaint()

    def set_text_format(self, decimals: int, show_text: bool) -> None:
        """Digits after the point, or no text at all when cells are too small for any."""
        if (decimals, show_text) != (self.decimals, self.show_text):
            self.decimals, self.show_text = decimals, show_text
            self._repaint()

    def _repaint(self) -> None:
        h, w = self._kernel.shape
        self.dataChanged.emit(self.index(0, 0), self.index(h - 1, w - 1))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self._kernel.shape[0]

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._kernel.shape[1]

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        value = float(self._kernel[r, c])
        if role == Qt.ItemDataRole.DisplayRole:
            # Tint only beats a grid of "…"; the tooltip still has the value.
            return format_value(value, self.decimals) if self.show_text else ""
        if role == Qt.ItemDataRole.EditRole:
            # The full value, so committing an untouched cell changes nothing.
            return exact_text(value)
        if role == Qt.ItemDataRole.BackgroundRole:
            return diverging_colour(value, self._scale)
        if role == Qt.ItemDataRole.ForegroundRole:
            return text_colour(diverging_colour(value, self._scale))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole and self._is_centre(r, c):
            font = QFont()
            font.setBold(True)
            return font
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            where = " (centre)" if self._is_centre(r, c) else ""
            return f"Row {r + 1}, column {c + 1}{where}: {exact_text(value)}"
        return None

    def _is_centre(self, r: int, c: int) -> bool:
        h, w = self._kernel.shape
        return r == centre_index(h) and c == centre_index(w)

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        try:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                number = float(value)
                if not math.isfinite(number) or abs(number) > FLOAT32_MAX:
                    raise ValueError(f"“{value}” is not a finite number; the kernel is unchanged")
            else:
                number = parse_value("" if value is None else str(value))
        except ValueError as exc:
            self.cell_refused.emit(str(exc))
            # The delegate may already show the rejected text; repaint the old value.
            self.dataChanged.emit(index, index)
            return False
        self.cell_edited.emit(index.row(), index.column(), number)
        return True
