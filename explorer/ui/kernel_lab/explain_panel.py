"""Show the worked arithmetic of one feature-map pixel.

Three small grids, input patch × kernel = products, followed by the sum, the
bias, the activation and the pooling step: what CNN Explainer shows for one
neuron, here for any pixel of a real image.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core.lab.explain import ConvStep, PoolStep
from explorer.core.numbers import format_number
from explorer.ui.kernel_lab.kernel_colours import diverging_colour
from explorer.ui.widgets.appearance import signals as appearance_signals
from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.text_style import follow_font, scaled_font

LIGHT = 0.55  # tint strength: the numbers on the cells must stay readable
MAX_CELLS_SHOWN = 7  # beyond 7×7 three grids no longer fit side by side; totals still shown
GRID_TEXT_SCALE = 0.85  # the grids' numbers relative to the panel's text: three grids must fit side by side

HINT = "Hover over a feature map to see how one of its pixels is computed; click to pin it."


class _Grid(QTableWidget):
    """A compact read-only table of numbers, tinted by sign.

    A display, not a control: no focus and no selection (the arithmetic
    below it says the same in text, which the keyboard can reach).
    """

    def __init__(self, name: str, text: str) -> None:
        super().__init__()
        describe(self, name, text)
        self.setEditTriggers(QTableWidget.NoEditTriggers)
        self.setSelectionMode(QTableWidget.NoSelection)
        self.setFocusPolicy(Qt.NoFocus)
        self.horizontalHeader().setVisible(False)
        self.verticalHeader().setVisible(False)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeToContents)
            header.setMinimumSectionSize(16)

    def show_values(self, values: np.ndarray, decimals: int = 3) -> None:
        rows, cols = values.shape
        self.setRowCount(rows)
        self.setColumnCount(cols)
        peak = float(np.abs(values).max()) or 1.0
        for r in range(rows):
            for c in range(cols):
                value = float(values[r, c])
                item = QTableWidgetItem(format_number(round(value, decimals)))
                item.setToolTip(format_number(value))
                item.setTextAlignment(Qt.AlignCenter)
                item.setBackground(diverging_colour(LIGHT * value, peak))  # the kernel editor's colours, lighter
                item.setForeground(QColor("#202020"))
                self.setItem(r, c, item)
        self.setFixedSize(self.horizontalHeader().length() + 4, self.verticalHeader().length() + 4)


class ExplainPanel(QWidget):
    """Patch × kernel = products, and the arithmetic after them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step: ConvStep | None = None
        self._pool: PoolStep | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(HINT)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self._grids = QWidget()  # hidden while there is nothing to explain
        self._grid_layout = QGridLayout(self._grids)
        self._grid_layout.setContentsMargins(0, 0, 0, 0)
        self.patch = _Grid("Input patch", tip("input_patch"))
        self.kernel = _Grid("Kernel", tip("patch_kernel"))
        self.products = _Grid("Products", tip("products"))
        self._cells = [(QLabel(caption), grid) for caption, grid in
                       (("input patch", self.patch), ("kernel", self.kernel), ("products", self.products))]
        self._signs = [QLabel("×"), QLabel("=")]
        self._arrange(wide=False)
        layout.addWidget(self._grids)
        channel_row = QHBoxLayout()
        self.channel = QSpinBox()
        self.channel.setPrefix("channel ")
        describe(self.channel, "Input channel shown", tip("input_channel"))
        self.channel.valueChanged.connect(self._show_grids)
        channel_row.addWidget(self.channel)
        channel_row.addStretch(1)
        layout.addLayout(channel_row)
        self.arithmetic = QLabel()
        self.arithmetic.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.arithmetic.setWordWrap(True)
        describe(self.arithmetic, "Worked arithmetic", tip("worked_arithmetic"))
        layout.addWidget(self.arithmetic)
        layout.addStretch(1)
        self.clear()
        follow_font(self, self._apply_font)
        # A bound method, not a lambda: Qt drops the connection when the panel is deleted.
        appearance_signals.colour_scheme_changed.connect(self._on_colour_scheme_changed)

    def _on_colour_scheme_changed(self, _name: str) -> None:
        self._show_grids()  # the grids are tinted with the scheme's colours

    def _apply_font(self, font: QFont) -> None:
        """The grids' numbers are a little smaller than the text, at every UI scale."""
        small = scaled_font(font, GRID_TEXT_SCALE)
        for grid in (self.patch, self.kernel, self.products):
            grid.setFont(small)
        self._show_grids()  # re-fit the cells to the new text

    def _arrange(self, wide: bool) -> None:
        """patch × kernel = products in one row, or with the products below for wide kernels."""
        grid = self._grid_layout
        for column, (caption, table) in enumerate(self._cells):
            row, col = (2, 0) if wide and column == 2 else (0, 2 * column)
            grid.addWidget(caption, row, col)
            grid.addWidget(table, row + 1, col, Qt.AlignTop)
        grid.addWidget(self._signs[0], 1, 1, Qt.AlignCenter)
        equals_at = (3, 1) if wide else (1, 3)  # wide: "=" moves down beside the products
        grid.addWidget(self._signs[1], *equals_at, Qt.AlignCenter)
        grid.setColumnStretch(6, 1)

    def clear(self, text: str = HINT) -> None:
        """Show a hint instead of an explanation."""
        self._step = self._pool = None
        self.title.setText(text)
        for grid in (self.patch, self.kernel, self.products):
            grid.setRowCount(0)
            grid.setColumnCount(0)
        self._grids.setVisible(False)
        self.channel.setVisible(False)
        self.arithmetic.setText("")

    def show_step(self, step: ConvStep, pool: PoolStep | None = None, label: str = "") -> None:
        """Explain conv pixel `step` (and the pooling step that used it, if any)."""
        self._step, self._pool = step, pool
        where = f"{label}, " if label else ""
        self.title.setText(f"<b>{where}pixel ({step.y}, {step.x}) = {format_number(step.value)}</b>")
        self.channel.blockSignals(True)
        self.channel.setVisible(step.patch.ndim == 3)
        if step.patch.ndim == 3:
            self.channel.setRange(1, step.patch.shape[2])
            self.channel.setSuffix(f" of {step.patch.shape[2]}")
        self.channel.blockSignals(False)
        self._show_grids()
        lines = step.text().splitlines()
        if pool is not None:
            lines.append(pool.text())
        self.arithmetic.setText("\n".join(lines))

    def _show_grids(self) -> None:
        step = self._step
        if step is None:
            return
        patch, products = step.patch, step.products
        if patch.ndim == 3:
            patch, products = patch[:, :, self.channel.value() - 1], products[:, :, self.channel.value() - 1]
        small = max(step.kernel.shape) <= MAX_CELLS_SHOWN
        self._grids.setVisible(small)
        if small:
            wide = step.kernel.shape[1] > 5
            self._arrange(wide)
            for grid, values in ((self.patch, patch), (self.kernel, step.kernel), (self.products, products)):
                grid.show_values(values, decimals=2 if wide else 3)
