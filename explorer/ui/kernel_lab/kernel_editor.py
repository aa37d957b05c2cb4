"""The kernel lab's kernel editor: one kernel as an editable grid, plus the filter bank.

The editor owns an immutable :class:`~explorer.core.lab.pipeline.KernelBank`. Every
effective edit builds a new bank, pushes one step on a ``QUndoStack`` and
emits ``bank_changed`` synchronously (the kernel lab throttles). Edits that
would change nothing (flipping a symmetric kernel, typing the value a cell
already has) push no step and emit nothing.

Conventions a learner can rely on:

- Resizing keeps values centred. The centre of a side of length ``n`` is
  index ``(n - 1) // 2``, the cell TensorFlow's "same" padding lines up with
  the output pixel, so even sizes pad/crop at the bottom/right first and a
  3x3 -> 4x4 -> 3x3 or 3x3 -> 5x5 -> 3x3 round trip loses nothing.
- Rotate turns the kernel 90° anticlockwise, exactly ``np.rot90(k)``.
- A preset of another size: with one kernel the bank takes the preset's size;
  with several kernels the bank grows to fit both (every kernel is padded with
  zeros, never cropped), because zero padding around a centred kernel does not
  change what it computes, while cropping would silently lose values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontInfo,
    QFontMetrics,
    QIcon,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.lab import kernels
from explorer.core.lab.kernels import MAX_KERNEL_SIZE
from explorer.core.lab.pipeline import KernelBank
from explorer.core.numbers import FLOAT32_MAX, exact_text, format_value, parse_value
from explorer.ui.widgets.appearance import colour_scheme
from explorer.ui.widgets.appearance import signals as appearance_signals
from explorer.ui.widgets.text_style import follow_font, set_colours

__all__ = [
    "BIAS_RANGE",
    "MAX_KERNELS",
    "KernelEditor",
    "diverging_colour",
    "kernel_pixmap",
    "resize_centred",
]

#: Most kernels a bank may hold; 64 filters is already more than one screen of maps.
MAX_KERNELS = 64
#: Range of the bias spin box.
BIAS_RANGE = (-100.0, 100.0)
START_PRESET = "sharpen"
BANK_ICON_PX = 32  # the kernel pictures in the bank list


_WARNING_COLOUR = QColor(178, 24, 43)  # warnings in a dark red, readable in both themes


# ----------------------------------------------------------------- pure helpers
def centre_index(n: int) -> int:
    """The centre cell of a side of length ``n`` (as TensorFlow's "same" padding aligns it)."""
    return (n - 1) // 2


def resize_centred(kernel, shape: tuple[int, int]) -> np.ndarray:
    """Pad with zeros or crop `kernel` to `shape`, keeping its centre cell in the centre.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel.
    shape : (int, int)
        The new height and width.

    Returns
    -------
    numpy.ndarray
        A new float32 array.
    """
    kernel = np.asarray(kernel, dtype=np.float32)
    out = np.zeros(shape, dtype=np.float32)
    (oh, ow), (nh, nw) = kernel.shape, shape
    dy = centre_index(nh) - centre_index(oh)
    dx = centre_index(nw) - centre_index(ow)
    r0, r1 = max(0, -dy), min(oh, nh - dy)
    c0, c1 = max(0, -dx), min(ow, nw - dx)
    if r0 < r1 and c0 < c1:
        out[r0 + dy : r1 + dy, c0 + dx : c1 + dx] = kernel[r0:r1, c0:c1]
    return out


def diverging_colour(value: float, scale: float) -> QColor:
    """The colour scheme's signed colour for `value` (white at zero); `scale` maps to full colour.

    Full colour is taken at 90 % of the scheme's range, not its darkest end,
    so the numbers printed on the cells stay readable.
    """
    t = 0.0 if scale <= 0 else max(-1.0, min(1.0, float(value) / scale))
    if t == 0.0:
        return QColor(255, 255, 255)  # every scheme's centre: zero is unmistakable
    lut = colour_scheme().signed
    index = min(len(lut) - 1, max(0, int(round((len(lut) - 1) / 2 * (1 + 0.8 * t)))))
    return QColor(*(int(v) for v in lut[index]))


def text_colour(background: QColor) -> QColor:
    """Black or white, whichever reads better on `background`."""
    luminance = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QColor(Qt.GlobalColor.black) if luminance > 140 else QColor(Qt.GlobalColor.white)


def _scale(kernel: np.ndarray) -> float:
    return float(np.abs(kernel).max()) if kernel.size else 0.0


def kernel_pixmap(kernel: np.ndarray, size: int = 40) -> QPixmap:
    """A small picture of `kernel`: one tinted square per cell.

    Parameters
    ----------
    kernel : numpy.ndarray
        A 2-D kernel.
    size : int
        Width and height of the pixmap in pixels.
    """
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    h, w = kernel.shape
    cell = max(1, (size - 2) // max(h, w))
    left, top = (size - cell * w) // 2, (size - cell * h) // 2
    scale = _scale(kernel)
    painter = QPainter(pixmap)
    for r in range(h):
        for c in range(w):
            painter.fillRect(left + c * cell, top + r * cell, cell, cell, diverging_colour(kernel[r, c], scale))
    painter.setPen(QPen(QColor(120, 120, 120)))
    painter.drawRect(left, top, cell * w - 1, cell * h - 1)
    painter.end()
    return pixmap


def _same_bank(a: KernelBank, b: KernelBank) -> bool:
    return (
        len(a) == len(b)
        and a.biases == b.biases
        and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a.kernels, b.kernels))
    )


