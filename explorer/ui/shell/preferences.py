"""What the app remembers between runs: window layout, appearance, last choices, recent lessons.

Stored with QSettings in an INI file in the user's data folder (``FME_DATA_DIR``
overrides it, which keeps tests away from the real one). A window made
without preferences (tests, screenshots) gets :meth:`Preferences.in_memory`,
so it starts from the defaults and writes nothing.

Every value read back is checked: a hand-edited or damaged settings file
falls back to the defaults, never crashes the app.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from explorer.core.presentation import DEFAULT_SCALE, SCALES, THEMES
from explorer.core.render.colour_maps import COLOUR_SCHEMES, DEFAULT_SCHEME
from explorer.paths import user_data_dir

__all__ = ["MAX_RECENT", "Preferences"]

MAX_RECENT = 8


class Preferences:
    """Typed access to the remembered settings.

    Parameters
    ----------
    settings : QSettings or None
        Where to store them; None keeps them in memory for this run only.
    """

    def __init__(self, settings: QSettings | None) -> None:
        self._settings = settings
        self._memory: dict[str, object] = {}

    @classmethod
    def for_user(cls) -> Preferences:
        """The user's preferences file, ``settings.ini`` in the app's data folder."""
        path = user_data_dir() / "settings.ini"
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @classmethod
    def in_memory(cls) -> Preferences:
        """Preferences that start from the defaults and are forgotten at exit."""
        return cls(None)

    # ------------------------------------------------------------- storage
    def _get(self, key: str):
        if self._settings is None:
            return self._memory.get(key)
        return self._settings.value(key)

    def _set(self, key: str, value) -> None:
        if self._settings is None:
            self._memory[key] = value
        else:
            self._settings.setValue(key, value)

    def sync(self) -> None:
        """Write pending changes to disk (QSettings also does this by itself, later)."""
        if self._settings is not None:
            self._settings.sync()

    def _choice(self, key: str, allowed, default: str) -> str:
        value = self._get(key)
        return value if isinstance(value, str) and value in allowed else default

    # ------------------------------------------------------------- appearance
    @property
    def theme(self) -> str:
        """"light" or "dark"."""
        return self._choice("appearance/theme", THEMES, "light")

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("appearance/theme", value)

    @property
    def scale(self) -> int:
        """UI scale in percent, one of :data:`explorer.core.presentation.SCALES`."""
        try:
            value = int(self._get("appearance/scale"))
        except (TypeError, ValueError):
            return DEFAULT_SCALE
        return value if value in SCALES else DEFAULT_SCALE

    @scale.setter
    def scale(self, value: int) -> None:
        self._set("appearance/scale", int(value))

    @property
    def colour_scheme(self) -> str:
        """A name of :data:`explorer.core.render.colour_maps.COLOUR_SCHEMES`."""
        return self._choice("appearance/colour_scheme", COLOUR_SCHEMES, DEFAULT_SCHEME)

    @colour_scheme.setter
    def colour_scheme(self, value: str) -> None:
        self._set("appearance/colour_scheme", value)

    # ------------------------------------------------------------- window
    def window_geometry(self) -> QByteArray | None:
        """The window's saved geometry, or None."""
        return _bytes(self._get("window/geometry"))

    def window_state(self) -> QByteArray | None:
        """The saved state of the window's docks and toolbars, or None."""
        return _bytes(self._get("window/state"))

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the window's geometry and dock layout."""
        self._set("window/geometry", geometry)
        self._set("window/state", state)

    @property
    def part(self) -> str | None:
        """The part shown when the app last closed."""
        value = self._get("window/part")
        return value if isinstance(value, str) else None

    @part.setter
    def part(self, value: str) -> None:
        self._set("window/part", value)

    # ------------------------------------------------------------- last choices
    def training_json(self) -> dict | None:
        """The training settings last used, as lesson JSON (validated by the caller), or None."""
        text = self._get("choices/training")
        try:
            value = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set_training_json(self, value: dict) -> None:
        """Remember the training settings (lesson JSON)."""
        self._set("choices/training", json.dumps(value))

    @property
    def last_folder(self) -> str:
        """The folder of the last lesson opened or saved (empty: none yet)."""
        value = self._get("paths/last_folder")
        return value if isinstance(value, str) else ""

    @last_folder.setter
    def last_folder(self, value: str) -> None:
        self._set("paths/last_folder", value)

    # ------------------------------------------------------------- recent lessons
    def recent_lessons(self) -> list[str]:
        """Recently opened or saved lessons, newest first (at most :data:`MAX_RECENT`)."""
        value = self._get("recent/lessons")
        if isinstance(value, str):  # QSettings returns a one-item list as a plain string
            value = [value]
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, str) and item][:MAX_RECENT]

    def add_recent_lesson(self, path: str | Path) -> list[str]:
        """Put `path` first in the recent list; return the new list."""
        entry = str(Path(path).absolute())
        recent = [entry] + [p for p in self.recent_lessons() if p != entry]
        self._set("recent/lessons", recent[:MAX_RECENT])
        return recent[:MAX_RECENT]

    def remove_recent_lesson(self, path: str | Path) -> list[str]:
        """Forget `path` (e.g. it no longer exists); return the new list."""
        entry = str(Path(path).absolute())
        recent = [p for p in self.recent_lessons() if p != entry]
        self._set("recent/lessons", recent)
        return recent

    def clear_recent_lessons(self) -> None:
        """Forget every recent lesson."""
        self._set("recent/lessons", [])


def _bytes(value) -> QByteArray | None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, (bytes, bytearray)) and value:
        return QByteArray(bytes(value))
    return None
