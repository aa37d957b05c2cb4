"""A wrapped line of plain status text that can change often without re-laying out the window.

A QLabel asks for a new layout on every ``setText``, and each layout that
runs asks its parent's in turn, up to the main window, whose layout repaints
the whole window. The training studio's status changes three times a second
while training: that was a repaint of every widget each time, CPU taken from
the training thread. :class:`StatusLine` asks for a layout only when the text
needs a different number of lines.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

_FLAGS = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap)


class StatusLine(QWidget):
    """Plain text, word-wrapped, in the palette's text colour (``set_colours`` applies)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._height = self.heightForWidth(self.width())  # what the layout was last told
        self.setAccessibleDescription(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802  (QLabel's name, so it reads as one)
        if text == self._text:
            return
        self._text = text
        self.setAccessibleDescription(text)  # screen readers read the status, not only its name
        self._check_height()
        self.update()

    # ----- Qt overrides --------------------------------------------------------
    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        one_line = self.fontMetrics().height()
        if not self._text:
            return one_line
        bounds = self.fontMetrics().boundingRect(QRect(0, 0, max(width, 1), 1 << 20), _FLAGS, self._text)
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
        painter.drawText(self.rect(), _FLAGS, self._text)
        painter.end()

    # ----- internals --------------------------------------------------------------
    def _check_height(self) -> None:
        height = self.heightForWidth(self.width())
        if height != self._height:
            self._height = height
            self.updateGeometry()
