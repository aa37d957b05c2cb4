"""Opening the window: the command line without a subcommand.

Qt is imported inside :func:`run_gui`, so importing this module stays cheap.
"""

from __future__ import annotations

import argparse
import os

__all__ = ["STARTUP_PROBE_ENV", "run_gui"]

#: Set to 1 to print ``FME_WINDOW_SHOWN <time.time()>`` at the first paint and quit.
STARTUP_PROBE_ENV = "FME_STARTUP_PROBE"


def run_gui(args: argparse.Namespace | None = None) -> int:
    """Open the main window and run the Qt event loop.

    Parameters
    ----------
    args : argparse.Namespace, optional
        Parsed arguments: ``lesson`` names a lesson file to open.

    Returns
    -------
    int
        The event loop's exit status.
    """
    from explorer.ui.shell.application import create_application
    from explorer.ui.shell.main_window import MainWindow
    from explorer.ui.shell.preferences import Preferences

    app = create_application()
    probe = os.environ.get(STARTUP_PROBE_ENV) == "1"
    # The probe quits at the first paint; importing TensorFlow would only
    # make it wait for the import at exit.
    window = MainWindow(auto_load_tf=not probe, preferences=Preferences.for_user())
    lesson = getattr(args, "lesson", None)
    if lesson:
        # After the first paint: the window appears at once, and a bad lesson is explained in it.
        window.first_painted.connect(lambda: window.open_lesson(lesson))
    # Quitting without closing the window (e.g. a session logout) must still
    # wait for the loader thread.
    app.aboutToQuit.connect(window.shutdown)
    if probe:
        window.first_painted.connect(_report_window_shown)
    window.show()
    return app.exec()


def _report_window_shown() -> None:
    import time

    from PySide6.QtCore import QCoreApplication

    print(f"FME_WINDOW_SHOWN {time.time():.6f}", flush=True)
    QCoreApplication.quit()
