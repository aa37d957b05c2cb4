"""The main window's menus: File, Edit, View (parts and presentation) and Help.

The menus only call the window's public methods and keep the actions whose
check marks the window updates (parts, text size, theme, colour maps).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from explorer.core.parts import PART_TITLES, PARTS
from explorer.core.presentation import DEFAULT_SCALE, SCALES, THEMES
from explorer.core.render.colour_maps import COLOUR_SCHEMES

__all__ = ["build_menus", "fill_recent_menu", "qt_title"]


def build_menus(window) -> None:
    """Give `window` its File, Edit, View and Help menus; the actions call the window's public methods."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    lab = window.kernel_lab
    _add_action(
        window,
        file_menu,
        "&Open image…",
        QKeySequence.StandardKey.Open,
        "Open an image for the kernel lab",
        lambda: window.in_lab(lab.source.open_dialog),
    )
    file_menu.addSeparator()
    _add_action(
        window,
        file_menu,
        "Open &lesson…",
        QKeySequence("Ctrl+Shift+O"),
        "Open a lesson: image, kernels, settings, part and trained model",
        window.open_lesson_dialog,
    )
    window.recent_menu = file_menu.addMenu("Open &recent lesson")
    _add_action(
        window,
        file_menu,
        "&Save lesson",
        QKeySequence.StandardKey.Save,
        "Save the lesson (and the trained model beside it)",
        window.save_lesson,
    )
    _add_action(
        window,
        file_menu,
        "Save lesson &as…",
        QKeySequence("Ctrl+Shift+S"),
        "Save the lesson under a new name",
        window.save_lesson_dialog,
    )
    window.lessons.recent_changed.connect(lambda recent: fill_recent_menu(window, recent))
    fill_recent_menu(window, window.preferences.recent_lessons())
    file_menu.addSeparator()
    _add_action(
        window,
        file_menu,
        "Export feature maps as &PNG…",
        None,
        "Save the feature maps as one PNG grid",
        window.export_png_dialog,
    )
    _add_action(
        window,
        file_menu,
        "Export feature maps as &NumPy…",
        None,
        "Save the raw feature-map values as a .npy file",
        window.export_npy_dialog,
    )
    file_menu.addSeparator()
    quit_action = QAction("&Quit", window)
    # Not StandardKey.Quit: it is empty on Windows.
    quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    quit_action.setStatusTip("Quit Feature Map Explorer")
    quit_action.triggered.connect(window.close)
    file_menu.addAction(quit_action)

    edit_menu = bar.addMenu("&Edit")
    _add_action(
        window,
        edit_menu,
        "&Paste image",
        QKeySequence.StandardKey.Paste,
        "Use the image on the clipboard in the kernel lab",
        lambda: window.in_lab(lab.source.paste),
    )
    _add_action(
        window,
        edit_menu,
        "&Copy view",
        QKeySequence("Ctrl+Shift+C"),
        "Copy the kernel lab as shown to the clipboard",
        lambda: window.in_lab(lab.copy_view),
    )

    view_menu = bar.addMenu("&View")
    window.part_actions: dict[str, QAction] = {}
    group = QActionGroup(window)
    group.setExclusive(True)
    for number, name in enumerate(PARTS, start=1):
        action = QAction(qt_title(name), window, checkable=True)
        action.setShortcut(QKeySequence(f"Ctrl+{number}"))
        action.triggered.connect(lambda _checked=False, n=name: window.select_part(n))
        group.addAction(action)
        view_menu.addAction(action)
        window.part_actions[name] = action
    window.part_actions[PARTS[0]].setChecked(True)
    view_menu.addSeparator()
    _build_presentation_menu(window, view_menu)

    help_menu = bar.addMenu("&Help")
    _add_action(
        window,
        help_menu,
        "&Concepts",
        QKeySequence(Qt.Key.Key_F1),
        "Show the course notes' concepts and formulas",
        window.show_concepts,
    )
    _add_action(
        window,
        help_menu,
        "&Keyboard shortcuts",
        QKeySequence("Ctrl+/"),
        "List every keyboard shortcut",
        window.show_shortcuts,
    )
    help_menu.addSeparator()
    about_action = QAction("&About…", window)
    about_action.setMenuRole(QAction.MenuRole.AboutRole)
    about_action.triggered.connect(window.show_about)
    help_menu.addAction(about_action)


