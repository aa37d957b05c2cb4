"""File → Save lesson / Open lesson: capture the window's state into a lesson file and restore it.

A lesson holds the kernel lab (image, kernels, layer settings, view options),
the training settings, the part on screen, and the trained model saved
beside it as ``<lesson>.keras``. Opening validates the lesson file and loads
the model (Keras safe mode) before changing anything, so a damaged or foreign
file leaves the window exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from explorer.core.lesson import LESSON_SUFFIX, Lesson, LessonError, model_path_for, read_lesson, write_lesson

__all__ = ["LESSON_FILTER", "LessonFiles"]

LESSON_FILTER = f"Feature Map Explorer lesson (*{LESSON_SUFFIX})"


class LessonFiles(QObject):
    """Saves and opens lessons for a :class:`~explorer.ui.shell.main_window.MainWindow`.

    Signals
    -------
    recent_changed(list)
        The recent-lessons list changed (newest first).
    lesson_changed(str)
        A lesson was opened or saved: its path (the window shows its name).
    """

    recent_changed = Signal(list)
    lesson_changed = Signal(str)

    def __init__(self, window, preferences) -> None:
        super().__init__(window)
        self._window = window
        self._preferences = preferences
        self.last_error = ""  # the last message shown in an error box (tests read it)

    # ------------------------------------------------------------- save
    def capture(self) -> Lesson:
        """The window's state as a lesson, without a model (ValueError if a training setting is invalid)."""
        window = self._window
        return Lesson(part=window.current_part(), lab=window.kernel_lab.state(),
                      training=window.training.training_config())

    def save(self, path: str | Path) -> bool:
        """Save the lesson (and the trained model beside it); False with a message if impossible."""
        path = Path(path)
        if path.suffix != LESSON_SUFFIX:
            path = path.with_name(path.name + LESSON_SUFFIX)
        try:
            lesson = self.capture()
        except ValueError as exc:
            return self._error("Cannot save the lesson", f"Fix the training settings first: {exc}.")
        studio = self._window.training
        note = ""
        if studio.has_trained_model():
            model_path = model_path_for(path)
            if not studio.save_model(str(model_path)):
                return self._error("Cannot save the lesson", f"The model could not be saved as {model_path.name}.")
            lesson = Lesson(lesson.part, lesson.lab, lesson.training, model_file=model_path.name)
        elif studio.is_running():
            note = " The model is still training, so it was not saved with the lesson."
        try:
            written = write_lesson(path, lesson)
        except (OSError, LessonError) as exc:
            return self._error("Cannot save the lesson", f"Could not write {path.name}: {_reason(exc)}")
        self._remember(written)
        self._window.statusBar().showMessage(f"Saved lesson {written.name}.{note}", 8000)
        return True

    # ------------------------------------------------------------- open
    def open(self, path: str | Path) -> bool:
        """Open a lesson; on any problem say why, change nothing and return False."""
        path = Path(path)
        window = self._window
        if window.training.is_running():
            return self._error("Cannot open the lesson", "Stop the training first: a lesson replaces the "
                               "training settings and the model.")
        try:
            lesson = read_lesson(path)
        except LessonError as exc:
            if not path.exists():
                self.recent_changed.emit(self._preferences.remove_recent_lesson(path))
            return self._error("Cannot open the lesson", f"{exc}.")
        model, model_path, note = None, None, ""
        if lesson.model_file is not None:
            model_path = path.parent / lesson.model_file
            if model_path.exists():
                model = self._load_model(model_path)
                if model is None:
                    return False
            else:
                note = f" Its model {lesson.model_file} is not beside it: train one or copy it there."
        self._apply(lesson, model, model_path)
        self._remember(path)
        window.statusBar().showMessage(f"Opened lesson {path.name}.{note}", 10000)
        return True

    def _load_model(self, model_path: Path):
        from explorer.core.model.model_files import ModelFileError, load_model

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # loading imports TensorFlow
        try:
            return load_model(model_path)
        except ModelFileError as exc:
            self._error("Cannot open the lesson", f"Its model {model_path.name} cannot be used: {exc}")
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _apply(self, lesson: Lesson, model, model_path: Path | None) -> None:
        window = self._window
        window.kernel_lab.set_state(lesson.lab)
        window.training.set_training_config(lesson.training)
        if model is not None:
            window.training.adopt_model(model, str(model_path))
        window.select_part(lesson.part)

    # ------------------------------------------------------------- shared
    def _remember(self, path: Path) -> None:
        self._preferences.last_folder = str(path.absolute().parent)
        self.recent_changed.emit(self._preferences.add_recent_lesson(path))
        self.lesson_changed.emit(str(path.absolute()))

    def _error(self, title: str, text: str) -> bool:
        self.last_error = text
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self._window if isinstance(self._window, QWidget) else None)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): never blocks the event loop (training keeps its UI updates)
        return False


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
