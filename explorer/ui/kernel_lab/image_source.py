"""Where the kernel lab's image comes from: samples, files, drops, the clipboard.

Every source goes through `explorer.core.lab.image_files`, so a corrupt file, a 0-byte
file or a decompression bomb gives one clear sentence in the panel and the
previous image stays. Large images are scaled down for the live view (the
panel says by how much), and a crop region zooms in on details, as seed 004
crops the photos. The panel's value is a
:class:`~explorer.core.lab.state.LabImage`: what it emits on every change and
what it shows when the lab restores a state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.core.lab import image_files, images, sample_images
from explorer.core.lab.state import LabImage
from explorer.ui.widgets.help_text import tip
from explorer.ui.widgets.text_style import set_colours

_CROP_FIELDS = ("top", "left", "height", "width")


class ImageSource(QGroupBox):
    """Sample picker, Open…, Paste, size line, crop region and error line.

    Signals
    -------
    image_changed(LabImage)
        After every new image and crop change: the view image before cropping,
        its origin, the crop region and the scale (``LabImage.view`` is the
        image for the live view, scaled and cropped).
    """

    image_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Image", parent)
        self._full: np.ndarray | None = None  # scaled for the view, before cropping
        self._scale = 1.0
        self._origin = ""
        layout = QVBoxLayout(self)
        self.samples = QComboBox()
        self.samples.setAccessibleName("Sample image")
        self.samples.setToolTip(tip("sample_image"))
        for name, description in sample_images.SAMPLES.items():
            self.samples.addItem(name, name)
            self.samples.setItemData(self.samples.count() - 1, description, 3)  # Qt.ToolTipRole
        self.samples.activated.connect(lambda _i: self.load_sample(self.samples.currentData()))
        layout.addWidget(self.samples)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a PNG, JPEG, BMP, GIF, TIFF or WebP image (or drop one on the window).")
        self.open_button.clicked.connect(self.open_dialog)
        self.paste_button = QPushButton("Paste")
        self.paste_button.setToolTip("Use the image on the clipboard.")
        self.paste_button.clicked.connect(self.paste)
        for button in (self.open_button, self.paste_button):
            button.setAccessibleName(button.text().rstrip("…") + " image")
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.size_label = QLabel()
        self.size_label.setWordWrap(True)
        self.size_label.setAccessibleName("Image size")
        layout.addWidget(self.size_label)
        layout.addLayout(self._crop_controls())
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        set_colours(self.error_label, QColor("#b00020"))
        self.error_label.setAccessibleName("Image error")
        layout.addWidget(self.error_label)

    def _crop_controls(self) -> QGridLayout:
        grid = QGridLayout()
        self.crop_box = QCheckBox("Crop to a region")
        self.crop_box.setToolTip(tip("crop"))
        self.crop_box.setAccessibleName("Crop to a region")
        grid.addWidget(self.crop_box, 0, 0, 1, 4)
        self.crop_spins = {}
        for index, name in enumerate(_CROP_FIELDS):
            spin = QSpinBox()
            spin.setPrefix(f"{name} ")
            spin.setAccessibleName(f"Crop {name}")
            spin.setToolTip(tip("crop_region"))
            spin.valueChanged.connect(self._emit_current)
            self.crop_spins[name] = spin
            grid.addWidget(spin, 1 + index // 2, 2 * (index % 2), 1, 2)
        self.crop_box.toggled.connect(self._on_crop_toggled)
        self._on_crop_toggled(False)
        return grid

    # ---------------------------------------------------------------- sources
    def load_sample(self, name: str) -> bool:
        """Show built-in sample `name` (and select it in the sample list)."""
        loaded = self._accept(lambda: sample_images.sample(name), f"sample “{name}”")
        if loaded:
            self.samples.setCurrentIndex(self.samples.findData(name))
        return loaded

    def load_path(self, path: str | Path) -> bool:
        """Load an image file; on failure say why and keep the current image."""
        return self._accept(lambda: image_files.load_image(path), Path(path).name)

    def load_bytes(self, data: bytes, origin: str = "pasted image") -> bool:
        """Load encoded image bytes (drag and drop, clipboard)."""
        return self._accept(lambda: image_files.load_image(bytes(data)), origin)

    def load_qimage(self, qimage: QImage, origin: str = "pasted image") -> bool:
        """Load a QImage (clipboard) through the same safe path as files."""
        if qimage.isNull():
            return self._fail("The clipboard does not hold an image.")
        buffer = QBuffer()
        buffer.open(QIODevice.WriteOnly)
        qimage.save(buffer, "PNG")
        return self.load_bytes(bytes(QByteArray(buffer.data())), origin)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", image_files.OPEN_DIALOG_FILTER)
        if path:
            self.load_path(path)

    def paste(self) -> bool:
        from PySide6.QtWidgets import QApplication

        clipboard = QApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and mime.hasUrls() and mime.urls()[0].isLocalFile():
            return self.load_path(mime.urls()[0].toLocalFile())
        return self.load_qimage(clipboard.image())

    # ---------------------------------------------------------------- state
    def image(self) -> np.ndarray | None:
        """The image the view shows (scaled and cropped), or None before the first load."""
        picture = self.picture()
        return None if picture is None else picture.view

    def picture(self) -> LabImage | None:
        """The panel's value: view image before cropping, origin, crop (None when off), scale.

        None before the first load.
        """
        if self._full is None:
            return None
        crop = tuple(self.crop_spins[n].value() for n in _CROP_FIELDS) if self.crop_box.isChecked() else None
        return LabImage(self._full, self._origin, crop, self._scale)

    def show_picture(self, picture: LabImage) -> None:
        """Show `picture` exactly (no rescaling), with its crop; emits image_changed.

        A crop reaching past the image shows as far as the crop controls go.
        """
        self._full, self._scale, self._origin = picture.image, picture.scale, picture.origin
        crop = picture.crop
        self.error_label.setText("")
        self._reset_crop()
        self.crop_box.blockSignals(True)
        self.crop_box.setChecked(crop is not None)
        self.crop_box.blockSignals(False)
        self._on_crop_toggled(crop is not None, emit=False)
        for name, value in zip(_CROP_FIELDS, crop or ()):
            spin = self.crop_spins[name]
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        index = self.samples.findText(picture.origin.removeprefix("sample “").removesuffix("”"))
        if index >= 0:
            self.samples.setCurrentIndex(index)
        self._emit_current()

    def _accept(self, load, origin: str) -> bool:
        try:
            full = load()
        except (image_files.ImageLoadError, ValueError) as exc:
            return self._fail(str(exc))
        except MemoryError:
            return self._fail(f"{origin} is too large to load into memory.")
        view, scale = images.fit_for_view(full, images.VIEW_MAX_SIDE)
        self._full, self._scale, self._origin = view, scale, origin
        self.error_label.setText("")
        self._reset_crop()
        self._emit_current()
        return True

    def _fail(self, message: str) -> bool:
        self.error_label.setText(message + (" The previous image is kept." if self._full is not None else ""))
        return False

    def _reset_crop(self) -> None:
        h, w = self._full.shape[:2]
        limits = {"top": h - 1, "left": w - 1, "height": h, "width": w}
        starts = {"top": h // 4, "left": w // 4, "height": max(1, h // 2), "width": max(1, w // 2)}
        for name, spin in self.crop_spins.items():
            spin.blockSignals(True)
            spin.setRange(0 if name in ("top", "left") else 1, limits[name])
            spin.setValue(starts[name])
            spin.blockSignals(False)

    def _on_crop_toggled(self, on: bool, *, emit: bool = True) -> None:
        for spin in self.crop_spins.values():
            spin.setEnabled(on)
        if emit:
            self._emit_current()

    def _emit_current(self, *_args) -> None:
        picture = self.picture()
        if picture is None:
            return
        scaled = "" if self._scale == 1.0 else f", scaled to {self._scale:.0%} for the live view"
        cropped = " (cropped)" if picture.crop is not None else ""
        self.size_label.setText(f"{self._origin}: {images.describe(picture.view)}{cropped}{scaled}")
        self.image_changed.emit(picture)
