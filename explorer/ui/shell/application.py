"""Create (or reuse) the QApplication with the app's name, version and icon."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from explorer import __version__
from explorer.paths import resource_path

__all__ = ["create_application"]

# Worker threads (training, classifier, kernel lab) run Python between their TensorFlow
# calls. Each time the UI thread needs the GIL back it may wait a whole switch interval
# (5 ms by default), and painting pyqtgraph items re-enters Python many times: at 1 ms those
# waits no longer add up to visible stalls while a model trains.
UI_SWITCH_INTERVAL_S = 0.001


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """Return the running QApplication, creating and configuring it if needed.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments for Qt; defaults to just a program name, because the CLI
        has already parsed the real command line.

    Returns
    -------
    QApplication
        The application instance.
    """
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv else ["feature-map-explorer"])
        if QApplication.platformName() == "offscreen":
            _hide_offscreen_noise()
    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
    app.setApplicationName("Feature Map Explorer")
    app.setApplicationVersion(__version__)
    # Lets Wayland/X11 desktops match the window to feature-map-explorer.desktop.
    app.setDesktopFileName("feature-map-explorer")
    try:
        app.setWindowIcon(QIcon(str(resource_path("icon.svg"))))
    except FileNotFoundError:
        pass  # cosmetic only
    return app


# The offscreen platform warns once per window about a feature it lacks; the
# warning is harmless and would clutter every screenshot/benchmark run.
_OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints()",)


def _hide_offscreen_noise() -> None:
    previous = None

    def handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message in _OFFSCREEN_NOISE:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
