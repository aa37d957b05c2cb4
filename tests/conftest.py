"""Shared test set-up.

Qt must not need a display: the offscreen platform is selected here, before
pytest-qt or any test module imports Qt.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Checkpoints and class drawings go to a throw-away folder, never the user's data folder.
import tempfile  # noqa: E402

os.environ.setdefault("FME_DATA_DIR", tempfile.mkdtemp(prefix="fme-test-data-"))

import sys  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _delete_test_windows():
    """After each test, delete its windows in C++, so that no later garbage collection meets them alive.

    pytest-qt closes the widgets a test registered and calls ``deleteLater``,
    which only takes effect in some later event loop. Until then a window whose
    Python wrappers form a cycle is garbage with its C++ side alive: a
    collection clears the wrappers' attributes, then destroys the window, and
    the Leave or FontChange events of that destruction reach event filters
    whose attributes are gone (seen in CI as AttributeErrors in a later test).
    """
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    from shiboken6 import Shiboken

    app = QApplication.instance()
    if app is None:
        return
    for widget in app.topLevelWidgets():
        if widget.parent() is None and Shiboken.createdByPython(widget):
            widget.close()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
