"""The About dialog's text: the app's version and the runtime it runs on."""

from __future__ import annotations

import html
import platform
from collections.abc import Mapping

import PySide6
from PySide6.QtCore import qVersion

from explorer import __version__
from explorer.ui.shell.tf_loader import loaded_versions

__all__ = ["APP_NAME", "build_about_text", "runtime_versions"]

APP_NAME = "Feature Map Explorer"


def runtime_versions(tf_status: str | None = None) -> dict[str, str]:
    """Collect the versions shown in the About dialog.

    Parameters
    ----------
    tf_status : str, optional
        What to show for TensorFlow/Keras when they are not imported yet
        (default ``"loading…"``).

    Returns
    -------
    dict
        Keys ``app``, ``python``, ``qt``, ``pyside``, ``tensorflow``, ``keras``.
    """
    pending = tf_status or "loading…"
    ml = loaded_versions()
    return {
        "app": __version__,
        "python": platform.python_version(),
        "qt": qVersion(),
        "pyside": PySide6.__version__,
        "tensorflow": ml["tensorflow"] or pending,
        "keras": ml["keras"] or pending,
    }


def build_about_text(versions: Mapping[str, str]) -> str:
    """Build the About dialog's rich text.

    Parameters
    ----------
    versions : mapping
        As returned by :func:`runtime_versions`.

    Returns
    -------
    str
        HTML for a QMessageBox.
    """
    rows = [
        ("Python", versions["python"]),
        ("Qt", f"{versions['qt']} (PySide6 {versions['pyside']})"),
        ("TensorFlow", versions["tensorflow"]),
        ("Keras", versions["keras"]),
    ]
    table = "".join(
        f"<tr><td style='padding-right:12px'>{name}</td><td>{html.escape(value)}</td></tr>" for name, value in rows
    )
    return (
        f"<h3>{APP_NAME} {html.escape(versions['app'])}</h3>"
        "<p>See what a convolutional neural network does: live kernels, "
        "background training, draw &amp; classify.</p>"
        f"<table>{table}</table>"
    )
