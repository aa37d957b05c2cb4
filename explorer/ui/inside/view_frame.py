"""What every Inside view shares: a row of settings with a Show button, a caption, a message or the content.

A view knows nothing of the worker: Show emits ``requested(kind, request)``
with an immutable request value; the part sends it to the worker and hands
the answers back (``show_answer``, ``show_problem``). Until there is a model
(``set_facts(None)``) or when the model lacks what the view needs, the view
shows a sentence instead of its content.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from explorer.ui.inside.jobs import NO_MODEL, Answer, ModelFacts, Problem
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.message_label import message_label

__all__ = ["ViewFrame"]


class ViewFrame(QWidget):
    """Base of the Inside views: subclasses fill ``controls`` and ``content`` and implement the hooks.

    Signals
    -------
    requested(str, object)
        Compute this request (kind, request value).
    """

    requested = Signal(str, object)
    kind = ""

    def __init__(self, show_tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.facts: ModelFacts | None = None
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(0, 0, 0, 0)
        self.show_button = describe(QPushButton("Show"), "Show", show_tip)
        self.show_button.clicked.connect(self.request)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("What the view shows")
        self.message_label = message_label()
        self.message_label.setAccessibleName("Message")
        self._stack = QStackedWidget()
        self._stack.addWidget(self.message_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.controls)
        layout.addWidget(self.caption)
        layout.addWidget(self._stack, 1)

    def set_content(self, widget: QWidget) -> None:
        """The widget shown instead of the message once there is a result."""
        self._stack.addWidget(widget)

    def finish_controls(self) -> None:
        """Put the Show button after the settings the subclass added."""
        self.controls.addWidget(self.show_button)
        self.controls.addStretch(1)

    # ----------------------------------------------------------------- state
    def set_facts(self, facts: ModelFacts | None) -> None:
        """A new model (None: none yet): refill the settings, drop the old result."""
        self.facts = facts
        problem = self.unavailable(facts)
        self.show_button.setEnabled(problem is None)
        self.caption.clear()
        if problem is not None:
            self.show_message(problem)
            return
        self.fill_controls(facts)
        self.show_message(self.ready_text())

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._stack.setCurrentWidget(self.message_label)

    def message(self) -> str | None:
        """The sentence shown instead of the content, or None when the content is shown."""
        return self.message_label.text() if self._stack.currentWidget() is self.message_label else None

    def show_result(self) -> None:
        self._stack.setCurrentIndex(1)

    def request(self) -> None:
        """Ask for the view's computation with the current settings (nothing without a model)."""
        if self.facts is None or self.unavailable(self.facts) is not None:
            return
        try:
            value = self.make_request()
        except ValueError as exc:
            self.show_message(f"Cannot show this: {exc}.")
            return
        if value is not None:
            self.requested.emit(self.kind, value)

    def show_problem(self, problem: Problem) -> None:
        """The request could not be answered (or was cancelled): say so; a result already shown stays."""
        if problem.cancelled and self.message() is None:
            return
        self.show_message(problem.message)

    # ----------------------------------------------------------------- hooks
    def unavailable(self, facts: ModelFacts | None) -> str | None:
        """Why the view cannot work with this model, or None."""
        return NO_MODEL if facts is None else None

    def fill_controls(self, facts: ModelFacts) -> None:
        """Offer this model's layers and units in the settings."""

    def ready_text(self) -> str:
        return "Press Show."

    def make_request(self):
        raise NotImplementedError

    def show_answer(self, answer: Answer) -> None:
        raise NotImplementedError
