"""Render the main window to a PNG without a display."""

from __future__ import annotations

import os
import pathlib

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from explorer.core.files import atomic_write
from explorer.ui.shell.application import create_application
from explorer.ui.shell.main_window import MainWindow

__all__ = ["grab_window", "save_screenshot"]


def grab_window(part: str | None, size: tuple[int, int], *, lesson: str | None = None, theme: str = "light",
                scale: int = 100, colour_scheme: str = "classic") -> QImage:
    """Render the main window showing ``part`` at ``size`` pixels.

    Parameters
    ----------
    part : str or None
        One of :data:`explorer.core.parts.PARTS`; None shows the lesson's part
        (the kernel lab without a lesson).
    size : tuple of int
        ``(width, height)`` of the window and of the returned image.
    lesson : str, optional
        A lesson file to open first.
    theme, scale, colour_scheme : optional
        Presentation settings, as in the View menu.

    Returns
    -------
    QImage
        The rendered window, exactly ``size`` pixels.

    Raises
    ------
    ValueError
        If ``part`` or a presentation setting is unknown, the lesson cannot be
        opened, or the window cannot be made that small.
    """
    app = create_application()
    width, height = size
    # No TensorFlow: a screenshot shows the window as it first appears.
    window = MainWindow(auto_load_tf=False)
    try:
        window.set_theme(theme)
        window.set_ui_scale(scale)
        window.set_colour_scheme(colour_scheme)
        if lesson is not None and not window.open_lesson(lesson):
            raise ValueError(window.lessons.last_error)
        if part is not None:
            window.select_part(part)
        # Lay out and "show" without ever mapping a native window, so the
        # command never flashes a window even on a real display.
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.resize(width, height)
        window.show()
        app.processEvents()
        window.wait_until_ready()  # e.g. the kernel lab's first feature maps
        actual = window.size()
        if actual.width() > width or actual.height() > height:
            raise ValueError(
                f"size {width}x{height} is smaller than the window's minimum "
                f"{actual.width()}x{actual.height()}"
            )
        image = window.grab().toImage()
    finally:
        window.close()
        window.deleteLater()
    if image.size() != QSize(width, height):
        # A device pixel ratio other than 1 (QT_SCALE_FACTOR) scales the grab.
        image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


def save_screenshot(out: str | os.PathLike[str], part: str | None, size: tuple[int, int], **options) -> pathlib.Path:
    """Render the window and write it to ``out`` as a PNG, atomically.

    The image goes to a temporary file in the same folder first and is then
    renamed over ``out``, so a reader never sees a half-written file.

    Parameters
    ----------
    out : path-like
        Destination PNG file.
    part : str
        Part to show; see :func:`grab_window`.
    size : tuple of int
        ``(width, height)`` in pixels.
    **options
        ``lesson``, ``theme``, ``scale``, ``colour_scheme``: see :func:`grab_window`.

    Returns
    -------
    pathlib.Path
        Absolute path of the written file.

    Raises
    ------
    OSError
        If the folder is missing or not writable, or the PNG cannot be saved.
    ValueError
        See :func:`grab_window`.
    """
    # Render inside the writer: the temporary file exists first, so a bad folder fails fast.
    return atomic_write(out, lambda tmp_name: grab_window(part, size, **options).save(tmp_name, "PNG"))
