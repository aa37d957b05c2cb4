"""Text widgets that paint their own text, so that changing it never re-lays out the window.

A QLabel asks for a new layout on every ``setText``, and each layout that
runs asks its parent's in turn, up to the main window, whose layout repaints
the whole window. The training studio's status and the activation rows'
colour ranges change three times a second while training: with QLabels, that
was a repaint of every widget each time, CPU taken from the training thread.

* :class:`ElidedLabel` - one line, elided when narrow, with a fixed size hint.
* :class:`StatusLine` - wrapped lines; asks for a layout only when the text
  needs a different number of lines.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

_WRAP_FLAGS = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap)


class PaintedText(QWidget):
    """A text that its subclass paints; :meth:`_text_changed` says what else a new text changes."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802  (QLabel's name, so it reads as one)
        if text == self._text:
            return
        self._text = text
        self._text_changed()
        self.update()

    def _text_changed(self) -> None:
        """Hook: the text was replaced (a repaint follows)."""


class ElidedLabel(PaintedText):
    """One line of text, elided when narrow (a QLabel would force its full width on a column).

    ``hint_text`` fixes the size hint (a template as wide as the widest text to
    come), so that a changing number never asks for a layout.
    """

    def __init__(self, text: str, rgb: tuple[int, int, int], *, bold: bool = False,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft, hint_text: str | None = None,
                 keep_px: int = 24, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._keep_px = keep_px           # shown in full up to this width before eliding
        self._colour = QColor(*rgb)
        self._align = align | Qt.AlignmentFlag.AlignVCenter
        self._hint_text = hint_text
        font = QFont(self.font())
        font.setBold(bold)
        self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _text_changed(self) -> None:
        if self._hint_text is None:
            self.updateGeometry()

    def sizeHint(self) -> QSize:  # Qt override
        metrics = QFontMetrics(self.font())
        return QSize(metrics.horizontalAdvance(self._hint_text or self._text) + 4, metrics.height() + 2)

    def minimumSizeHint(self) -> QSize:  # Qt override
        metrics = QFontMetrics(self.font())
        width = min(metrics.horizontalAdvance(self._text) + 4, self._keep_px)
        return QSize(width, metrics.height() + 2)

    def paintEvent(self, event) -> None:  # Qt override
        painter = QPainter(self)
        painter.setPen(self._colour)
        metrics = painter.fontMetrics()
        rect = self.rect()
        painter.drawText(rect, int(self._align),
                         metrics.elidedText(self._text, Qt.TextElideMode.ElideRight, rect.width()))
        painter.end()


class StatusLine(PaintedText):
    """Plain text, word-wrapped, in the palette's text colour (``set_colours`` applies)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._height = self.heightForWidth(self.width())  # what the layout was last told
        self.setAccessibleDescription(text)

    def _text_changed(self) -> None:
        self.setAccessibleDescription(self._text)  # screen readers read the status, not only its name
        self._check_height()

    # ----- Qt overrides --------------------------------------------------------
    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        one_line = self.fontMetrics().height()
        if not self._text:
            return one_line
        bounds = self.fontMetrics().boundingRect(QRect(0, 0, max(width, 1), 1 << 20), _WRAP_FLAGS, self._text)
        return max(bounds.height(), one_line)

    def sizeHint(self) -> QSize:
        # Independent of the text: a long message wraps rather than widening the window.
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 40, self.heightForWidth(max(self.width(), 1)))

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 10, metrics.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._check_height()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._height = -1  # new line height: lay out again
            self._check_height()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawText(self.rect(), _WRAP_FLAGS, self._text)
        painter.end()

    # ----- internals --------------------------------------------------------------
    def _check_height(self) -> None:
        height = self.heightForWidth(self.width())
        if height != self._height:
            self._height = height
            self.updateGeometry()
