"""The kernel editor's filter bank: one thumbnail per kernel, the selected one highlighted."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem

from explorer.core.lab.kernels import MAX_KERNELS, preset_name
from explorer.core.lab.pipeline import KernelBank
from explorer.core.numbers import format_value
from explorer.ui.kernel_lab.kernel_colours import kernel_pixmap
from explorer.ui.widgets.appearance import signals as appearance_signals

__all__ = ["BANK_ICON_PX", "BankList", "bank_summary"]

BANK_ICON_PX = 32  # the kernel pictures in the bank list


def bank_summary(bank: KernelBank) -> tuple[str, str]:
    """The line above the bank list and its tooltip: the bank as the Conv2D layer it stands for."""
    h, w = bank.size
    n = len(bank)
    size = str(h) if h == w else f"({h}, {w})"
    kernels = f"{n} kernel{'s' if n != 1 else ''}"
    return (f"Filter bank: {kernels} · Conv2D(filters={n}, kernel_size={size})",
            f"{kernels} of {h}×{w}: a Conv2D layer with filters={n} learns exactly such a bank, "
            "one feature map per kernel")


class BankList(QListWidget):
    """The kernels of a bank as a row of thumbnails; the current row is the selected kernel."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._thumbnails: list[tuple[np.ndarray, float]] = []  # what the items show
        self.setAccessibleName("Filter bank")
        self.setToolTip("The kernels of the bank, one feature map each, like Conv2D(filters=N); "
                        "select one to edit it")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(BANK_ICON_PX, BANK_ICON_PX))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        appearance_signals.colour_scheme_changed.connect(self._on_colour_scheme_changed)

    def show_bank(self, bank: KernelBank, index: int) -> None:
        """Show one thumbnail per kernel of `bank` and make kernel `index` the current row."""
        h, w = bank.size
        # Update only the thumbnails that changed: a bank may hold dozens of kernels.
        while self.count() > len(bank):
            self.takeItem(self.count() - 1)
            self._thumbnails.pop()
        for i, (kernel, bias) in enumerate(zip(bank.kernels, bank.biases)):
            if i < len(self._thumbnails):
                old_kernel, old_bias = self._thumbnails[i]
                if old_bias == bias and old_kernel.shape == kernel.shape and np.array_equal(old_kernel, kernel):
                    continue
                item = self.item(i)
                self._thumbnails[i] = (kernel, bias)
            else:
                item = QListWidgetItem(f"kernel {i + 1}")
                self.addItem(item)
                self._thumbnails.append((kernel, bias))
            preset = preset_name(kernel)
            tip = f"kernel {i + 1}: {h}×{w}" + (f", {preset}" if preset else "") + f", bias {format_value(bias)}"
            item.setIcon(QIcon(kernel_pixmap(kernel, BANK_ICON_PX)))
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, tip)
        if self.currentRow() != index:
            self.setCurrentRow(index)
            self.scrollToItem(self.item(index))

    def fit_to_font(self, font: QFont) -> None:
        """Size the items to the text size (the UI scale): the widest caption must fit under its picture."""
        metrics = QFontMetrics(font)
        item_w = max(68, metrics.horizontalAdvance(f"kernel {MAX_KERNELS}") + 12)
        item_h = BANK_ICON_PX + metrics.lineSpacing() + 8
        self.setGridSize(QSize(item_w, item_h))
        scroll = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(item_h + scroll + 2 * self.frameWidth() + 2)

    def _on_colour_scheme_changed(self, _name: str) -> None:
        # Repaint the thumbnails in place: clearing the list would move its current row.
        for i, (kernel, _bias) in enumerate(self._thumbnails):
            self.item(i).setIcon(QIcon(kernel_pixmap(kernel, BANK_ICON_PX)))
