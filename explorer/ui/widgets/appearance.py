"""Presentation settings that apply to the whole application: theme, UI scale and colour maps.

* Themes: Qt's Fusion style with a light or a dark palette (Fusion looks the
  same on every OS, so a lesson looks the same on the teacher's laptop and
  the classroom PC).
* UI scale: the application font is set to the base size × scale; widgets
  that size their own text do so relative to the application font and
  update on ``QEvent.ApplicationFontChange``.
* Colour maps: :func:`colour_scheme` is the scheme every view draws with;
  :data:`signals`.colour_scheme_changed tells views to redraw.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from explorer.core.presentation import SCALES, THEMES
from explorer.core.render.colour_maps import DEFAULT_SCHEME, ColourScheme, scheme

__all__ = ["apply_scale", "apply_theme", "colour_scheme", "set_colour_scheme", "signals"]

_state = {"base_font": None, "scheme": DEFAULT_SCHEME}


class _Signals(QObject):
    colour_scheme_changed = Signal(str)


#: Emits ``colour_scheme_changed(name)`` after :func:`set_colour_scheme`.
signals = _Signals()


# ------------------------------------------------------------------ themes
def apply_theme(name: str, app: QApplication | None = None) -> None:
    """Give the application the light or dark palette (ValueError for another name)."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}")
    app = app or QApplication.instance()
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(_dark_palette() if name == "dark" else app.style().standardPalette())


def _dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#2b2d31", roles.WindowText: "#e8e8e8", roles.Base: "#1e1f22",
        roles.AlternateBase: "#2f3136", roles.ToolTipBase: "#3a3d42", roles.ToolTipText: "#f0f0f0",
        roles.PlaceholderText: "#9a9a9a", roles.Text: "#e8e8e8", roles.Button: "#36393f",
        roles.ButtonText: "#e8e8e8", roles.BrightText: "#ff6b6b", roles.Link: "#7ab7ff",
        roles.Highlight: "#3d7bd9", roles.HighlightedText: "#ffffff", roles.Light: "#4a4d53",
        roles.Midlight: "#3f4248", roles.Mid: "#2e3035", roles.Dark: "#1b1c1f", roles.Shadow: "#000000",
    }
    for role, code in colours.items():
        palette.setColor(role, QColor(code))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(disabled, role, QColor("#7a7a7a"))
    return palette


# ------------------------------------------------------------------ scale
def apply_scale(percent: int, app: QApplication | None = None) -> QFont:
    """Set the application font to the base size × `percent` / 100 and return it.

    The base is the application font the first time this is called, so going
    back to 100 % restores exactly the original font.
    """
    if percent not in SCALES:
        raise ValueError(f"the UI scale must be one of {', '.join(map(str, SCALES))} %, got {percent!r}")
    app = app or QApplication.instance()
    if _state["base_font"] is None:
        _state["base_font"] = QFont(app.font())
    font = QFont(_state["base_font"])
    base = font.pointSizeF()
    if base > 0:
        font.setPointSizeF(base * percent / 100)
    else:  # a pixel-sized font
        font.setPixelSize(round(font.pixelSize() * percent / 100))
    app.setFont(font)
    return font


# ------------------------------------------------------------------ colour maps
def colour_scheme() -> ColourScheme:
    """The colour scheme every view draws with."""
    return scheme(_state["scheme"])


def set_colour_scheme(name: str) -> None:
    """Switch every view to scheme `name` (ValueError for an unknown name)."""
    scheme(name)  # validates
    if name != _state["scheme"]:
        _state["scheme"] = name
        signals.colour_scheme_changed.emit(name)
