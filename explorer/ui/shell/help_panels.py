"""Help → Concepts (a dock with the course notes' formulas) and Help → Keyboard shortcuts."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from explorer.core.concepts import Concept, find_concepts

__all__ = ["ConceptsPanel", "ShortcutsDialog", "concepts_html", "shortcut_rows"]


def concepts_html(concepts: tuple[Concept, ...]) -> str:
    """The concepts as HTML: a heading, the explanation, the formula and the worked example.

    Sizes are relative (no point sizes), so the text follows the UI scale.
    """
    if not concepts:
        return "<p><i>No concept matches. Try “padding”, “stride”, “pooling” or “parameters”.</i></p>"
    parts = []
    for concept in concepts:
        parts.append(f"<h3>{html.escape(concept.title)}</h3><p>{html.escape(concept.text)}</p>")
        if concept.formula:
            parts.append(f"<p style='margin-left:12px'><code>{html.escape(concept.formula)}</code></p>")
        if concept.example:
            parts.append(f"<p style='margin-left:12px'><i>Example:</i> {html.escape(concept.example)}</p>")
    return "".join(parts)


class ConceptsPanel(QDockWidget):
    """A dockable panel: a search box and the concepts that match it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Concepts", parent)
        self.setObjectName("conceptsDock")  # saveState() needs a name to restore the dock
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a concept (e.g. stride, parameters)")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Type words to show only the concepts that mention all of them.")
        self.search.setAccessibleName("Find a concept")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setToolTip("The ideas of the course notes, each with its formula and a worked example "
                                "computed the way the app computes its own numbers.")
        self.browser.setAccessibleName("Concepts and formulas")
        layout.addWidget(self.search)
        layout.addWidget(self.browser, 1)
        self.setWidget(body)
        self.search.textChanged.connect(self._show)
        self._show("")

    def _show(self, query: str) -> None:
        self.browser.setHtml(concepts_html(find_concepts(query)))

    def show_concept(self, query: str) -> None:
        """Show the panel filtered to `query`."""
        self.search.setText(query)
        self.show()
        self.raise_()


def shortcut_rows(root: QWidget) -> list[tuple[str, str, str]]:
    """(keys, command, where) for every action with a shortcut under `root`, sorted by place then command."""
    rows = set()
    for action in root.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()
        if keys and text:
            rows.add((", ".join(keys), text, _where(action)))
    return sorted(rows, key=lambda row: (row[2] != "Everywhere", row[2], row[1]))


def _where(action: QAction) -> str:
    context = action.shortcutContext()
    if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return "Everywhere"
    owner = action.parent()
    return getattr(owner, "shortcut_place", None) or owner.accessibleName() or type(owner).__name__


class ShortcutsDialog(QDialog):
    """A table of every keyboard shortcut, read from the window's actions (so it is never out of date)."""

    def __init__(self, root: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(root)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Command", "Where"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setToolTip("Every keyboard shortcut of the window and where it works.")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 480)