def _preset_name(kernel: np.ndarray) -> str | None:
    for name, preset in kernels.PRESETS.items():
        if preset.shape == kernel.shape and np.array_equal(preset, kernel):
            return name
    return None


# ----------------------------------------------------------------- the grid
class _KernelModel(QAbstractTableModel):
    """Table model of one kernel; edits are reported, never applied here.

    The editor turns a reported edit into an undoable bank change, which
    comes back through `set_kernel`; a refused edit leaves the data as it was,
    so the view shows the previous value again.
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
        return self._kernel

    def set_kernel(self, kernel: np.ndarray) -> None:
        if kernel.shape != self._kernel.shape:
            self.beginResetModel()
            self._kernel = kernel
            self._scale = _scale(kernel)
            self.endResetModel()
        else:
            self._kernel = kernel
            self._scale = _scale(kernel)
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


class _KernelGrid(QTableView):
    """Square cells that fill the space, centred; the font follows the cell size.

    Sizes are in multiples of the editor's text size (``set_text_size``), so
    cells and numbers grow with the UI scale: at the usual 12-pixel text a
    cell is at most 72 pixels and its numbers at most 18.
    """

    _MAX_CELL = 6.0  # in text sizes
    _MAX_TEXT = 1.5  # the numbers at most this many text sizes
    # Readability first: 3 decimals only in a legible font, then 2, then 1 (smallest size, in text sizes).
    _LEVELS = ((3, 13 / 12), (2, 11 / 12), (1, 9 / 12))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.hide()
            header.setMinimumSectionSize(8)
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QTableView.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(150, 150)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Arrow keys move between cells; Tab leaves the grid, so keyboard users are not trapped.
        self.setTabKeyNavigation(False)
        self._text_fits: dict = {}
        self._margins = (-1, -1)
        self._text_px = 12  # the editor's text size in pixels; see set_text_size

    def sizeHint(self) -> QSize:
        return QSize(300, 300)

    def set_text_size(self, pixels: int) -> None:
        """The text size (pixels) the cells and numbers are measured in: the UI scale."""
        if pixels > 0 and pixels != self._text_px:
            self._text_px = pixels
            self.fit_cells()

    def setModel(self, model) -> None:
        super().setModel(model)
        model.modelReset.connect(self.fit_cells)
        self.fit_cells()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_cells()

    @Slot()
    def fit_cells(self) -> None:
        """Size the cells to fill the view as a centred block of squares, then fit the text."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        rows, cols = model.rowCount(), model.columnCount()
        max_cell = round(self._MAX_CELL * self._text_px)
        cell = max(8, min(max_cell, (self.width() - 2) // cols, (self.height() - 2) // rows))
        header_h, header_v = self.horizontalHeader(), self.verticalHeader()
        if header_h.defaultSectionSize() != cell or header_v.defaultSectionSize() != cell:
            header_h.setDefaultSectionSize(cell)
            header_v.setDefaultSectionSize(cell)
            for c in range(cols):
                self.setColumnWidth(c, cell)
            for r in range(rows):
                self.setRowHeight(r, cell)
        # +1: the grid line after the last cell.
        dx = max(0, (self.width() - cell * cols - 1) // 2)
        dy = max(0, (self.height() - cell * rows - 1) // 2)
        self._margins = (dx, dy)
        self._apply_margins()
        self._fit_text(model, cell)

    def _apply_margins(self) -> None:
        dx, dy = self._margins
        if dx >= 0:
            margins = self.viewportMargins()
            if (margins.left(), margins.top(), margins.right(), margins.bottom()) != (dx, dy, dx, dy):
                self.setViewportMargins(dx, dy, dx, dy)

    def updateGeometries(self) -> None:
        super().updateGeometries()
        # QTableView resets the viewport margins to its (hidden) headers' sizes here.
        self._apply_margins()

    def _fit_text(self, model: _KernelModel, cell: int) -> None:
        # Prefer more decimals, then a bigger font; measure the longest texts
        # in bold (the centre cell), the widest case. Cached: this runs on every edit.
        levels = tuple((decimals, max(1, round(size * self._text_px))) for decimals, size in self._LEVELS)
        values = model.kernel().ravel()
        candidates = tuple(tuple(sorted({format_value(v, d) for v in values}, key=len)[-4:]) for d, _ in levels)
        key = (cell, self.font().family(), levels, candidates)
        if key not in self._text_fits:
            self._text_fits[key] = self._measure(cell, levels, candidates)
        decimals, pixels = self._text_fits[key]
        if pixels:
            self._set_pixel_size(pixels)
        model.set_text_format(decimals, bool(pixels))

    def _measure(self, cell: int, levels, candidates) -> tuple[int, int]:
        font = QFont(self.font())
        font.setBold(True)
        room = cell - 10  # the delegate's text margins and focus frame
        largest = max(levels[-1][1], min(round(self._MAX_TEXT * self._text_px), round(cell * 0.34)))
        for (decimals, smallest), texts in zip(levels, candidates):
            for pixels in range(largest, smallest - 1, -1):
                font.setPixelSize(pixels)
                metrics = QFontMetrics(font)
                if max(metrics.horizontalAdvance(t) for t in texts) <= room:
                    return decimals, pixels
        return 1, 0

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        # The table draws lines only right of and below each cell; close the box.
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        cell = self.horizontalHeader().defaultSectionSize()
        painter = QPainter(self.viewport())
        painter.setPen(QPen(self.palette().mid().color()))
        painter.drawLine(0, 0, cell * model.columnCount(), 0)
        painter.drawLine(0, 0, 0, cell * model.rowCount())
        painter.end()

    def _set_pixel_size(self, pixels: int) -> None:
        if self.font().pixelSize() != pixels:
            font = self.font()
            font.setPixelSize(pixels)
            self.setFont(font)


# ----------------------------------------------------------------- undo
class _BankEdit(QUndoCommand):
    """One undo step: the (bank, selected index) before and after."""

    def __init__(self, editor: KernelEditor, before, after, text: str) -> None:
        super().__init__(text)
        self._editor = editor
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._editor._show(*self._after)

    def undo(self) -> None:
        self._editor._show(*self._before)


# ----------------------------------------------------------------- the widget
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
    """

    bank_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, seed: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelEditor")
        self.setAccessibleName("Kernel editor")
        self._rng = np.random.default_rng(seed)
        self._bank = KernelBank.of([kernels.get(START_PRESET)])
        self._index = 0
        self._updating = False
        self._thumbnails: list[tuple[np.ndarray, float]] = []  # what the bank list shows
        self.undo_stack = QUndoStack(self)
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
        """Show kernel `index` in the grid (no undo step, no signal).

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
    def _action(self, text: str, tip: str, slot, shortcut: str | Sequence[str] | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            keys = [shortcut] if isinstance(shortcut, str) else list(shortcut)
            action.setShortcuts([QKeySequence(k) for k in keys])
            tip = f"{tip} ({QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText)})"
            # Only while the editor has focus: other panels keep their own keys.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _button(self, action: QAction, accessible: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAccessibleName(accessible)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    def _build(self) -> None:
        # Presets
        self.preset_menu = QMenu(self)
        self.preset_menu.setToolTipsVisible(True)
        self.preset_actions: dict[str, QAction] = {}
        for name, description in kernels.DESCRIPTIONS.items():
            h, w = kernels.PRESETS[name].shape
            action = self.preset_menu.addAction(f"{name}  ({h}×{w})")
            action.setToolTip(description)
            action.setStatusTip(description)
            action.triggered.connect(lambda _checked=False, n=name: self.apply_preset(n))
            self.preset_actions[name] = action
        self.preset_button = QToolButton()
        self.preset_button.setText("Presets")  # InstantPopup draws its own arrow
        self.preset_button.setMenu(self.preset_menu)
        self.preset_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.preset_button.setToolTip("Replace the selected kernel by a classic one "
                                      "(identity, edges, sharpen, blur…)")
        self.preset_button.setAccessibleName("Kernel presets")

        # Size
        self.height_spin = self._size_spin("Kernel height", "height")
        self.width_spin = self._size_spin("Kernel width", "width")
        self.height_spin.valueChanged.connect(self._on_size_changed)
        self.width_spin.valueChanged.connect(self._on_size_changed)
        size_label = QLabel("Size")
        size_label.setBuddy(self.height_spin)
        by = QLabel("×")

        # Actions
        self.normalise_action = self._action(
            "Normalise", "Divide by the sum so the weights add up to 1: the filter keeps the image's brightness",
            self.normalise, "Ctrl+Shift+N")
        self.random_action = self._action(
            "Random", "Fill with random values (standard normal), like the untrained weights of a Conv2D layer",
            self.randomise, "Ctrl+Shift+R")
        self.flip_h_action = self._action(
            "Flip ↔", "Mirror left–right: a detector for one direction becomes one for the opposite direction",
            self.flip_horizontal, "Ctrl+Shift+H")
        self.flip_v_action = self._action(
            "Flip ↕", "Mirror top–bottom: a detector for one direction becomes one for the opposite direction",
            self.flip_vertical, "Ctrl+Shift+V")
        self.rotate_action = self._action(
            "Rotate ⟲", "Turn 90° anticlockwise: a vertical-edge detector becomes a horizontal-edge detector",
            self.rotate, "Ctrl+R")
        self.clear_action = self._action(
            "Clear", "Set every weight to 0: the feature map goes flat (only the bias remains)",
            self.clear, "Ctrl+Shift+Backspace")
        self.undo_action = self._action("Undo", "Undo the last edit", self._on_undo_triggered, "Ctrl+Z")
        self.redo_action = self._action("Redo", "Redo the edit just undone", self._on_redo_triggered,
                                        ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.undo_stack.indexChanged.connect(self._on_undo_index_changed)

        # Grid
        self.model = _KernelModel(self)
        self.model.cell_edited.connect(self._on_cell_edited)
        self.model.cell_refused.connect(self._on_cell_refused)
        self.grid = _KernelGrid()
        self.grid.setModel(self.model)
        appearance_signals.colour_scheme_changed.connect(self._on_colour_scheme_changed)
        self.grid.setAccessibleName("Kernel weights")
        self.grid.setToolTip("The selected kernel: type a number (or a fraction like 1/9) into a cell. "
                             "Delete sets the selected cells to 0. Cells are tinted by sign (blue negative, red positive "
                             "in the classic colours; View → Colour maps).")
        self.zero_cells_action = QAction("Zero selected cells", self.grid)
        self.zero_cells_action.setShortcuts([QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)])
        self.zero_cells_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.zero_cells_action.triggered.connect(self.zero_selected_cells)
        self.grid.addAction(self.zero_cells_action)

        self.status_label = QLabel()
        self.status_label.setObjectName("kernelEditorStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Kernel editor messages")
        self.status_label.setToolTip("What the last edit did, or why it was refused")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        # Bias
        self.bias_spin = QDoubleSpinBox()
        self.bias_spin.setRange(*BIAS_RANGE)
        self.bias_spin.setDecimals(3)
        self.bias_spin.setSingleStep(0.1)
        # Whole typed numbers only: "1.5" must not become the steps "1" and "1.5".
        self.bias_spin.setKeyboardTracking(False)
        self.bias_spin.setAccessibleName("Bias of the selected kernel")
        self.bias_spin.setToolTip("Added to this kernel's feature map in conv-layer mode: "
                                  "a Conv2D layer learns one bias per filter (image-filter mode ignores it)")
        self.bias_spin.valueChanged.connect(self._on_bias_changed)
        bias_label = QLabel("Bias")
        bias_label.setBuddy(self.bias_spin)

        # Bank
        self.bank_label = QLabel()
        self.bank_label.setWordWrap(True)
        self.bank_label.setObjectName("kernelEditorBankLabel")
        self.bank_label.setAccessibleName("Filter bank summary")
        self.bank_list = QListWidget()
        self.bank_list.setAccessibleName("Filter bank")
        self.bank_list.setToolTip("The kernels of the bank, one feature map each, like Conv2D(filters=N); "
                                  "select one to edit it")
        self.bank_list.setViewMode(QListView.ViewMode.IconMode)
        self.bank_list.setFlow(QListView.Flow.LeftToRight)
        self.bank_list.setWrapping(False)
        self.bank_list.setMovement(QListView.Movement.Static)
        self.bank_list.setIconSize(QSize(BANK_ICON_PX, BANK_ICON_PX))
        self.bank_list.setUniformItemSizes(True)
        self.bank_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.bank_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.bank_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.bank_list.currentRowChanged.connect(self._on_current_row_changed)

        self.add_kernel_action = self._action(
            "Add", "Add a kernel (an identity: a 1 in the centre); each kernel gives one more feature map",
            self.add_kernel)
        self.duplicate_kernel_action = self._action(
            "Duplicate", "Add a copy of the selected kernel (and its bias) right after it", self.duplicate_kernel)
        self.remove_kernel_action = self._action(
            "Remove", "Remove the selected kernel; a bank keeps at least one", self.remove_kernel)

        # Layout
        top = QHBoxLayout()
        top.addWidget(self.preset_button)
        top.addStretch(1)
        top.addWidget(size_label)
        top.addWidget(self.height_spin)
        top.addWidget(by)
        top.addWidget(self.width_spin)
        top.addSpacing(12)
        top.addWidget(bias_label)
        top.addWidget(self.bias_spin)

        self.normalise_button = self._button(self.normalise_action, "Normalise kernel")
        self.random_button = self._button(self.random_action, "Random kernel")
        self.flip_h_button = self._button(self.flip_h_action, "Flip left-right")
        self.flip_v_button = self._button(self.flip_v_action, "Flip top-bottom")
        self.rotate_button = self._button(self.rotate_action, "Rotate 90 degrees anticlockwise")
        self.clear_button = self._button(self.clear_action, "Clear kernel")
        self.undo_button = self._button(self.undo_action, "Undo")
        self.redo_button = self._button(self.redo_action, "Redo")
        tools = QGridLayout()
        tools.setHorizontalSpacing(4)
        tools.setVerticalSpacing(4)
        row1 = (self.normalise_button, self.random_button, self.clear_button, self.undo_button)
        row2 = (self.flip_h_button, self.flip_v_button, self.rotate_button, self.redo_button)
        for col, (a, b) in enumerate(zip(row1, row2)):
            tools.addWidget(a, 0, col)
            tools.addWidget(b, 1, col)

        self.add_button = self._button(self.add_kernel_action, "Add kernel")
        self.duplicate_button = self._button(self.duplicate_kernel_action, "Duplicate kernel")
        self.remove_button = self._button(self.remove_kernel_action, "Remove kernel")
        bank_buttons = QVBoxLayout()
        bank_buttons.setSpacing(2)
        for button in (self.add_button, self.duplicate_button, self.remove_button):
            bank_buttons.addWidget(button)
        bank_row = QHBoxLayout()
        bank_row.addWidget(self.bank_list, 1)
        bank_row.addLayout(bank_buttons)

        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        column.addLayout(top)
        column.addLayout(tools)
        column.addWidget(self.grid, 1)
        column.addWidget(self.status_label)
        column.addWidget(self.bank_label)
        column.addLayout(bank_row)

        # Reading order: top row, the two tool rows, grid, then the bank.
        order = [self.preset_button, self.height_spin, self.width_spin, self.bias_spin, *row1, *row2,
                 self.grid, self.bank_list, self.add_button, self.duplicate_button, self.remove_button]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)
        self._on_undo_index_changed(0)
        follow_font(self, self._apply_font)

    def _apply_font(self, font: QFont) -> None:
        """Size what depends on the text size (the UI scale): cells, the message area, the bank's items."""
        self.grid.set_text_size(QFontInfo(font).pixelSize())
        metrics = QFontMetrics(font)
        self.status_label.setMinimumHeight(metrics.lineSpacing() * 2)
        # An item is the kernel's picture over its caption; the widest caption must fit.
        item_w = max(68, metrics.horizontalAdvance(f"kernel {MAX_KERNELS}") + 12)
        item_h = BANK_ICON_PX + metrics.lineSpacing() + 8
        self.bank_list.setGridSize(QSize(item_w, item_h))
        scroll = self.bank_list.horizontalScrollBar().sizeHint().height()
        self.bank_list.setFixedHeight(item_h + scroll + 2 * self.bank_list.frameWidth() + 2)

    def _size_spin(self, accessible: str, side: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(1, MAX_KERNEL_SIZE)
        spin.setKeyboardTracking(False)  # typing "11" must not resize to 1 first
        spin.setAccessibleName(accessible)
        spin.setToolTip(f"Kernel size: the {side} of the window the kernel slides over the image, typically 3 or 5 "
                        f"(1–{MAX_KERNEL_SIZE}; odd sizes have a centre cell); every kernel of the bank is resized, "
                        "keeping its values centred.")
        return spin

    # ------------------------------------------------------------- state
    def _show(self, bank: KernelBank, index: int, *, emit: bool = True) -> None:
        """Make (bank, index) the current state and refresh every view of it."""
        self._bank, self._index = bank, index
        self._updating = True
        try:
            self.model.set_kernel(bank.kernels[index])
            self.grid.fit_cells()  # new values may need fewer decimals or a smaller font
            h, w = bank.size
            self.height_spin.setValue(h)
            self.width_spin.setValue(w)
            self.bias_spin.setValue(bank.biases[index])
            self._refresh_bank_list()
            self.remove_kernel_action.setEnabled(len(bank) > 1)
            self.add_kernel_action.setEnabled(len(bank) < MAX_KERNELS)
            self.duplicate_kernel_action.setEnabled(len(bank) < MAX_KERNELS)
        finally:
            self._updating = False
        if emit:
            self.bank_changed.emit(bank)

    def _on_colour_scheme_changed(self, _name: str) -> None:
        # Repaint the thumbnails in place: clearing the list would move its current row.
        for i, kernel in enumerate(self._bank.kernels[: self.bank_list.count()]):
            self.bank_list.item(i).setIcon(QIcon(kernel_pixmap(kernel, 32)))
        self.grid.viewport().update()

    def _refresh_bank_list(self) -> None:
        bank = self._bank
        h, w = bank.size
        n = len(bank)
        size = str(h) if h == w else f"({h}, {w})"
        self.bank_label.setText(f"Filter bank: {n} kernel{'s' if n != 1 else ''} · Conv2D(filters={n}, "
                                f"kernel_size={size})")
        self.bank_label.setToolTip(f"{n} kernel{'s' if n != 1 else ''} of {h}×{w}: a Conv2D layer with "
                                   f"filters={n} learns exactly such a bank, one feature map per kernel")
        # Update only the thumbnails that changed: a bank may hold dozens of kernels.
        while self.bank_list.count() > n:
            self.bank_list.takeItem(self.bank_list.count() - 1)
            self._thumbnails.pop()
        for i, (kernel, bias) in enumerate(zip(bank.kernels, bank.biases)):
            if i < len(self._thumbnails):
                old_kernel, old_bias = self._thumbnails[i]
                if old_bias == bias and old_kernel.shape == kernel.shape and np.array_equal(old_kernel, kernel):
                    continue
                item = self.bank_list.item(i)
                self._thumbnails[i] = (kernel, bias)
            else:
                item = QListWidgetItem(f"kernel {i + 1}")
                self.bank_list.addItem(item)
                self._thumbnails.append((kernel, bias))
            preset = _preset_name(kernel)
            tip = f"kernel {i + 1}: {h}×{w}" + (f", {preset}" if preset else "") + f", bias {format_value(bias)}"
            item.setIcon(QIcon(kernel_pixmap(kernel, 32)))
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, tip)
        if self.bank_list.currentRow() != self._index:
            self.bank_list.setCurrentRow(self._index)
            self.bank_list.scrollToItem(self.bank_list.item(self._index))

    def _say(self, text: str, *, warning: bool = True) -> None:
        set_colours(self.status_label, _WARNING_COLOUR if warning else None)
        self.status_label.setText(text)

    def _commit(self, bank: KernelBank, index: int, text: str, message: str = "") -> bool:
        """Push one undo step that shows `bank`; False (and nothing pushed) if nothing changes."""
        if _same_bank(bank, self._bank):
            if index != self._index:
                self.select_kernel(index)
            return False
        self.undo_stack.push(_BankEdit(self, (self._bank, self._index), (bank, index), text))
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

    @Slot()
    def _on_undo_triggered(self) -> None:
        text = self.undo_stack.undoText()
        if self.undo_stack.canUndo():
            self.undo_stack.undo()
            self._say(f"Undone: {text}", warning=False)

    @Slot()
    def _on_redo_triggered(self) -> None:
        text = self.undo_stack.redoText()
        if self.undo_stack.canRedo():
            self.undo_stack.redo()
            self._say(f"Redone: {text}", warning=False)

    @Slot(int)
    def _on_undo_index_changed(self, _index: int) -> None:
        stack = self.undo_stack
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        self.undo_action.setToolTip(f"Undo “{stack.undoText()}” (Ctrl+Z)" if stack.canUndo() else "Nothing to undo")
        self.redo_action.setToolTip(
            f"Redo “{stack.redoText()}” (Ctrl+Shift+Z)" if stack.canRedo() else "Nothing to redo")
