"""The kernel editor's grid: square cells that fill the space, numbers sized to fit.

Delete or Backspace triggers `KernelGrid.zero_cells_action` (the editor zeroes the selected cells).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSizePolicy, QTableView

from explorer.core.numbers import format_value
from explorer.ui.kernel_lab.kernel_model import KernelModel
from explorer.ui.widgets.appearance import signals as appearance_signals

__all__ = ["KernelGrid"]


class KernelGrid(QTableView):
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
        self.setAccessibleName("Kernel weights")
        self.setToolTip("The selected kernel: type a number (or a fraction like 1/9) into a cell. "
                        "Delete sets the selected cells to 0. Cells are tinted by sign (blue negative, red positive "
                        "in the classic colours; View → Colour maps).")
        self.zero_cells_action = QAction("Zero selected cells", self)
        self.zero_cells_action.setShortcuts([QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)])
        self.zero_cells_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.addAction(self.zero_cells_action)
        appearance_signals.colour_scheme_changed.connect(self._on_colour_scheme_changed)

    def sizeHint(self) -> QSize:
        return QSize(300, 300)

    def _on_colour_scheme_changed(self, _name: str) -> None:
        self.viewport().update()

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

    def _fit_text(self, model: KernelModel, cell: int) -> None:
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

