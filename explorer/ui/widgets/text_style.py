"""Text that follows the UI scale: sizes relative to a widget's font, colours without style sheets.

The UI scale changes the application font (``QApplication.setFont``). Qt hands
that font down to every widget that has not set a size of its own, but a
widget that needs bigger or smaller text (a message, a big guess), or text
Qt does not manage (pyqtgraph's axes, titles and legends, which never read
the widget font), must size it itself. Here such sizes are a *factor* of an
owner widget's font, and :func:`follow_font` redoes them whenever that font
changes.

Colours are set in the palette (:func:`set_colours`), never with a style
sheet: Qt stops passing the application font to a widget that has a style
sheet (and to everything inside it), so a red error line or a dark panel
styled that way would keep its old text size. Qt-only: importing this module
never loads pyqtgraph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette
from PySide6.QtWidgets import QScrollArea, QSplitter, QStyle, QWidget

__all__ = ["css_size", "follow_font", "follow_layout", "grow_pane", "line_height", "scaled_font", "set_axis_font",
           "set_colours", "widen_panes", "wrapped_height"]


def scaled_font(base: QFont, factor: float = 1.0, *, bold: bool | None = None) -> QFont:
    """A copy of `base` whose size is `factor` times the size of `base`.

    Parameters
    ----------
    base : QFont
        Usually the owner widget's font (which follows the application font).
    factor : float, optional
        Size relative to `base` (default 1).
    bold : bool, optional
        Make the copy bold (True) or regular (False); None keeps the weight.

    Returns
    -------
    QFont
    """
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * factor)
    else:  # a font sized in pixels has no point size
        font.setPixelSize(max(1, round(base.pixelSize() * factor)))
    if bold is not None:
        font.setBold(bold)
    return font


def css_size(base: QFont, factor: float = 1.0) -> str:
    """`factor` times the size of `base` as a CSS/stylesheet size, e.g. ``"13.5pt"``."""
    font = scaled_font(base, factor)
    if font.pointSizeF() > 0:
        return f"{font.pointSizeF():.1f}pt"
    return f"{font.pixelSize()}px"


def line_height(base: QFont, factor: float = 1.0) -> float:
    """Height in pixels of one line of text in `factor` times `base`."""
    return QFontMetricsF(scaled_font(base, factor)).height()


def set_axis_font(axis, font: QFont) -> None:
    """Give a pyqtgraph ``AxisItem`` `font` for its tick values and its label.

    pyqtgraph sizes the axis from the label's bounding box when its style
    changes, so the label's font is set first.
    """
    axis.label.setFont(font)
    axis.setStyle(tickFont=font)


class _EventHook(QObject):
    """Calls `callback(widget)` whenever the widget it watches receives an event of type `kind`."""

    def __init__(self, owner: QWidget, kind: QEvent.Type, callback: Callable[[QWidget], None]) -> None:
        super().__init__(owner)  # dies with the owner, so `callback` never outlives it
        self._kind = kind
        self._callback = callback
        owner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == self._kind and watched is self.parent():
            self._callback(watched)
        return False


def follow_font(owner: QWidget, apply: Callable[[QFont], None]) -> None:
    """Call ``apply(owner.font())`` now and again whenever the owner's font changes.

    Parameters
    ----------
    owner : QWidget
        A widget that does not set its own font size, so its font follows the
        application font (the UI scale). Sizes derived in `apply` should be
        factors of the font it is given (see :func:`scaled_font`).
    apply : callable
        Receives the owner's current font; sets the derived fonts, stylesheets
        or pixel sizes.
    """
    apply(owner.font())
    # FontChange arrives after Qt has resolved the new font: owner.font() is current.
    _EventHook(owner, QEvent.Type.FontChange, lambda widget: apply(widget.font()))


def follow_layout(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` whenever `widget`'s layout is about to be redone (its content's sizes changed)."""
    _EventHook(widget, QEvent.Type.LayoutRequest, lambda _widget: callback())


def set_colours(widget: QWidget, text: QColor | None = None, background: QColor | None = None) -> None:
    """Colour a widget's text and background through its palette (None: the theme's colours).

    Only the roles given become the widget's own; the others keep following
    the application palette. A background also turns on the widget's
    background filling.
    """
    palette = QPalette()  # resolves nothing: the theme's palette, until roles are set below
    if text is not None:
        palette.setColor(QPalette.ColorRole.WindowText, text)
        palette.setColor(QPalette.ColorRole.Text, text)
    if background is not None:
        palette.setColor(QPalette.ColorRole.Window, background)
    widget.setPalette(palette)
    widget.setAutoFillBackground(background is not None)


def grow_pane(splitter: QSplitter, index: int, need: int, flexible: int, *, keep: int = 200) -> None:
    """Make pane `index` at least `need` pixels long, taking the room from pane `flexible` down to `keep`.

    Nothing happens before the splitter is laid out, nor when the pane is long enough.
    """
    sizes = splitter.sizes()
    grow = min(need - sizes[index], sizes[flexible] - keep)
    if sum(sizes) and grow > 0:
        sizes[index] += grow
        sizes[flexible] -= grow
        splitter.setSizes(sizes)


def widen_panes(splitter: QSplitter, panes: Sequence[int], flexible: int, *, keep: int = 200,
                preferred: bool = False) -> None:
    """Widen splitter panes to what their content needs (its text may have grown), taking the room from one pane.

    Called when the UI scale changes: a side column of controls gets the
    width its labels and fields now need, and the flexible pane (the maps,
    the plots) gives it up, down to `keep` pixels.

    Parameters
    ----------
    splitter : QSplitter
        A horizontal splitter that is laid out (nothing happens before).
    panes : sequence of int
        Indices of the panes to widen.
    flexible : int
        Index of the pane that gives up the room.
    keep : int, optional
        Width the flexible pane keeps at least (default 200).
    preferred : bool, optional
        Widen to the content's preferred width (its size hint: combo boxes show
        their whole text), not only to its minimum (default).
    """
    # A side column scrolls vertically in a small window: leave room for its scroll bar.
    scroll_bar = splitter.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    for index in panes:
        pane = splitter.widget(index)
        # A scroll area remembers its content's first size hint: ask the content what it needs.
        content = pane.widget() if isinstance(pane, QScrollArea) else pane
        hint = content.sizeHint() if preferred else content.minimumSizeHint()
        grow_pane(splitter, index, hint.width() + scroll_bar, flexible, keep=keep)


def wrapped_height(column: QWidget) -> int:
    """The least height of a column (a vertical box layout) at its width, wrapped labels counted line by line.

    Qt's minimum size counts one line per word-wrapped label, so a column
    given just its minimum squeezes its other widgets when the text wraps.
    """
    layout = column.layout()
    width = column.contentsRect().width()
    margins = layout.contentsMargins()
    items = [layout.itemAt(i) for i in range(layout.count())]
    shown = [item for item in items if not item.isEmpty()]
    heights = [item.heightForWidth(width) if item.hasHeightForWidth() else item.minimumSize().height()
               for item in shown]
    return sum(heights) + layout.spacing() * max(0, len(shown) - 1) + margins.top() + margins.bottom()
