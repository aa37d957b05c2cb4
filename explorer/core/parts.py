"""Names and titles of the app's four parts.

Free of Qt so the CLI can validate ``--part`` and lesson files can name a part without loading Qt.
"""

from __future__ import annotations

__all__ = ["PARTS", "PART_TITLES"]

#: Part names in tab order; used by ``MainWindow.select_part`` and ``--part``.
PARTS: tuple[str, ...] = ("kernel-lab", "training", "draw", "inside")

#: Human-readable title of each part (tab and menu text).
PART_TITLES: dict[str, str] = {
    "kernel-lab": "Kernel lab",
    "training": "Training",
    "draw": "Draw & classify",
    "inside": "Inside the network",
}
