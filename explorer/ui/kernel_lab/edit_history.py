"""The kernel editor's undo history: one step per bank edit, Undo and Redo that name the step."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from explorer.core.lab.pipeline import KernelBank
from explorer.ui.kernel_lab.editor_controls import make_action

__all__ = ["BankEdit", "EditHistory"]

#: What a step shows on undo and redo: the editor's (bank, selected index).
Shown = tuple[KernelBank, int]


class BankEdit(QUndoCommand):
    """An undoable change of the bank: `show` is called with `before` on undo, `after` on redo.

    Parameters
    ----------
    show : callable
        Makes (bank, index) the editor's current state and emits it.
    before, after : (KernelBank, int)
        The bank and selected kernel before and after the edit.
    text : str
        The step's name ("Set row 1, column 2 to 0.5").
    """

    def __init__(self, show: Callable[[KernelBank, int], None], before: Shown, after: Shown, text: str) -> None:
        super().__init__(text)
        self._show = show
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._show(*self._after)

    def undo(self) -> None:
        self._show(*self._before)


class EditHistory(QObject):
    """An undo stack of :class:`BankEdit` steps, with the Undo and Redo actions of `owner`.

    The actions are enabled only when there is a step to undo or redo, and
    their tooltips name that step.

    Signals
    -------
    stepped(str)
        After an undo or redo through the actions: "Undone: <step>" or "Redone: <step>".
    """

    stepped = Signal(str)

    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)
        self.stack = QUndoStack(self)
        self.undo_action = make_action(owner, "Undo", "Undo the last edit", self._on_undo_triggered, "Ctrl+Z")
        self.redo_action = make_action(owner, "Redo", "Redo the edit just undone", self._on_redo_triggered,
                                       ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.stack.indexChanged.connect(self._on_index_changed)
        self._on_index_changed(0)

    def push(self, show: Callable[[KernelBank, int], None], before: Shown, after: Shown, text: str) -> None:
        """Push the step before -> after (which shows `after` at once)."""
        self.stack.push(BankEdit(show, before, after, text))

    @Slot()
    def _on_undo_triggered(self) -> None:
        text = self.stack.undoText()
        if self.stack.canUndo():
            self.stack.undo()
            self.stepped.emit(f"Undone: {text}")

    @Slot()
    def _on_redo_triggered(self) -> None:
        text = self.stack.redoText()
        if self.stack.canRedo():
            self.stack.redo()
            self.stepped.emit(f"Redone: {text}")

    @Slot(int)
    def _on_index_changed(self, _index: int) -> None:
        stack = self.stack
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        self.undo_action.setToolTip(f"Undo “{stack.undoText()}” (Ctrl+Z)" if stack.canUndo() else "Nothing to undo")
        self.redo_action.setToolTip(
            f"Redo “{stack.redoText()}” (Ctrl+Shift+Z)" if stack.canRedo() else "Nothing to redo")
