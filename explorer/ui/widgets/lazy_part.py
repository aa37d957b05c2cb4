"""A part of the window whose heavy widgets are built just after the window's first paint.

pyqtgraph, the sample photo and the part's widgets take a few hundred
milliseconds to create; the window must appear first. Until `build()` runs a
part shows a one-line "Preparing …" placeholder. The main window calls
`build()` for the visible part after its first paint; a part shown later
builds itself as soon as the event loop runs.

When the UI scale (the font) changes, or a part is shown again, a built part
gets a chance to give its panes the room their bigger text needs
(`_fit_to_text()`), once the new sizes are laid out.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class LazyPart(QWidget):
    """Subclasses implement `_build()` (add widgets to `self.layout()`) and may extend `shutdown()`."""

    def __init__(self, loading_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._built = False
        self._closed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self._loading = QLabel(loading_text)
        self._loading.setAlignment(Qt.AlignCenter)
        layout.addWidget(self._loading)

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        # In the main window the first paint triggers build(); later (another
        # tab first, or the part on its own) build as soon as the event loop runs.
        if not self._built and getattr(self.window(), "has_painted", lambda: True)():
            QTimer.singleShot(0, self.build)
        elif self._built:  # the UI scale may have changed while another part was shown
            self.refit_later()

    def changeEvent(self, event) -> None:  # Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self._built:
            self.refit_later()

    def refit_later(self) -> None:
        """Call `_fit_to_text()` once the event loop has laid out the new sizes (only while shown)."""
        QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        if self.isVisible():  # a hidden part measures stale size hints; it refits when shown
            self._fit_to_text()

    def _fit_to_text(self) -> None:
        """Subclasses may resize their panes to what their text now needs; the default does nothing."""

    def build(self) -> None:
        """Create the part's widgets (idempotent; never after shutdown)."""
        if self._built or self._closed:
            return
        self._built = True
        self._build()
        self._loading.deleteLater()
        self._loading = None
        self.refit_later()

    def _build(self) -> None:
        raise NotImplementedError

    def is_ready(self) -> bool:
        """True once the part shows its content (screenshots and tests wait for it)."""
        return self._built

    def shutdown(self) -> None:
        """The window is closing: stop background work; the part will not build any more."""
        self._closed = True
