"""The layer table of a transfer: every base layer, where the cut is, which layers train, the new head.

One row per layer (``transfer.PlanRow``s of the plan, and of the base's layers after the cut): name, kind, output shape,
parameters, and a "Frozen" check box for each kept layer that has weights.
Layers after the cut are greyed (they are dropped); the new head's rows are
marked "new". Double-clicking a base layer moves the cut there. The table only
shows a plan and reports the user's edits; the panel re-plans.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from explorer.ui.widgets.help_text import describe

__all__ = ["COLUMNS", "TransferTable"]

COLUMNS = ("Layer", "Kind", "Output shape", "Params", "Frozen")
FROZEN = COLUMNS.index("Frozen")
TIP = ("The base's layers: those after the cut (greyed) are dropped, the new head (\u201cnew\u201d) is added for "
       "the new classes. Tick Frozen to keep a layer's weights as they are; double-click a layer to cut after it.")


class TransferTable(QTableWidget):
    """Show a TransferPlan's rows. Signals: frozen_changed(tuple of names), cut_requested(name)."""

    frozen_changed = Signal(tuple)
    cut_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        describe(self, "Transfer layers", TIP)
        self._rows: tuple = ()
        self._filling = False
        self.itemChanged.connect(self._on_item_changed)
        self.cellDoubleClicked.connect(self._on_double_clicked)

    def show_rows(self, rows) -> None:
        """Fill the table with `rows` (``transfer.PlanRow``s: kept, dropped, new), or empty it for ()."""
        self._filling = True
        try:
            rows = tuple(rows)
            self._rows = rows
            self.setRowCount(len(rows))
            for index, row in enumerate(rows):
                self._fill(index, row)
        finally:
            self._filling = False

    def _fill(self, index: int, row) -> None:
        shape = "×".join("?" if d is None else str(d) for d in row.output_shape) if row.output_shape else ""
        name = f"{row.name}  (new)" if row.new else row.name
        texts = (name, row.kind, shape, f"{row.params:,}")
        dropped = not row.kept and not row.new
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if column == 3:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if dropped:
                item.setForeground(QBrush(grey))
                item.setToolTip("After the cut: this layer is dropped.")
            if row.new:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
                item.setToolTip("New: added for the new classes, with fresh weights; it always trains.")
            self.setItem(index, column, item)
        self.setItem(index, FROZEN, self._frozen_item(row))

    def _frozen_item(self, row) -> QTableWidgetItem:
        item = QTableWidgetItem()
        if row.kept and not row.new and row.params:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Unchecked if row.trainable else Qt.CheckState.Checked)
            item.setToolTip("Frozen: its weights stay as the base learned them." if not row.trainable
                            else "Trainable: its weights change with the new data.")
        else:
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)  # nothing to freeze
        return item

    def frozen_names(self) -> tuple[str, ...]:
        """The names of the rows whose Frozen box is ticked, in table order."""
        names = []
        for index, row in enumerate(self._rows):
            item = self.item(index, FROZEN)
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable \
                    and item.checkState() == Qt.CheckState.Checked:
                names.append(row.name)
        return tuple(names)

    def row_of(self, name: str) -> int:
        """The row index of the layer `name` (-1 if absent)."""
        return next((i for i, row in enumerate(self._rows) if row.name == name and not row.new), -1)

    def set_frozen(self, name: str, frozen: bool) -> None:
        """Tick or clear a layer's Frozen box as a user would (emits frozen_changed)."""
        item = self.item(self.row_of(name), FROZEN)
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            raise ValueError(f"the layer {name!r} cannot be frozen here")
        item.setCheckState(Qt.CheckState.Checked if frozen else Qt.CheckState.Unchecked)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if not self._filling and item.column() == FROZEN:
            self.frozen_changed.emit(self.frozen_names())

    def _on_double_clicked(self, index: int, _column: int) -> None:
        if 0 <= index < len(self._rows) and not self._rows[index].new:
            self.cut_requested.emit(self._rows[index].name)
