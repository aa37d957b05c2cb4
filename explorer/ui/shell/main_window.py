"""The main window: three parts in tabs, menus, and a status bar.

Start-up speed is a hard requirement (window visible within 1 s), so this
module imports neither TensorFlow nor pyqtgraph. TensorFlow is imported by a
:class:`~explorer.ui.shell.tf_loader.TfLoader` started after the first paint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QIcon, QPaintEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from explorer.core.lesson import LESSON_SUFFIX, training_from_json, training_to_json
from explorer.core.parts import PART_TITLES, PARTS
from explorer.core.presentation import SCALES
from explorer.paths import resource_path
from explorer.ui.draw.draw_panel import DrawPanel
from explorer.ui.kernel_lab.kernel_lab import KernelLab
from explorer.ui.services.gc_policy import collect_on_ui_thread
from explorer.ui.services.inference import InferenceService
from explorer.ui.shell.about import APP_NAME, build_about_text, runtime_versions
from explorer.ui.shell.help_panels import ConceptsPanel, ShortcutsDialog
from explorer.ui.shell.lessons import LESSON_FILTER, LessonFiles
from explorer.ui.shell.menus import build_menus, qt_title
from explorer.ui.shell.preferences import Preferences
from explorer.ui.shell.tf_loader import TfLoader, import_tensorflow
from explorer.ui.training.training_studio import TrainingStudio
from explorer.ui.widgets.appearance import apply_scale, apply_theme, set_colour_scheme

__all__ = ["APP_NAME", "LOADING_TEXT", "PARTS", "PART_TITLES", "MainWindow"]

LOADING_TEXT = "Loading TensorFlow…"


class MainWindow(QMainWindow):
    """Top-level window holding the kernel lab, training studio and drawing pad.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent.
    auto_load_tf : bool, optional
        Start importing TensorFlow in the background after the first paint
        (default True). Tests and screenshots turn it off.
    tf_importer : callable, optional
        Function run by the loader thread; returns a version string.

    Attributes
    ----------
    kernel_lab, training, draw : QWidget
        The three parts; built by ``_create_*`` methods so later work can
        replace them.
    tabs : QTabWidget
        Holds the parts in the order of :data:`PARTS`.
    tf_status : QLabel
        Status-bar label describing the TensorFlow import.
    """

    #: Emitted once, just after the window has been painted for the first time.
    first_painted = Signal()
    #: Emitted with the TensorFlow version once it is importable.
    tensorflow_ready = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        auto_load_tf: bool = True,
        tf_importer: Callable[[], str] | None = None,
        preferences: Preferences | None = None,
    ) -> None:
        super().__init__(parent)
        collect_on_ui_thread()  # the worker threads must never finalize a widget
        self.preferences = preferences or Preferences.in_memory()
        self._auto_load_tf = auto_load_tf
        self._painted = False
        self._shut_down = False
        self._tf_version: str | None = None
        self._tf_error: str | None = None
        self._lesson_path: str | None = None
        self._tf_loader = TfLoader(tf_importer or import_tensorflow, self)
        self._tf_loader.finished.connect(self._on_tf_finished)
        self._tf_loader.errored.connect(self._on_tf_errored)

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(_app_icon())
        self.resize(1280, 800)
        self._build_tabs()
        self.lessons = LessonFiles(self, self.preferences)
        self.concepts = ConceptsPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.concepts)
        self.concepts.hide()
        build_menus(self)
        self.lessons.lesson_changed.connect(self._on_lesson_changed)
        self._build_status_bar()
        self._restore_preferences()

    # ----------------------------------------------------------------- parts
    def _create_kernel_lab(self) -> QWidget:
        return KernelLab()

    def _create_training(self) -> QWidget:
        return TrainingStudio(inference=self.inference)

    def _create_draw(self) -> QWidget:
        return DrawPanel(inference=self.inference)

    def _connect_parts(self) -> None:
        """The parts share one model: training snapshots feed the drawing pad's classifier."""
        self.training.snapshot_ready.connect(self.inference.set_snapshot, Qt.ConnectionType.DirectConnection)
        self.training.replayed.connect(self.inference.set_snapshot)  # the pad follows the run's timeline too
        self.draw.quick_train_requested.connect(self.training.quick_train)
        self.draw.drawing_ready.connect(self.training.use_drawing_as_probe)

    def _build_tabs(self) -> None:
        self.inference = InferenceService(self)  # the app's classifier thread (no TensorFlow until used)
        self.kernel_lab = self._create_kernel_lab()
        self.training = self._create_training()
        self.draw = self._create_draw()
        self._connect_parts()
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for name, widget in zip(PARTS, self._part_widgets()):
            self.tabs.addTab(widget, qt_title(name))
        self.tabs.currentChanged.connect(self._on_current_changed)
        self.setCentralWidget(self.tabs)

    def _part_widgets(self) -> tuple[QWidget, QWidget, QWidget]:
        return (self.kernel_lab, self.training, self.draw)

    def replace_part(self, name: str, widget: QWidget) -> None:
        """Swap the widget of part ``name`` for ``widget``, keeping its tab.

        Parameters
        ----------
        name : str
            One of :data:`PARTS`.
        widget : QWidget
            The new panel; the window takes ownership.
        """
        index = _part_index(name)
        old = self._part_widgets()[index]
        current = self.tabs.currentIndex()
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, qt_title(name))
        self.tabs.setCurrentIndex(current)
        setattr(self, _PART_ATTRS[name], widget)
        old.deleteLater()

    def select_part(self, name: str) -> None:
        """Show the tab of part ``name``.

        Parameters
        ----------
        name : str
            One of :data:`PARTS` (``"kernel-lab"``, ``"training"``, ``"draw"``).

        Raises
        ------
        ValueError
            If ``name`` is not a known part.
        """
        self.tabs.setCurrentIndex(_part_index(name))

    def current_part(self) -> str:
        """Return the name of the part that is shown."""
        return PARTS[self.tabs.currentIndex()]

    # ----------------------------------------------------------------- menus
    def in_lab(self, action) -> None:
        """Switch to the kernel lab (building it if needed), then call `action`."""
        self.select_part("kernel-lab")
        self.kernel_lab.build()
        action()

    def export_png_dialog(self) -> None:
        """Ask where, then save the kernel lab's feature maps as one PNG grid."""
        self._export("PNG image (*.png)", ".png", self.kernel_lab.export_png)

    def export_npy_dialog(self) -> None:
        """Ask where, then save the kernel lab's raw feature-map values as .npy."""
        self._export("NumPy array (*.npy)", ".npy", self.kernel_lab.export_npy)

    def _export(self, file_filter: str, suffix: str, save) -> None:
        self.in_lab(lambda: None)
        path, _ = QFileDialog.getSaveFileName(self, "Export feature maps", f"feature-maps{suffix}", file_filter)
        if not path:
            return
        try:
            written = save(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not export the feature maps: {exc}")
            return
        self.statusBar().showMessage(f"Saved {written}", 5000)

    # ----------------------------------------------------------- presentation
    def set_ui_scale(self, percent: int) -> None:
        """Scale every text of the app to `percent` % (one of SCALES) and remember it."""
        apply_scale(percent)
        self.scale_actions[percent].setChecked(True)
        self.preferences.scale = percent

    def ui_scale(self) -> int:
        """The current UI scale in percent."""
        return next(p for p, action in self.scale_actions.items() if action.isChecked())

    def step_scale(self, step: int) -> None:
        """Move `step` sizes up (+1) or down (-1) the text sizes, stopping at either end."""
        index = SCALES.index(self.ui_scale()) + step
        self.set_ui_scale(SCALES[min(max(index, 0), len(SCALES) - 1)])

    def set_theme(self, name: str) -> None:
        """Switch to the "light" or "dark" theme and remember it."""
        apply_theme(name)
        self.theme_actions[name].setChecked(True)
        self.preferences.theme = name

    def theme(self) -> str:
        """The current theme name."""
        return next(n for n, action in self.theme_actions.items() if action.isChecked())

    def set_colour_scheme(self, name: str) -> None:
        """Draw every map with colour scheme `name` and remember it."""
        set_colour_scheme(name)
        self.scheme_actions[name].setChecked(True)
        self.preferences.colour_scheme = name

    def toggle_full_screen(self) -> None:
        """Enter or leave full screen (F11)."""
        if self.isFullScreen():
            self.showMaximized() if self._was_maximized else self.showNormal()
        else:
            self._was_maximized = self.isMaximized()
            self.showFullScreen()
        self.full_screen_action.setChecked(self.isFullScreen())

    def show_concepts(self, query: str = "") -> None:
        """Show the Concepts panel, filtered to `query`."""
        self.concepts.show_concept(query)

    def show_shortcuts(self) -> QDialog:
        """Open the keyboard shortcut list without blocking and return it."""
        dialog = ShortcutsDialog(self, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _restore_preferences(self) -> None:
        prefs = self.preferences
        self._was_maximized = False
        self.set_theme(prefs.theme)
        self.set_ui_scale(prefs.scale)
        self.set_colour_scheme(prefs.colour_scheme)
        geometry, state = prefs.window_geometry(), prefs.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        if prefs.part in PARTS:
            self.select_part(prefs.part)
        config = _config_from(prefs.training_json())
        if config is not None:
            self.training.set_training_config(config)

    def _save_preferences(self) -> None:
        prefs = self.preferences
        prefs.save_window(self.saveGeometry(), self.saveState())
        prefs.part = self.current_part()
        # A replaced part (replace_part) need not be a TrainingStudio.
        config = getattr(self.training, "settings_to_remember", lambda: None)()
        if config is not None:
            prefs.set_training_json(training_to_json(config))
        prefs.sync()

    # ----------------------------------------------------------------- lessons
    def open_lesson(self, path: str) -> bool:
        """Open a lesson file; False (with a message in the window) if it cannot be used."""
        return self.lessons.open(path)

    def save_lesson_as(self, path: str) -> bool:
        """Save the lesson to `path` (and the trained model beside it)."""
        return self.lessons.save(path)

    def open_lesson_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open lesson", self.preferences.last_folder, LESSON_FILTER)
        if path:
            self.open_lesson(path)

    def save_lesson(self) -> None:
        """Save to the lesson's file if it has one, else ask where."""
        if self._lesson_path:
            self.save_lesson_as(self._lesson_path)
        else:
            self.save_lesson_dialog()

    def save_lesson_dialog(self) -> None:
        start = self._lesson_path or str(Path(self.preferences.last_folder or Path.home()) / f"lesson{LESSON_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save lesson", start, LESSON_FILTER)
        if path:
            self.save_lesson_as(path)

    def _on_lesson_changed(self, path: str) -> None:
        self._lesson_path = path
        self.setWindowTitle(f"{Path(path).stem} – {APP_NAME}")

    def wait_until_ready(self, timeout_ms: int = 10000) -> bool:
        """Run the event loop until the visible part has drawn its first content.

        Used by the screenshot command and tests; parts without an
        ``is_ready`` method count as ready.
        """
        import time

        from PySide6.QtCore import QEvent, QEventLoop

        deadline = time.monotonic() + timeout_ms / 1000
        part = self.tabs.currentWidget()
        ready = getattr(part, "is_ready", lambda: True)
        while not ready():
            if time.monotonic() > deadline:
                return False
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        # Let the new widgets lay out and the placeholders be deleted before anyone grabs the window.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        for _ in range(3):
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        return True

    @Slot(int)
    def _on_current_changed(self, index: int) -> None:
        if 0 <= index < len(PARTS):
            self.part_actions[PARTS[index]].setChecked(True)

    def about_text(self) -> str:
        """Return the About dialog's text for the current state."""
        return build_about_text(runtime_versions(self._tf_pending_text()))

    def _tf_pending_text(self) -> str:
        if self._tf_error is not None:
            return "not available"
        return "loading…"

    @Slot()
    def show_about(self) -> QMessageBox:
        """Open the About dialog without blocking and return it."""
        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(self.about_text())
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    # ------------------------------------------------------------ status bar
    def _build_status_bar(self) -> None:
        # A permanent label rather than showMessage(): menu status tips would
        # otherwise erase the TensorFlow state.
        self.tf_status = QLabel(LOADING_TEXT)
        self.tf_status.setObjectName("tfStatus")
        self.statusBar().addPermanentWidget(self.tf_status)

    @Slot(str)
    def _on_tf_finished(self, version: str) -> None:
        self._tf_version = version
        self._tf_error = None
        self.tf_status.setText(f"TensorFlow {version} ready")
        self.tf_status.setToolTip("")
        self.tensorflow_ready.emit(version)

    @Slot(str)
    def _on_tf_errored(self, message: str) -> None:
        self._tf_error = message
        self.tf_status.setText(f"TensorFlow could not be loaded: {message}")
        self.tf_status.setToolTip(
            "Training and classification need TensorFlow; the kernel lab works without it.\n"
            + message
        )

    @property
    def tf_loader(self) -> TfLoader:
        """The background TensorFlow loader."""
        return self._tf_loader

    @property
    def tf_version(self) -> str | None:
        """TensorFlow version once loaded, else None."""
        return self._tf_version

    # ------------------------------------------------------------- lifecycle
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Deferred so the first frame is flushed to the screen before the
            # import thread starts competing for the GIL.
            QTimer.singleShot(0, self._after_first_paint)

    def has_painted(self) -> bool:
        """True once the window has been painted: heavy work may start."""
        return self._painted

    @Slot()
    def _after_first_paint(self) -> None:
        self.first_painted.emit()
        if self._shut_down:  # e.g. the app quit in response to the first paint
            return
        # The visible part's heavy widgets next (pyqtgraph, the sample photo),
        # then TensorFlow, so the two do not compete for the GIL.
        getattr(self.tabs.currentWidget(), "build", lambda: None)()
        if self._auto_load_tf:
            self._tf_loader.start()

    def shutdown(self) -> None:
        """Wait for background threads; safe to call more than once."""
        if self._shut_down:
            return
        self._shut_down = True
        self._save_preferences()  # also when the session ends without closing the window
        for part in (self.kernel_lab, self.training, self.draw):
            getattr(part, "shutdown", lambda: None)()
        self.inference.shutdown()
        if self._tf_loader.is_running():
            self.statusBar().showMessage("Waiting for TensorFlow to finish loading…")
            QCoreApplication.processEvents()
        self._tf_loader.wait()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)


_PART_ATTRS = {"kernel-lab": "kernel_lab", "training": "training", "draw": "draw"}


def _config_from(data: dict | None):
    """Remembered training settings, or None when absent or no longer valid (e.g. an older app wrote them)."""
    if data is None:
        return None
    try:
        return training_from_json(data)
    except (KeyError, TypeError, ValueError):
        return None


def _part_index(name: str) -> int:
    try:
        return PARTS.index(name)
    except ValueError:
        raise ValueError(f"unknown part {name!r}; expected one of {', '.join(PARTS)}") from None


def _app_icon() -> QIcon:
    try:
        return QIcon(str(resource_path("icon.svg")))
    except FileNotFoundError:
        return QIcon()  # a missing icon must never stop the app
