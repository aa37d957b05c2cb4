"""Shared fixtures for the window tests."""

from __future__ import annotations

import pytest

from explorer.ui.shell.main_window import MainWindow


@pytest.fixture
def open_window(qtbot):
    """A factory of real main windows (no TensorFlow import), shown on a part; all closed at teardown.

    ``open_window(part="kernel-lab", preferences=None, size=(1280, 800))``: with
    ``size=None`` the window keeps the size its preferences remember.
    """
    windows = []

    def make(part: str = "kernel-lab", preferences=None, size=(1280, 800)) -> MainWindow:
        win = MainWindow(auto_load_tf=False, preferences=preferences)
        qtbot.addWidget(win)
        if size is not None:
            win.resize(*size)
        win.show()
        win.select_part(part)
        assert win.wait_until_ready()
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
