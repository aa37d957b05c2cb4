"""The kernel lab's kernel editor: one kernel as an editable grid, plus the filter bank.

The editor owns an immutable :class:`~explorer.core.lab.pipeline.KernelBank`. Every
effective edit builds a new bank, pushes one step on a ``QUndoStack`` and
emits ``bank_changed`` synchronously (the kernel lab throttles). Edits that
would change nothing (flipping a symmetric kernel, typing the value a cell
already has) push no step and emit nothing.

Conventions a learner can rely on:

- Resizing keeps values centred (see :func:`explorer.core.lab.kernels.resize_centred`):
  a 3x3 -> 4x4 -> 3x3 or 3x3 -> 5x5 -> 3x3 round trip loses nothing.
- Rotate turns the kernel 90° anticlockwise, exactly ``np.rot90(k)``.
- A preset of another size: with one kernel the bank takes the preset's size;
  with several kernels the bank grows to fit both (every kernel is padded with
  zeros, never cropped), because zero padding around a centred kernel does not
  change what it computes, while cropping would silently lose values.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Signal, Slot
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.core.lab import kernels
from explorer.core.lab.kernels import MAX_KERNELS, centre_index, resize_centred
from explorer.core.lab.pipeline import KernelBank
from explorer.core.numbers import format_value
from explorer.ui.kernel_lab.bank_list import BankList, bank_summary
from explorer.ui.kernel_lab.edit_history import EditHistory
from explorer.ui.kernel_lab.editor_controls import (
    BIAS_RANGE,
    bank_label,
    bias_spin,
    message_label,
    preset_button,
    preset_menu,
    size_spin,
    tool_action,
    tool_button,
)
from explorer.ui.kernel_lab.kernel_colours import WARNING_COLOUR
from explorer.ui.kernel_lab.kernel_grid import KernelGrid
from explorer.ui.kernel_lab.kernel_model import KernelModel
from explorer.ui.widgets.text_style import follow_font, set_colours

__all__ = ["BIAS_RANGE", "MAX_KERNELS", "START_PRESET", "KernelEditor"]

#: The kernel a new editor starts with.
START_PRESET = "sharpen"


class KernelEditor(QWidget):
    """Edit a filter bank: kernels of one size (1x1 to 15x15) with a bias each.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent.
    seed : int, optional
        Seed of the random-kernel generator (tests and reproducible demos).

    Signals
    -------
    bank_changed(object)
        A new :class:`~explorer.core.lab.pipeline.KernelBank` after every effective
        edit, undo and redo (not after a mere change of selection).
    kernel_selected(int)
        The index of the kernel shown in the grid, whenever it changes (a
        click in the bank, an added or removed kernel, undo and redo); after
        ``bank_changed`` when both change.
    """

    bank_changed = Signal(object)
    kernel_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, seed: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelEditor")
        self.setAccessibleName("Kernel editor")
        self._rng = np.random.default_rng(seed)
        self._bank = KernelBank.of([kernels.get(START_PRESET)])
        self._index = 0
        self._updating = False
        self._build()
        self._show(self._bank, 0, emit=False)
        self._say(f"{START_PRESET}: {kernels.DESCRIPTIONS[START_PRESET]}", warning=False)

    def sizeHint(self) -> QSize:
        return QSize(420, 520)

    # ------------------------------------------------------------- public API
    def bank(self) -> KernelBank:
        """Return the current (immutable) filter bank."""
        return self._bank

    def set_bank(self, bank: KernelBank) -> None:
        """Replace the whole bank, as one undoable step (emits if it differs).

        Raises
        ------
        TypeError
            If `bank` is not a KernelBank.
        """
        if not isinstance(bank, KernelBank):
            raise TypeError(f"set_bank needs a KernelBank, got {type(bank).__name__}")
        low, high = BIAS_RANGE
        if any(not low <= b <= high for b in bank.biases):  # the bias box could not show it truthfully
            bank = KernelBank.of(bank.kernels, [min(max(b, low), high) for b in bank.biases])
        self._commit(bank, min(self._index, len(bank) - 1), "Replace the filter bank")

    def select_kernel(self, index: int) -> None:
        """Show kernel `index` in the grid (no undo step; emits kernel_selected, not bank_changed).

        Raises
        ------
        IndexError
            If there is no such kernel.
        """
        if not 0 <= index < len(self._bank):
            raise IndexError(f"kernel index {index} out of range for a bank of {len(self._bank)}")
        if index != self._index:
            self._show(self._bank, index, emit=False)

    def current_index(self) -> int:
        """Return the index of the kernel shown in the grid."""
        return self._index

    def current_kernel(self) -> np.ndarray:
        """Return the (read-only) kernel shown in the grid."""
        return self._bank.kernels[self._index]

    def message(self) -> str:
        """Return the text of the status label under the grid."""
        return self.status_label.text()

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        self.preset_menu, self.preset_actions = preset_menu(self, self.apply_preset)
        self.preset_button = preset_button(self.preset_menu)
        self._build_spins()
        self._build_tools()
        self._build_grid()
        self._build_bank()
        self._lay_out()
        follow_font(self, self._apply_font)

    def _build_spins(self) -> None:
        self.height_spin = size_spin("Kernel height", "height")
        self.width_spin = size_spin("Kernel width", "width")
        self.height_spin.valueChanged.connect(self._on_size_changed)
        self.width_spin.valueChanged.connect(self._on_size_changed)
        self.bias_spin = bias_spin()
        self.bias_spin.valueChanged.connect(self._on_bias_changed)

    def _build_tools(self) -> None:
        self.normalise_action = tool_action(self, "normalise", self.normalise)
        self.random_action = tool_action(self, "random", self.randomise)
        self.flip_h_action = tool_action(self, "flip_h", self.flip_horizontal)
        self.flip_v_action = tool_action(self, "flip_v", self.flip_vertical)
        self.rotate_action = tool_action(self, "rotate", self.rotate)
        self.clear_action = tool_action(self, "clear", self.clear)
        self.history = EditHistory(self)
        self.history.stepped.connect(self._on_history_stepped)
        self.undo_stack = self.history.stack
        self.undo_action, self.redo_action = self.history.undo_action, self.history.redo_action

    def _build_grid(self) -> None:
        self.model = KernelModel(self)
        self.model.cell_edited.connect(self._on_cell_edited)
        self.model.cell_refused.connect(self._on_cell_refused)
        self.grid = KernelGrid()
        self.grid.setModel(self.model)
        self.grid.zero_cells_action.triggered.connect(self.zero_selected_cells)
        self.status_label = message_label()

    def _build_bank(self) -> None:
        self.bank_label = bank_label()
        self.bank_list = BankList()
        self.bank_list.currentRowChanged.connect(self._on_current_row_changed)
        self.add_kernel_action = tool_action(self, "add_kernel", self.add_kernel)
        self.duplicate_kernel_action = tool_action(self, "duplicate_kernel", self.duplicate_kernel)
        self.remove_kernel_action = tool_action(self, "remove_kernel", self.remove_kernel)

    def _lay_out(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        column.addLayout(self._top_row())
        column.addLayout(self._tool_rows())
        column.addWidget(self.grid, 1)
        column.addWidget(self.status_label)
        column.addWidget(self.bank_label)
        column.addLayout(self._bank_row())
        # Reading order: top row, the two tool rows, grid, then the bank.
        order = [self.preset_button, self.height_spin, self.width_spin, self.bias_spin, *self._tool_buttons,
                 self.grid, self.bank_list, self.add_button, self.duplicate_button, self.remove_button]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)

    def _top_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        size_label, bias_label = QLabel("Size"), QLabel("Bias")
        size_label.setBuddy(self.height_spin)
        bias_label.setBuddy(self.bias_spin)
        row.addWidget(self.preset_button)
        row.addStretch(1)
        for widget in (size_label, self.height_spin, QLabel("×"), self.width_spin):
            row.addWidget(widget)
        row.addSpacing(12)
        row.addWidget(bias_label)
        row.addWidget(self.bias_spin)
        return row

    def _tool_rows(self) -> QGridLayout:
        self.normalise_button = tool_button(self.normalise_action, "Normalise kernel")
        self.random_button = tool_button(self.random_action, "Random kernel")
        self.flip_h_button = tool_button(self.flip_h_action, "Flip left-right")
        self.flip_v_button = tool_button(self.flip_v_action, "Flip top-bottom")
        self.rotate_button = tool_button(self.rotate_action, "Rotate 90 degrees anticlockwise")
        self.clear_button = tool_button(self.clear_action, "Clear kernel")
        self.undo_button = tool_button(self.undo_action, "Undo")
        self.redo_button = tool_button(self.redo_action, "Redo")
        rows = QGridLayout()
        rows.setHorizontalSpacing(4)
        rows.setVerticalSpacing(4)
        row1 = (self.normalise_button, self.random_button, self.clear_button, self.undo_button)
        row2 = (self.flip_h_button, self.flip_v_button, self.rotate_button, self.redo_button)
        for col, (a, b) in enumerate(zip(row1, row2)):
            rows.addWidget(a, 0, col)
            rows.addWidget(b, 1, col)
        self._tool_buttons = (*row1, *row2)
        return rows

    def _bank_row(self) -> QHBoxLayout:
        self.add_button = tool_button(self.add_kernel_action, "Add kernel")
        self.duplicate_button = tool_button(self.duplicate_kernel_action, "Duplicate kernel")
        self.remove_button = tool_button(self.remove_kernel_action, "Remove kernel")
        buttons = QVBoxLayout()
        buttons.setSpacing(2)
        for button in (self.add_button, self.duplicate_button, self.remove_button):
            buttons.addWidget(button)
        row = QHBoxLayout()
        row.addWidget(self.bank_list, 1)
        row.addLayout(buttons)
        return row

    def _apply_font(self, font: QFont) -> None:
        """Size what depends on the text size (the UI scale): cells, the message area, the bank's items."""
        self.grid.set_text_size(QFontInfo(font).pixelSize())
        self.status_label.setMinimumHeight(QFontMetrics(font).lineSpacing() * 2)
        self.bank_list.fit_to_font(font)

    # ------------------------------------------------------------- state
    def _show(self, bank: KernelBank, index: int, *, emit: bool = True) -> None:
        """Make (bank, index) the current state and refresh every view of it."""
        selection_moved = index != self._index
        self._bank, self._index = bank, index
        self._updating = True
        try:
            self.model.set_kernel(bank.kernels[index])
            self.grid.fit_cells()  # new values may need fewer decimals or a smaller font
            h, w = bank.size
            self.height_spin.setValue(h)
            self.width_spin.setValue(w)
            self.bias_spin.setValue(bank.biases[index])
            text, tip = bank_summary(bank)
            self.bank_label.setText(text)
            self.bank_label.setToolTip(tip)
            self.bank_list.show_bank(bank, index)
            self.remove_kernel_action.setEnabled(len(bank) > 1)
            self.add_kernel_action.setEnabled(len(bank) < MAX_KERNELS)
            self.duplicate_kernel_action.setEnabled(len(bank) < MAX_KERNELS)
        finally:
            self._updating = False
        if emit:
            self.bank_changed.emit(bank)
        if selection_moved:
            self.kernel_selected.emit(index)

    def _say(self, text: str, *, warning: bool = True) -> None:
        set_colours(self.status_label, WARNING_COLOUR if warning else None)
        self.status_label.setText(text)

    def _commit(self, bank: KernelBank, index: int, text: str, message: str = "") -> bool:
        """Push one undo step that shows `bank`; False (and nothing pushed) if nothing changes."""
        if bank == self._bank:
            if index != self._index:
                self.select_kernel(index)
            return False
        self.history.push(self._show, (self._bank, self._index), (bank, index), text)
        self._say(message, warning=False)
        return True

    def _commit_kernels(self, new_kernels, text: str, message: str = "", *, biases=None, index=None) -> bool:
        try:
            bank = KernelBank.of(new_kernels, self._bank.biases if biases is None else biases)
        except ValueError as exc:
            self._say(f"{exc}; the kernel is unchanged")
            return False
        return self._commit(bank, self._index if index is None else index, text, message)

    def _replace_current(self, kernel: np.ndarray, text: str, message: str = "", unchanged: str = "") -> bool:
        new = list(self._bank.kernels)
        new[self._index] = kernel
        changed = self._commit_kernels(new, text, message)
        if not changed and unchanged:
            self._say(unchanged, warning=False)
        return changed

    # ------------------------------------------------------------- edits
    def apply_preset(self, name: str) -> None:
        """Replace the selected kernel by preset `name` (see the module notes on sizes)."""
        preset = kernels.get(name)
        description = f"{name}: {kernels.DESCRIPTIONS[name]}"
        if len(self._bank) == 1:
            self._commit_kernels([preset], f"Preset {name}", description)
            return
        shape = tuple(max(a, b) for a, b in zip(self._bank.size, preset.shape))
        new = [resize_centred(k, shape) for k in self._bank.kernels]
        new[self._index] = resize_centred(preset, shape)
        if shape != self._bank.size:
            description += f" The bank grew to {shape[0]}×{shape[1]}: the other kernels were padded with zeros."
        self._commit_kernels(new, f"Preset {name}", description)

    def resize_bank(self, height: int, width: int) -> None:
        """Resize every kernel to height x width, keeping values centred."""
        if self._bank.size == (height, width):
            return
        new = [resize_centred(k, (height, width)) for k in self._bank.kernels]
        self._commit_kernels(new, f"Resize to {height}×{width}")

    def normalise(self) -> None:
        """Divide the selected kernel by its sum; refused when the sum is 0."""
        kernel = self.current_kernel()
        total = float(kernel.sum(dtype=np.float64))
        if abs(total) <= 1e-6 * max(1.0, float(np.abs(kernel).sum(dtype=np.float64))):
            self._say("This kernel sums to 0 (like an edge detector), so it cannot be divided by its sum; "
                      "the kernel is unchanged")
            return
        self._replace_current((kernel / np.float32(total)).astype(np.float32), "Normalise",
                              f"Divided by the sum {format_value(total)}: the weights now add up to 1.",
                              "The weights already add up to 1.")

    def randomise(self) -> None:
        """Fill the selected kernel with standard-normal values."""
        values = self._rng.standard_normal(self._bank.size).astype(np.float32)
        self._replace_current(values, "Random", "Random weights, like a Conv2D layer before training.")

    def flip_horizontal(self) -> None:
        """Mirror the selected kernel left–right (``np.fliplr``)."""
        self._replace_current(np.fliplr(self.current_kernel()), "Flip left–right", "",
                              "Flipping left–right leaves this kernel unchanged: it is mirror-symmetric.")

    def flip_vertical(self) -> None:
        """Mirror the selected kernel top–bottom (``np.flipud``)."""
        self._replace_current(np.flipud(self.current_kernel()), "Flip top–bottom", "",
                              "Flipping top–bottom leaves this kernel unchanged: it is mirror-symmetric.")

    def rotate(self) -> None:
        """Turn the selected kernel 90° anticlockwise (``np.rot90``).

        A non-square kernel swaps height and width: allowed when it is the
        only kernel, refused otherwise (all kernels of a bank share one size).
        """
        kernel = self.current_kernel()
        h, w = kernel.shape
        if h != w and len(self._bank) > 1:
            self._say(f"Rotating would make this {h}×{w} kernel {w}×{h}, but all kernels of a bank share one "
                      "size; the kernel is unchanged")
            return
        self._replace_current(np.rot90(kernel), "Rotate 90°", "",
                              "Rotating leaves this kernel unchanged: it is rotation-symmetric.")

    def clear(self) -> None:
        """Set every weight of the selected kernel to 0."""
        self._replace_current(np.zeros(self._bank.size, np.float32), "Clear", "",
                              "The kernel is already all zeros.")

    def zero_selected_cells(self) -> None:
        """Set the grid's selected cells to 0 (one undo step)."""
        cells = [(i.row(), i.column()) for i in self.grid.selectionModel().selectedIndexes()]
        if not cells:
            return
        kernel = self.current_kernel().copy()
        for r, c in cells:
            kernel[r, c] = 0
        self._replace_current(kernel, f"Zero {len(cells)} cell{'s' if len(cells) != 1 else ''}")

    def add_kernel(self) -> None:
        """Append an identity kernel (1 in the centre cell) and select it."""
        if len(self._bank) >= MAX_KERNELS:
            self._say(f"A bank holds at most {MAX_KERNELS} kernels")
            return
        h, w = self._bank.size
        identity = np.zeros((h, w), np.float32)
        identity[centre_index(h), centre_index(w)] = 1
        self._commit_kernels([*self._bank.kernels, identity], "Add kernel",
                             f"Added kernel {len(self._bank) + 1} (identity): one more feature map.",
                             biases=[*self._bank.biases, 0.0], index=len(self._bank))

    def duplicate_kernel(self) -> None:
        """Insert a copy of the selected kernel (and its bias) after it, and select the copy."""
        if len(self._bank) >= MAX_KERNELS:
            self._say(f"A bank holds at most {MAX_KERNELS} kernels")
            return
        i = self._index
        new = [*self._bank.kernels[: i + 1], self._bank.kernels[i], *self._bank.kernels[i + 1 :]]
        biases = [*self._bank.biases[: i + 1], self._bank.biases[i], *self._bank.biases[i + 1 :]]
        self._commit_kernels(new, "Duplicate kernel", f"Kernel {i + 2} is a copy of kernel {i + 1}.",
                             biases=biases, index=i + 1)

    def remove_kernel(self) -> None:
        """Remove the selected kernel; refused for the last one."""
        if len(self._bank) <= 1:
            self._say("A filter bank needs at least one kernel; nothing was removed")
            return
        i = self._index
        new = [k for j, k in enumerate(self._bank.kernels) if j != i]
        biases = [b for j, b in enumerate(self._bank.biases) if j != i]
        self._commit_kernels(new, "Remove kernel", f"Removed kernel {i + 1}.", biases=biases,
                             index=min(i, len(new) - 1))

    def set_bias(self, value: float) -> None:
        """Set the selected kernel's bias (one undo step)."""
        biases = list(self._bank.biases)
        biases[self._index] = float(value)
        self._commit_kernels(list(self._bank.kernels), "Change bias", biases=biases)

    # ------------------------------------------------------------- slots
    @Slot(int, int, float)
    def _on_cell_edited(self, row: int, column: int, value: float) -> None:
        kernel = self.current_kernel().copy()
        kernel[row, column] = value
        self._replace_current(kernel, f"Set row {row + 1}, column {column + 1} to {format_value(value)}")

    @Slot(str)
    def _on_cell_refused(self, message: str) -> None:
        self._say(message)

    @Slot(int)
    def _on_size_changed(self, _value: int) -> None:
        if not self._updating:
            self.resize_bank(self.height_spin.value(), self.width_spin.value())

    @Slot(float)
    def _on_bias_changed(self, value: float) -> None:
        if not self._updating and value != self._bank.biases[self._index]:
            self.set_bias(value)

    @Slot(int)
    def _on_current_row_changed(self, row: int) -> None:
        if not self._updating and 0 <= row < len(self._bank):
            self.select_kernel(row)

    @Slot(str)
    def _on_history_stepped(self, message: str) -> None:
        self._say(message, warning=False)
