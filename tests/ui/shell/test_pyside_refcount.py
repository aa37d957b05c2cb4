"""Guard against PySide6 builds that leak references to None (6.12.0 on Python < 3.12).

Such a build drops a reference to None on every Qt call that returns nothing;
on Python 3.10/3.11 the interpreter aborts ("none_dealloc") after a few
thousand calls, i.e. minutes into a real session. pyproject.toml pins PySide6
accordingly; this test fails if an install ever brings such a build back.
"""

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    label.setText("warm-up")
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("a")
    assert abs(sys.getrefcount(None) - before) < 100
