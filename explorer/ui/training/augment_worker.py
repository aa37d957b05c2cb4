"""Compute the augmentation preview off the UI thread; the newest request wins.

The Keras random layers (TensorFlow) and, before a run, loading a few sample
digits take longer than a frame, so the studio asks an `AugmentationPreviewer`,
whose `MailboxWorker` computes only the newest request when it is free.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from explorer.core.train.config import Augmentation
from explorer.ui.services.workers import MailboxWorker

__all__ = ["AugmentationPreviewer"]


class AugmentationPreviewer(QObject):
    """Each image followed by random variants, as training would draw them.

    Signals
    -------
    ready(object)
        The preview images (``explorer.core.train.augment.preview``'s array), or
        a sentence saying why there are none; in the owner's (UI) thread.
    """

    ready = Signal(object)

    def __init__(self, parent: QObject | None = None, *, copies: int = 3) -> None:
        super().__init__(parent)
        self._copies = copies
        self._worker: MailboxWorker | None = None  # made by the first request: no thread until then
        self._shut_down = False

    def request(self, images, augmentation: Augmentation) -> None:
        """Preview `augmentation` on `images` (None: three of the bundled digits); replaces a waiting request.

        Ignored once :meth:`shutdown` was called.
        """
        if self._shut_down:
            return
        if self._worker is None:
            self._worker = MailboxWorker("augmentation-preview", self._compute, parent=self)
        self._worker.submit((images, augmentation))

    def shutdown(self) -> None:
        """End the thread after the current preview; idempotent."""
        self._shut_down = True
        if self._worker is not None:
            self._worker.shutdown()

    def _compute(self, job) -> None:  # on the worker thread
        from explorer.core.train.augment import preview
        from explorer.core.train.datasets import load_dataset

        images, augmentation = job
        try:
            samples = images if images is not None else load_dataset("digits", limit=3).x_train[:3]
            self.ready.emit(preview(samples, augmentation, copies=self._copies))
        except Exception as exc:  # shown in the tab, never raised into Qt
            self.ready.emit(f"Cannot preview the augmentation: {exc}")
