"""The drawing pad's class probabilities: bars, with the top guess in large type ("7 — 98.2%")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.ui.widgets.class_bars import TOP_RGB, ClassBars
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.message_label import message_label
from explorer.ui.widgets.text_style import follow_font, scaled_font, set_colours

__all__ = ["ProbabilityBars"]

# Text sizes relative to the window's text, so they follow the UI scale.
GUESS_SCALE = 4.4                   # the top guess (40 pt at 9 pt)
CLASS_NAMES_SCALE = 1.55            # the class names (14 pt at 9 pt)


class _FitLabel(QLabel):
    """One bold centred line whose font shrinks to fit the width (never above ``scale`` × the text).

    So a long class name ("Ankle boot — 97.0%") never sets a wide minimum for the window.
    The owner passes its font to :meth:`set_base_font` (and again when the UI scale changes).
    """

    def __init__(self, scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = float(scale)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.set_base_font(self.font())

    def set_base_font(self, font: QFont) -> None:
        """The full size is ``scale`` times `font`."""
        self._full_font = scaled_font(font, self._scale, bold=True)
        self._max_pt = self._full_font.pointSizeF()
        self.setFont(self._full_font)
        self.setFixedHeight(QFontMetrics(self._full_font).height() + 4)   # no jump when the font shrinks
        self._fit()

    def minimumSizeHint(self) -> QSize:  # Qt override
        return QSize(16, self.height())

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(QFontMetrics(self._full_font).horizontalAdvance(self.text()) + 12, self.height())

    def setText(self, text: str) -> None:  # Qt override
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        needed = QFontMetrics(self._full_font).horizontalAdvance(self.text())
        room = self.contentsRect().width() - 8
        size = self._max_pt if needed <= room or needed <= 0 else max(8.0, self._max_pt * room / needed)
        if abs(self.font().pointSizeF() - size) > 0.2:
            font = QFont(self._full_font)
            font.setPointSizeF(size)
            self.setFont(font)


class ProbabilityBars(QWidget):
    """The class probabilities as bars, with the top guess in large type ("7 — 98.2%").

    Made to be read from the back of a room: big guess, class names half as
    big again as the text (14 pt at 9 pt; smaller only when the bars are too
    thin), the top bar in orange and the rest in blue. Sizes follow the UI scale.
    """

    def __init__(self, parent: QWidget | None = None, *, guess_scale: float = GUESS_SCALE,
                 names_scale: float = CLASS_NAMES_SCALE) -> None:
        super().__init__(parent)
        describe(self, "Class probabilities",
                     "Softmax turns the network's last outputs into probabilities that add up to 100%; "
                     "the longest bar is its guess.")
        self.guess_label = _FitLabel(guess_scale)
        self.guess_label.setAccessibleName("Top guess")
        set_colours(self.guess_label, QColor(*TOP_RGB))
        self.guess_label.setToolTip("The class with the highest probability, and that probability.")
        self.bars = ClassBars("Probability bars", self.toolTip(), dark=False, font_scale=names_scale)
        self.message_label = message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.guess_label)
        layout.addWidget(self.bars, 1)
        layout.addWidget(self.message_label, 1)
        self.clear()
        follow_font(self, lambda font: self._apply_font(font, names_scale))

    def _apply_font(self, font: QFont, names_scale: float) -> None:
        """Big guess and class-name-sized message, relative to the window's text (the UI scale)."""
        self.guess_label.set_base_font(font)
        self.message_label.setFont(scaled_font(font, names_scale))

    def set_probabilities(self, probabilities: np.ndarray, class_names: Sequence[str] = ()) -> None:
        """Show (K,) probabilities; names default to 0..K-1."""
        p = np.asarray(probabilities, dtype=np.float64).ravel()
        if p.size == 0:
            self.clear("The model gave no probabilities.")
            return
        names = tuple(str(n) for n in class_names)
        if len(names) != p.size:
            names = tuple(str(i) for i in range(p.size))
        self.bars.set_values(p, names, percent=True)
        top = self.bars.top_index()
        text = f"{names[top]} \u2014 {100.0 * p[top]:.1f}%"
        if self.guess_label.text() != text:
            self.guess_label.setText(text)
        if not self.bars.isVisibleTo(self):
            self.bars.setVisible(True)
            self.guess_label.setVisible(True)
            self.message_label.setVisible(False)

    def clear(self, message: str = "Draw a digit to see what the network thinks it is.") -> None:
        """Show ``message`` instead of bars."""
        self.guess_label.setText("")
        self.message_label.setText(message)
        self.bars.setVisible(False)
        self.guess_label.setVisible(False)
        self.message_label.setVisible(True)

    def guess_text(self) -> str:
        """The large top-guess text ("" when cleared)."""
        return self.guess_label.text()

    def bar_values(self) -> np.ndarray:
        """The bar lengths shown (the probabilities), a copy."""
        return self.bars.values()

    def message(self) -> str | None:
        """The message shown instead of bars, or None when bars are shown."""
        return self.message_label.text() if self.message_label.isVisibleTo(self) else None
