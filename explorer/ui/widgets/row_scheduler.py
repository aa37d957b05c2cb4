"""Drawing a scrolling column of rows: a few milliseconds at a time, and only the rows in view.

Live training sends a new prediction several times a second; drawing every
layer's row of the activations column at once would stall the event loop for
tens of milliseconds, and drawing rows scrolled out of sight takes CPU the
training thread needs.  A :class:`RowScheduler` therefore makes a pass over
the rows in order, returning to the event loop after each slice of
:data:`SLICE_S` (and after building a row: each is one costly step), and
draws a row that is already shown only while it is in view.  A row scrolled
into view later is drawn then, from the newest content, before it is painted.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

__all__ = ["SLICE_S", "RowScheduler"]

SLICE_S = 0.004  # progressive drawing: return to the event loop after this long


class RowScheduler(QObject):
    """Draws the newest content into a column's rows, in time slices, and rows in view only.

    Row -1 is a leading row that always exists (the input image); rows 0..n-1
    follow it and are built in order when a pass first reaches them.  The
    scheduler counts contents (generations) and remembers which one each row
    shows, so that a row is drawn again only when it is out of date.

    Parameters
    ----------
    owner : QWidget
        The widget showing the column (the scheduler's parent); while it is
        not visible every row counts as in view.
    scroll_area : QAbstractScrollArea
        The area the column scrolls in: rows are in view inside its viewport.
    count : callable
        ``count()``: the number of rows after the leading one.
    row : callable
        ``row(index)``: row ``index``, None while it is not built.
    build : callable
        ``build(index)``: make row ``index``, hidden until it is drawn.
    draw : callable
        ``draw(index)``: show the newest content in row ``index``.
    """

    def __init__(self, owner: QWidget, scroll_area: QAbstractScrollArea, *, count: Callable[[], int],
                 row: Callable[[int], QWidget | None], build: Callable[[int], None],
                 draw: Callable[[int], None]) -> None:
        super().__init__(owner)
        self._owner, self._scroll_area = owner, scroll_area
        self._count, self._row, self._build, self._draw = count, row, build, draw
        self._active = False  # there is content to draw
        self._generation = 0  # counts contents; self._drawn[row index] = the one it shows (-1 = leading row)
        self._drawn: dict[int, int] = {}
        self._pending = False  # a pass over the rows is still to finish
        self._next_row = 0  # where the pass is; -1 = the leading row
        self._lead = True  # the leading row has something to show in this pass
        self._slice_timer = QTimer(self)
        self._slice_timer.setSingleShot(True)
        self._slice_timer.setInterval(0)
        self._slice_timer.timeout.connect(self.draw_slice)

    # ----- contents ------------------------------------------------------------
    def new_content(self) -> None:
        """Newer content has arrived: every row is now out of date."""
        self._generation += 1

    def showed_previous(self, index: int) -> bool:
        """Whether row `index` shows the content just before the newest.

        Parameters
        ----------
        index : int
            The row (-1: the leading row).

        Returns
        -------
        bool
            True if it was drawn from the previous content.
        """
        return self._drawn.get(index) == self._generation - 1

    def keep(self, index: int) -> None:
        """Count row `index` as showing the newest content: its part of it did not change.

        Parameters
        ----------
        index : int
            The row (-1: the leading row).
        """
        self._drawn[index] = self._generation

    def forget(self) -> None:
        """The rows were replaced: none of them shows anything yet."""
        self._drawn.clear()

    # ----- passes --------------------------------------------------------------
    def start(self, *, progressive: bool, lead: bool = True) -> None:
        """Start a pass over the rows, from the leading row on; a pass still going is replaced.

        Parameters
        ----------
        progressive : bool
            Draw a slice at a time between other events (True), or everything
            before returning.
        lead : bool
            The leading row has something to show; otherwise it is hidden.
        """
        self._active = self._pending = True
        self._next_row = -1
        self._lead = lead
        if progressive:
            self._slice_timer.start()
        else:
            self._draw_pending(deadline=None)

    def stop(self) -> None:
        """There is no content: end the pass, and draw nothing until the next start."""
        self._active = self._pending = False

    def is_drawing(self) -> bool:
        """True while a pass is still to finish."""
        return self._pending

    def draw_slice(self) -> None:
        """Go on with the pass for one slice of time (what the slice timer does between events)."""
        self._draw_pending(deadline=time.perf_counter() + SLICE_S)

    def watch(self, widget: QWidget) -> None:
        """Draw the rows that come into view when `widget` moves or resizes (the column, a row).

        Parameters
        ----------
        widget : QWidget
            The column (it moves when scrolled), or a row (it moves when one
            above it appears, and resizes with the width).
        """
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize):
            self._draw_revealed()
        return False

    # ----- internals -------------------------------------------------------------
    def _draw_pending(self, deadline: float | None) -> None:
        """Build missing rows and draw the newest content until done or past `deadline`."""
        while self._pending:
            if self._next_row == -1:
                if not self._lead:
                    self._row(-1).hide()
                elif self._needs_drawing(-1):
                    self._draw_row(-1)
            elif self._next_row >= self._count():
                self._pending = False
                return
            else:
                if self._row(self._next_row) is None:
                    self._build(self._next_row)
                    if deadline is not None:  # a new row is drawn in the next slice: each is one costly step
                        self._slice_timer.start()
                        return
                if self._needs_drawing(self._next_row):
                    self._draw_row(self._next_row)
            self._next_row += 1
            if deadline is not None and time.perf_counter() > deadline:
                self._slice_timer.start()  # the rest after the events that are waiting
                return

    def _needs_drawing(self, index: int) -> bool:
        """True if the row is hidden (not drawn yet: it takes its place when drawn) or stale and in view."""
        row = self._row(index)
        return row.isHidden() or (self._drawn.get(index) != self._generation and self._in_view(row))

    def _in_view(self, row: QWidget) -> bool:
        if not self._owner.isVisible():
            return True  # nothing to measure against: draw everything
        viewport = self._scroll_area.viewport()
        top = row.mapTo(viewport, QPoint(0, 0)).y()
        return top < viewport.height() and top + row.height() > 0

    def _draw_row(self, index: int) -> None:
        self._draw(index)
        self._drawn[index] = self._generation

    def _draw_revealed(self) -> None:
        """Draw the rows that came into view showing an older content than the newest."""
        if not self._active:
            return
        for index in range(-1, self._count()):
            row = self._row(index)
            if row is None:
                break  # rows are built in order: none after this one yet
            if not row.isHidden() and self._needs_drawing(index):  # hidden rows: the pass's
                self._draw_row(index)