def _build_presentation_menu(window, view_menu) -> None:
    """Full screen, text size, theme and colour maps: what a teacher sets before class."""
    window.full_screen_action = _add_action(
        window,
        view_menu,
        "&Full screen",
        QKeySequence(Qt.Key.Key_F11),
        "Fill the screen (F11 again to leave)",
        window.toggle_full_screen,
    )
    window.full_screen_action.setCheckable(True)
    window.scale_actions = _choice_menu(
        window,
        view_menu.addMenu("&Text size"),
        {p: f"{p} %" for p in SCALES},
        window.set_ui_scale,
        "Make all text larger so it can be read from the back of the room",
    )
    _add_action(
        window,
        view_menu,
        "&Larger text",
        QKeySequence.StandardKey.ZoomIn,
        "Next larger text size",
        lambda: window.step_scale(+1),
    )
    _add_action(
        window,
        view_menu,
        "&Smaller text",
        QKeySequence.StandardKey.ZoomOut,
        "Next smaller text size",
        lambda: window.step_scale(-1),
    )
    _add_action(
        window,
        view_menu,
        "&Normal text size",
        QKeySequence("Ctrl+0"),
        "Text at 100 %",
        lambda: window.set_ui_scale(DEFAULT_SCALE),
    )
    window.theme_actions = _choice_menu(
        window, view_menu.addMenu("T&heme"), THEMES, window.set_theme, "Light or dark window colours"
    )
    window.scheme_actions = _choice_menu(
        window,
        view_menu.addMenu("&Colour maps"),
        {n: s.title for n, s in COLOUR_SCHEMES.items()},
        window.set_colour_scheme,
        "The colours of feature maps, kernels and activations",
    )
    view_menu.addSeparator()
    concepts_action = window.concepts.toggleViewAction()
    concepts_action.setText("Concepts &panel")
    view_menu.addAction(concepts_action)


def _choice_menu(window, menu, choices: Mapping, slot, tip: str) -> dict:
    """One checkable action per choice, exclusive; returns {choice: action}."""
    group = QActionGroup(window)
    actions = {}
    for value, text in choices.items():
        action = QAction(text, window, checkable=True)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, v=value: slot(v))
        group.addAction(action)
        menu.addAction(action)
        actions[value] = action
    return actions


def _add_action(window, menu, text: str, shortcut, tip: str, slot) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    return action


def fill_recent_menu(window, recent: list) -> None:
    """List the recent lessons in the File menu, newest first, with a way to clear the list."""
    window.recent_menu.clear()
    for number, path in enumerate(recent, start=1):
        name = Path(path).name.replace("&", "&&")  # a literal "&" in a file name, not a mnemonic
        action = window.recent_menu.addAction(f"&{number} {name}" if number <= 9 else name)
        action.setStatusTip(path)
        action.triggered.connect(lambda _checked=False, p=path: window.open_lesson(p))
    if recent:
        window.recent_menu.addSeparator()
        clear = window.recent_menu.addAction("Clear the list")
        clear.triggered.connect(lambda: _clear_recent(window))
    window.recent_menu.setEnabled(bool(recent))


def _clear_recent(window) -> None:
    """Forget the recent lessons."""
    window.preferences.clear_recent_lessons()
    fill_recent_menu(window, [])


def qt_title(name: str) -> str:
    """A part's title for a tab or menu: Qt reads "&" as a mnemonic marker, "&&" is a literal "&"."""
    return PART_TITLES[name].replace("&", "&&")
