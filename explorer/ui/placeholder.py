"""A tidy "coming soon" panel that stands in for a part of the app."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

__all__ = ["PlaceholderPanel"]

# Wide paragraphs are hard to read; the card stops growing at this width.
_CARD_MAX_WIDTH = 760


class PlaceholderPanel(QWidget):
    """Heading, description, an optional worked example and a feature list.

    Parameters
    ----------
    kicker : str
        Small caption above the heading, e.g. ``"Part 1 of 3"``.
    title : str
        Heading text.
    description : str
        One paragraph, plain text.
    example : str, optional
        A worked example shown in a highlighted box (plain text).
    points : sequence of str, optional
        Bullet points of what the finished part will show.
    parent : QWidget, optional
        Qt parent.
    """

    def __init__(
        self,
        kicker: str,
        title: str,
        description: str,
        example: str = "",
        points: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title_label = _label(title, "placeholderTitle")
        self.description_label = _label(description, "placeholderDescription")
        self._build(kicker, example, points)

    def _build(self, kicker: str, example: str, points: Sequence[str]) -> None:
        card = QFrame()
        card.setObjectName("placeholderCard")
        # Expanding up to a maximum (rather than AlignHCenter, which shrinks
        # the card to its size hint) keeps word-wrapped labels readable.
        card.setMaximumWidth(_CARD_MAX_WIDTH)
        card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        column = QVBoxLayout(card)
        column.setContentsMargins(32, 28, 32, 28)
        column.setSpacing(12)
        column.addWidget(_label(kicker.upper(), "placeholderKicker"))
        column.addWidget(self.title_label)
        column.addWidget(self.description_label)
        if example:
            column.addWidget(_label(example, "placeholderExample"))
        if points:
            column.addWidget(_bullets(points))
        column.addWidget(_label("This part is under construction; this page describes what it will do.",
                                "placeholderNote"))

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 100)
        row.addStretch(1)
        content = QWidget()
        content.setObjectName("placeholderContent")
        page = QVBoxLayout(content)
        page.setContentsMargins(24, 24, 24, 24)
        page.addStretch(1)
        page.addLayout(row)
        page.addStretch(2)

        # Scrolling instead of clipping lets the window shrink on small screens.
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setStyleSheet(_STYLE)


def _label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _bullets(points: Sequence[str]) -> QLabel:
    items = "".join(f"<li>{html.escape(p)}</li>" for p in points)
    label = QLabel(f"<ul style='margin-left:-20px'>{items}</ul>")
    label.setObjectName("placeholderPoints")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


# Colours use palette roles where possible so a dark system theme still works.
_STYLE = """
QScrollArea, #placeholderContent { background: transparent; }
#placeholderCard {
    background: palette(base);
    border: 1px solid palette(mid);
    border-radius: 10px;
}
#placeholderKicker { color: #d9822b; font-size: 9pt; font-weight: 600; letter-spacing: 1px; }
#placeholderTitle { font-size: 20pt; font-weight: 600; }
#placeholderDescription { font-size: 11pt; }
#placeholderPoints { font-size: 10pt; }
#placeholderExample {
    font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace;
    font-size: 10pt;
    background: palette(alternate-base);
    border-left: 3px solid #d9822b;
    padding: 8px 12px;
}
#placeholderNote { color: #8a8f98; font-size: 9pt; font-style: italic; }
"""
