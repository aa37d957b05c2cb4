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
from pytestqt.qtbot import QtBot  # noqa: E402

# Widgets a test registered with qtbot, by id: held until Qt deletes them (at the latest after the test).
_registered: dict = {}
_qtbot_add_widget = QtBot.addWidget


def _add_widget_and_hold(self, widget, *, before_close_func=None):
    """qtbot.addWidget, also holding the widget until the test's teardown has deleted it.

    pytest-qt keeps only a weak reference. A widget held by nothing but a
    test's local variable becomes garbage when the test function returns,
    with its C++ side still alive until teardown closes it; a collection in
    between (pytest-qt processes events there, and the UI-thread collector
    may run) clears the wrappers' attributes and then destroys the widget,
    whose destruction calls back into the cleared items (seen in CI as
    AttributeErrors from pyqtgraph's LabelItem.sizeHint).
    """
    key = id(widget)
    _registered[key] = widget
    # Released as soon as Qt deletes it (a dialog deleted on close, say): pytest-qt must then see it gone.
    widget.destroyed.connect(lambda *_: _registered.pop(key, None))
    _qtbot_add_widget(self, widget, before_close_func=before_close_func)


QtBot.addWidget = _add_widget_and_hold


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
        _registered.clear()
        return
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    from shiboken6 import Shiboken

    app = QApplication.instance()
    if app is not None:
        for widget in app.topLevelWidgets():
            if widget.parent() is None and Shiboken.createdByPython(widget):
                widget.close()
                widget.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    _registered.clear()  # deleted in C++ above: now only Python wrappers are left to free
