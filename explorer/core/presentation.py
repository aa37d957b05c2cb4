"""Names of the presentation settings, free of Qt so the command line can offer them."""

from __future__ import annotations

__all__ = ["DEFAULT_SCALE", "SCALES", "THEMES"]

#: Window colour themes: name -> menu text.
THEMES: dict[str, str] = {"light": "Light", "dark": "Dark"}

#: UI scales in percent, for reading from the back of a classroom.
SCALES: tuple[int, ...] = (100, 125, 150, 175, 200)
DEFAULT_SCALE = 100
