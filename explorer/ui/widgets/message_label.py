"""The sentence a view shows in the window's colours in place of its content ("No model yet", ...)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

__all__ = ["message_label"]


def message_label() -> QLabel:
    """A centred, wrapped label for a view's message.

    Returns
    -------
    QLabel
        Empty; the view sets its text and shows it instead of its content.
    """
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label
