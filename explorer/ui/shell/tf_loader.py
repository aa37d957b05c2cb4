"""Import TensorFlow in a background thread so the window appears at once.

``import tensorflow`` takes 2.5-4 s, several times the start-up budget, so the
main window starts a :class:`TfLoader` after its first paint. The import runs
on the loader's worker thread (the app's one worker mechanism,
:class:`~explorer.ui.services.workers.MailboxWorker`), which reports
``finished(version)`` or ``errored(message)``; the GUI thread never blocks on
it until shutdown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from explorer.ui.services.workers import MailboxWorker

__all__ = ["TfLoader", "import_tensorflow", "loaded_versions"]


def import_tensorflow() -> str:
    """Import TensorFlow (and with it Keras) and return its version.

    Returns
    -------
    str
        ``tensorflow.__version__``.
    """
    from explorer.core import tf_backend

    version = str(tf_backend.load().__version__)
    tf_backend.warm_up()  # here, in the background, rather than at the user's first Start
    return version


def loaded_versions() -> dict[str, str | None]:
    """Return the TensorFlow and Keras versions if they are already imported.

    Never imports anything, so it is safe to call from the GUI thread.

    Returns
    -------
    dict
        ``{"tensorflow": str | None, "keras": str | None}``; ``None`` means the
        module is not (fully) imported yet.
    """
    versions: dict[str, str | None] = {}
    for name in ("tensorflow", "keras"):
        module = sys.modules.get(name)
        # A module is in sys.modules while it is still being imported; the
        # version attribute is only reliable once the import has completed.
        version = getattr(module, "__version__", None) if module is not None else None
        versions[name] = str(version) if version is not None else None
    return versions


class TfLoader(QObject):
    """Import TensorFlow on a worker thread, once.

    Signals ``finished(str version)`` and ``errored(str message)`` arrive in
    the thread of this object (the GUI thread).

    Parameters
    ----------
    importer : callable, optional
        Performs the import and returns a version string; defaults to
        :func:`import_tensorflow`. Tests pass a fake.
    parent : QObject, optional
        Qt parent.
    """

    finished = Signal(str)
    errored = Signal(str)

    def __init__(self, importer: Callable[[], str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._importer = importer or import_tensorflow
        self._worker: MailboxWorker | None = None  # made at start: no thread before the first paint

    def start(self) -> None:
        """Start the import on its own thread; does nothing if already started."""
        if self._worker is not None:
            return
        self._worker = MailboxWorker("tf-loader", self._import, parent=self)
        self._worker.submit(self._importer)

    def _import(self, importer: Callable[[], str]) -> None:  # on the worker thread
        try:
            version = importer()
        except Exception as exc:  # any failure must reach the UI, not kill the thread
            self.errored.emit(_describe(exc))
        else:
            self.finished.emit(str(version))

    def is_started(self) -> bool:
        """Return True once :meth:`start` has been called."""
        return self._worker is not None

    def is_running(self) -> bool:
        """Return True while the import runs."""
        return self._worker is not None and self._worker.is_busy()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Wait for the import to end, then stop the thread.

        An import cannot be interrupted, so this blocks until it completes
        (or ``timeout_ms`` passes). Waiting is what keeps Qt from aborting
        with "QThread: Destroyed while thread is still running".

        Parameters
        ----------
        timeout_ms : int, optional
            Maximum wait in milliseconds; ``None`` waits as long as needed.

        Returns
        -------
        bool
            True if the thread is not running any more.
        """
        if self._worker is None:
            return True
        return self._worker.shutdown(timeout_ms)


def _describe(exc: BaseException) -> str:
    """One-line description of an import failure for the status bar."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
