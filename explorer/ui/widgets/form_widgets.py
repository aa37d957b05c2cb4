"""Small form controls that always carry a tooltip and an accessible name."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from explorer.ui.widgets.help_text import describe


def spin_box(low, high, value, tip: str, name: str, *, decimals: int | None = None,
             step: float | None = None) -> QSpinBox | QDoubleSpinBox:
    """A QSpinBox, or a QDoubleSpinBox when `decimals` is given."""
    spin = QDoubleSpinBox() if decimals is not None else QSpinBox()
    if decimals is not None:
        spin.setDecimals(decimals)
    spin.setRange(low, high)
    if step is not None:
        spin.setSingleStep(step)
    spin.setValue(value)
    describe(spin, name, tip)
    return spin


def combo_box(items, tip: str, name: str) -> QComboBox:
    """A QComboBox of `items`: texts, or (text, data) pairs."""
    combo = QComboBox()
    for item in items:
        text, data = item if isinstance(item, tuple) else (item, None)
        combo.addItem(text, data)
    describe(combo, name, tip)
    return combo
