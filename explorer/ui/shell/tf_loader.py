"""Import TensorFlow in a background thread so the window appears at once.

``import tensorflow`` takes about 4 s, four times the start-up budget, so the
main window starts a :class:`TfLoader` after its first paint. The import runs
in a :class:`TfLoadWorker` (a QObject moved to a QThread, as superqt's
``new_worker_qthread`` does) which reports ``finished(version)`` or
``errored(message)``; the GUI thread never blocks on it until shutdown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

__all__ = ["TfLoadWorker", "TfLoader", "import_tensorflow", "loaded_versions"]


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


class TfLoadWorker(QObject):
    """Run an importer once, in whatever thread this object lives in.

    Parameters
    ----------
    importer : callable, optional
        Function that performs the import and returns a version string;
        defaults to :func:`import_tensorflow`. Tests pass a fake.
    """

    started = Signal()
    finished = Signal(str)
    errored = Signal(str)

    def __init__(self, importer: Callable[[], str] | None = None) -> None:
        super().__init__()
        self._importer = importer or import_tensorflow

    @Slot()
    def run(self) -> None:
        """Import and emit ``finished(version)`` or ``errored(message)``."""
        self.started.emit()
        try:
            version = self._importer()
        except Exception as exc:  # any failure must reach the UI, not kill the thread
            self.errored.emit(_describe(exc))
        else:
            self.finished.emit(str(version))


class TfLoader(QObject):
    """Own the worker thread that imports TensorFlow.

    Signals ``finished(str version)`` and ``errored(str message)`` are
    re-emitted in the thread of this object (the GUI thread).

    Parameters
    ----------
    importer : callable, optional
        Passed to :class:`TfLoadWorker`.
    parent : QObject, optional
        Qt parent.
    """

    finished = Signal(str)
    errored = Signal(str)

    def __init__(self, importer: Callable[[], str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._importer = importer
        self._thread: QThread | None = None
        self._worker: TfLoadWorker | None = None

    def start(self) -> None:
        """Start the import in a new thread; does nothing if already started."""
        if self._thread is not None:
            return
        thread = QThread(self)
        thread.setObjectName("tf-loader")
        worker = TfLoadWorker(self._importer)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Signal-to-signal connections cross threads as queued calls.
        worker.finished.connect(self.finished)
        worker.errored.connect(self.errored)
        worker.finished.connect(thread.quit)
        worker.errored.connect(thread.quit)
        thread.finished.connect(worker.deleteLater)
        self._thread, self._worker = thread, worker
        thread.start()

    def is_started(self) -> bool:
        """Return True once :meth:`start` has been called."""
        return self._thread is not None

    def is_running(self) -> bool:
        """Return True while the import thread is running."""
        return self._thread is not None and self._thread.isRunning()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Ask the thread to quit and wait for it.

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
        if self._thread is None:
            return True
        self._thread.quit()
        if timeout_ms is None:
            return bool(self._thread.wait())
        return bool(self._thread.wait(timeout_ms))


def _describe(exc: BaseException) -> str:
    """One-line description of an import failure for the status bar."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
