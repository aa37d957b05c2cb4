"""Build your own Sequential model as text, checked as you type.

The left side is the text form of `explorer.core.model.layer_text` (one layer per
line); the right side shows the model summary with every output shape and
parameter count, or the line/layer that cannot work and why. OK stays
disabled until the stack is valid.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from explorer.core.model.layer_text import EXAMPLE, format_layers, parse_layers
from explorer.core.model.stack import check_stack
from explorer.core.model.summary import summary_html
from explorer.ui.widgets.help_text import describe, tip

HELP = ("One layer per line: <code>conv2d 32 3 relu</code>, <code>conv2d 64 3x3 same relu</code>, "
        "<code>maxpool 2</code>, <code>avgpool 2</code>, <code>dropout 0.5</code>, <code>flatten</code>, "
        "<code>gap</code> (global average pooling), <code>dense 64 relu</code>. The final "
        "<code>Dense(classes, softmax)</code> is added for you.")


def _monospace() -> QFont:
    """The system's fixed-width family only: the size follows the window's font (the UI scale)."""
    font = QFont()
    font.setFamilies(QFontDatabase.systemFont(QFontDatabase.FixedFont).families())
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class LayerEditorDialog(QDialog):
    """Edit a custom model's layers; `layers()` gives the LayerSpecs after OK."""

    def __init__(self, layers=(), input_shape=(28, 28, 1), num_classes: int = 10,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom model layers")
        self.resize(820, 480)
        self._input_shape, self._num_classes = tuple(input_shape), num_classes
        self._layers: tuple = tuple(layers)
        layout = QVBoxLayout(self)
        intro = QLabel(HELP)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.text = QPlainTextEdit(format_layers(layers) if layers else EXAMPLE)
        self.text.setFont(_monospace())
        describe(self.text, "Layers, one per line", tip("layer_text"))
        row.addWidget(self.text, 1)
        self.report = QLabel()
        self.report.setWordWrap(True)
        describe(self.report, "Model check", tip("layer_check"))
        scroll = QScrollArea()
        scroll.setWidget(self.report)
        scroll.setWidgetResizable(True)
        describe(scroll, "Model check", tip("layer_check"))  # a Tab stop: the keyboard scrolls the summary
        row.addWidget(scroll, 1)
        layout.addLayout(row, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        describe(self.buttons.button(QDialogButtonBox.Ok), "OK",
                 "Use these layers for the custom model (possible once the stack can be built).")
        describe(self.buttons.button(QDialogButtonBox.Cancel), "Cancel", "Close without changing the custom model.")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self, singleShot=True, interval=150)  # check after a pause in typing
        self._timer.timeout.connect(self.check)
        self.text.textChanged.connect(self._timer.start)
        self.check()

    def layers(self) -> tuple:
        return self._layers

    def check(self) -> bool:
        """Parse and check the text now; show the summary or the problem. True if valid."""
        try:
            specs = parse_layers(self.text.toPlainText())
            if not specs:
                raise ValueError("add at least one layer")
            check_stack(specs, self._input_shape, self._num_classes)
        except ValueError as exc:
            self.report.setText(f"<span style='color:#b00020'><b>Cannot build this model:</b> {exc}</span>")
            self.buttons.button(QDialogButtonBox.Ok).setEnabled(False)
            return False
        self._layers = specs
        self.report.setText(summary_html(name="custom", layers=specs, input_shape=self._input_shape,
                                          num_classes=self._num_classes))
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(True)
        return True
