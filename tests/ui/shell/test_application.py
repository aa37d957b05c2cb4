"""The QApplication the app creates."""

from __future__ import annotations

import sys


def test_the_application_keeps_gil_waits_short(qtbot):
    """Worker threads running Python must not hold the UI thread off the GIL for 5 ms at a time."""
    from explorer.ui.shell.application import UI_SWITCH_INTERVAL_S, create_application

    previous = sys.getswitchinterval()
    try:
        create_application()
        assert sys.getswitchinterval() == UI_SWITCH_INTERVAL_S <= 0.001
    finally:
        sys.setswitchinterval(previous)
