"""The kernel editor's controls, built and described but not connected.

Each factory returns one configured control (range, tooltip, accessible
name); the editor connects them and lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QMenu, QSizePolicy, QSpinBox, QToolButton, QWidget

from explorer.core.lab import kernels
from explorer.core.lab.kernels import MAX_KERNEL_SIZE

__all__ = ["BIAS_RANGE", "TOOLS", "bank_label", "bias_spin", "make_action", "message_label", "preset_button", "preset_menu",
           "size_spin", "tool_action", "tool_button"]

#: Range of the bias spin box.
BIAS_RANGE = (-100.0, 100.0)

#: The editor's tools: (button text, tooltip, shortcut or None) by name.
TOOLS = {
    "normalise": ("Normalise", "Divide by the sum so the weights add up to 1: the filter keeps the image's "
                  "brightness", "Ctrl+Shift+N"),
    "random": ("Random", "Fill with random values (standard normal), like the untrained weights of a Conv2D layer",
               "Ctrl+Shift+R"),
    "flip_h": ("Flip ↔", "Mirror left–right: a detector for one direction becomes one for the opposite direction",
               "Ctrl+Shift+H"),
    "flip_v": ("Flip ↕", "Mirror top–bottom: a detector for one direction becomes one for the opposite direction",
               "Ctrl+Shift+V"),
    "rotate": ("Rotate ⟲", "Turn 90° anticlockwise: a vertical-edge detector becomes a horizontal-edge detector",
               "Ctrl+R"),
    "clear": ("Clear", "Set every weight to 0: the feature map goes flat (only the bias remains)",
              "Ctrl+Shift+Backspace"),
    "add_kernel": ("Add", "Add a kernel (an identity: a 1 in the centre); each kernel gives one more feature map",
                   None),
    "duplicate_kernel": ("Duplicate", "Add a copy of the selected kernel (and its bias) right after it", None),
    "remove_kernel": ("Remove", "Remove the selected kernel; a bank keeps at least one", None),
}


def make_action(owner: QWidget, text: str, tip: str, slot: Callable[[], None],
                shortcut: str | Sequence[str] | None = None) -> QAction:
    """An action of `owner` that calls `slot`; its keys work only while the focus is inside `owner`.

    Parameters
    ----------
    owner : QWidget
        The widget the action (and its shortcut) belongs to.
    text, tip : str
        The button text and the tooltip (the first shortcut is added to it).
    slot : callable
        Called when the action is triggered.
    shortcut : str or sequence of str, optional
        Key sequences such as "Ctrl+Z".
    """
    action = QAction(text, owner)
    if shortcut:
        keys = [shortcut] if isinstance(shortcut, str) else list(shortcut)
        action.setShortcuts([QKeySequence(k) for k in keys])
        tip = f"{tip} ({QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText)})"
        # Only while the editor has focus: other panels keep their own keys.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        owner.addAction(action)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action


def tool_action(owner: QWidget, name: str, slot: Callable[[], None]) -> QAction:
    """The action of tool `name` (a key of TOOLS) of `owner`, calling `slot`."""
    text, tip, shortcut = TOOLS[name]
    return make_action(owner, text, tip, slot, shortcut)


def tool_button(action: QAction, accessible: str) -> QToolButton:
    """A text button for `action` that shares the width of its row."""
    button = QToolButton()
    button.setDefaultAction(action)
    button.setAccessibleName(accessible)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button


def preset_menu(owner: QWidget, apply: Callable[[str], None]) -> tuple[QMenu, dict[str, QAction]]:
    """The menu of kernel presets, one action per preset (calling ``apply(name)``), and those actions by name."""
    menu = QMenu(owner)
    menu.setToolTipsVisible(True)
    actions: dict[str, QAction] = {}
    for name, description in kernels.DESCRIPTIONS.items():
        h, w = kernels.PRESETS[name].shape
        action = menu.addAction(f"{name}  ({h}×{w})")
        action.setToolTip(description)
        action.setStatusTip(description)
        action.triggered.connect(lambda _checked=False, n=name: apply(n))
        actions[name] = action
    return menu, actions


def preset_button(menu: QMenu) -> QToolButton:
    """The "Presets" button that opens `menu`."""
    button = QToolButton()
    button.setText("Presets")  # InstantPopup draws its own arrow
    button.setMenu(menu)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setToolTip("Replace the selected kernel by a classic one (identity, edges, sharpen, blur…)")
    button.setAccessibleName("Kernel presets")
    return button


def size_spin(accessible: str, side: str) -> QSpinBox:
    """A spin box for the kernels' height or width (1 to MAX_KERNEL_SIZE); `side` names it in the tooltip."""
    spin = QSpinBox()
    spin.setRange(1, MAX_KERNEL_SIZE)
    spin.setKeyboardTracking(False)  # typing "11" must not resize to 1 first
    spin.setAccessibleName(accessible)
    spin.setToolTip(f"Kernel size: the {side} of the window the kernel slides over the image, typically 3 or 5 "
                    f"(1–{MAX_KERNEL_SIZE}; odd sizes have a centre cell); every kernel of the bank is resized, "
                    "keeping its values centred.")
    return spin


def bias_spin() -> QDoubleSpinBox:
    """The spin box for the selected kernel's bias, over BIAS_RANGE."""
    spin = QDoubleSpinBox()
    spin.setRange(*BIAS_RANGE)
    spin.setDecimals(3)
    spin.setSingleStep(0.1)
    # Whole typed numbers only: "1.5" must not become the steps "1" and "1.5".
    spin.setKeyboardTracking(False)
    spin.setAccessibleName("Bias of the selected kernel")
    spin.setToolTip("Added to this kernel's feature map in conv-layer mode: "
                    "a Conv2D layer learns one bias per filter (image-filter mode ignores it)")
    return spin


def message_label() -> QLabel:
    """The label under the grid that says what the last edit did, or why it was refused."""
    label = QLabel()
    label.setObjectName("kernelEditorStatus")
    label.setWordWrap(True)
    label.setAccessibleName("Kernel editor messages")
    label.setToolTip("What the last edit did, or why it was refused")
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


def bank_label() -> QLabel:
    """The line above the bank list that names the bank as a Conv2D layer."""
    label = QLabel()
    label.setWordWrap(True)
    label.setObjectName("kernelEditorBankLabel")
    label.setAccessibleName("Filter bank summary")
    return label
