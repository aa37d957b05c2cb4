"""Controls for the kernel lab's layer hyper-parameters.

Every change builds a new immutable `LabSettings` and emits it; the panel
never computes anything itself. Tooltips explain each concept in one sentence,
in the words of the course notes.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.arithmetic import padding_2d
from explorer.core.lab.pipeline import LabSettings
from explorer.ui.widgets.form_widgets import combo_box, spin_box
from explorer.ui.widgets.help_text import tip

#: The tooltip of each control: its concept, from the course-notes glossary.
TIPS = {key: tip(key) for key in ("image_mode", "layer_mode", "padding", "explicit_padding", "stride", "dilation",
                                  "activation", "pool", "pool_size", "pool_stride", "depth_pool", "global_pool")}


class LayerSettingsPanel(QWidget):
    """Mode, padding, stride, dilation, activation and pooling controls.

    Signals
    -------
    settings_changed(LabSettings)
    """

    settings_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build()
        self._settings = self._read()
        self._sync_enabled()
        for spin in (self.stride, self.dilation, self.pool_size, self.pool_stride, self.depth_pool,
                     *self.explicit):
            spin.valueChanged.connect(self._on_changed)
        for combo in (self.padding, self.activation, self.pool, self.global_pool):
            combo.currentIndexChanged.connect(self._on_changed)
        self.modes.idToggled.connect(lambda _id, checked: checked and self._on_changed())

    # ----------------------------------------------------------------- build
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._mode_box())
        layout.addWidget(self._conv_box())
        layout.addWidget(self._pool_box())
        layout.addStretch(1)

    def _mode_box(self) -> QGroupBox:
        box = QGroupBox("Mode")
        row = QHBoxLayout(box)
        self.modes = QButtonGroup(self)
        for index, (label, key) in enumerate((("Image filter", "image_mode"), ("Conv layer", "layer_mode"))):
            button = QRadioButton(label)
            button.setToolTip(TIPS[key])
            button.setAccessibleName(f"{label} mode")
            button.setChecked(index == 0)
            self.modes.addButton(button, index)
            row.addWidget(button)
        return box

    def _conv_box(self) -> QGroupBox:
        box = QGroupBox("Convolution")
        form = QFormLayout(box)
        self.padding = combo_box([("same", "same"), ("valid", "valid"), ("explicit…", "explicit")],
                              TIPS["padding"], "Padding")
        form.addRow("Padding", self.padding)
        self.explicit = [spin_box(0, 32, 1, TIPS["explicit_padding"], f"Padding {side}")
                         for side in ("top", "bottom", "left", "right")]
        explicit_row = QHBoxLayout()
        for spin, side in zip(self.explicit, ("top", "bottom", "left", "right")):
            spin.setPrefix(f"{side[0].upper()} ")
            explicit_row.addWidget(spin)
        self._explicit_holder = QWidget()
        self._explicit_holder.setLayout(explicit_row)
        explicit_row.setContentsMargins(0, 0, 0, 0)
        form.addRow("", self._explicit_holder)
        self._explicit_holder.setVisible(False)
        self.stride = spin_box(1, 16, 1, TIPS["stride"], "Stride")
        form.addRow("Stride", self.stride)
        self.dilation = spin_box(1, 8, 1, TIPS["dilation"], "Dilation")
        form.addRow("Dilation", self.dilation)
        self.activation = combo_box([("none", "none"), ("ReLU", "relu")], TIPS["activation"], "Activation")
        form.addRow("Activation", self.activation)
        return box

    def _pool_box(self) -> QGroupBox:
        box = QGroupBox("Pooling")
        form = QFormLayout(box)
        self.pool = combo_box([("none", "none"), ("max", "max"), ("average", "average")], TIPS["pool"], "Pooling")
        form.addRow("Pooling", self.pool)
        self.pool_size = spin_box(1, 16, 2, TIPS["pool_size"], "Pool size")
        form.addRow("Pool size", self.pool_size)
        self.pool_stride = spin_box(1, 16, 2, TIPS["pool_stride"], "Pool stride")
        form.addRow("Pool stride", self.pool_stride)
        self.depth_pool = spin_box(1, 64, 1, TIPS["depth_pool"], "Depth-wise pool size")
        self.depth_pool.setSpecialValueText("off")
        form.addRow("Depth-wise pool", self.depth_pool)
        self.global_pool = combo_box([("none", "none"), ("max", "max"), ("average", "average")],
                                  TIPS["global_pool"], "Global pooling")
        form.addRow("Global pool", self.global_pool)
        return box

    # ----------------------------------------------------------------- state
    def settings(self) -> LabSettings:
        """The current settings (immutable)."""
        return self._settings

    def set_settings(self, settings: LabSettings) -> None:
        """Show `settings` in the controls; emits settings_changed once."""
        widgets = (self.padding, self.stride, self.dilation, self.activation, self.pool, self.pool_size,
                   self.pool_stride, self.depth_pool, self.global_pool, *self.explicit)
        for widget in widgets:
            widget.blockSignals(True)
        self.modes.blockSignals(True)
        try:
            self.modes.button(0 if settings.mode == "image" else 1).setChecked(True)
            if isinstance(settings.padding, str):
                self.padding.setCurrentIndex(self.padding.findData(settings.padding))
            else:
                self.padding.setCurrentIndex(self.padding.findData("explicit"))
                (top, bottom), (left, right) = padding_2d(settings.padding)
                for spin, value in zip(self.explicit, (top, bottom, left, right)):
                    spin.setValue(value)
            self.stride.setValue(settings.stride)
            self.dilation.setValue(settings.dilation)
            self.activation.setCurrentIndex(self.activation.findData(settings.activation))
            self.pool.setCurrentIndex(self.pool.findData(settings.pool))
            self.pool_size.setValue(settings.pool_size)
            self.pool_stride.setValue(settings.pool_stride or settings.pool_size)
            self.depth_pool.setValue(settings.depth_pool)
            self.global_pool.setCurrentIndex(self.global_pool.findData(settings.global_pool))
        finally:
            for widget in widgets:
                widget.blockSignals(False)
            self.modes.blockSignals(False)
        self._on_changed()

    def _read(self) -> LabSettings:
        mode = "image" if self.modes.checkedId() == 0 else "layer"
        choice = self.padding.currentData()
        self._explicit_holder.setVisible(choice == "explicit")
        if choice == "explicit":
            top, bottom, left, right = (spin.value() for spin in self.explicit)
            padding = ((top, bottom), (left, right))
        else:
            padding = choice
        return LabSettings(
            mode=mode, padding=padding, stride=self.stride.value(), dilation=self.dilation.value(),
            activation=self.activation.currentData(), pool=self.pool.currentData(),
            pool_size=self.pool_size.value(), pool_stride=self.pool_stride.value(),
            depth_pool=self.depth_pool.value(), global_pool=self.global_pool.currentData(),
        )

    def _sync_enabled(self) -> None:
        pooling = self.pool.currentData() != "none"
        self.pool_size.setEnabled(pooling)
        self.pool_stride.setEnabled(pooling)

    def _on_changed(self, *_args) -> None:
        self._sync_enabled()
        settings = self._read()
        if settings != self._settings:
            self._settings = settings
            self.settings_changed.emit(settings)
