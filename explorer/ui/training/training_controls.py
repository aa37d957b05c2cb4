"""The training studio's settings: model, data, optimiser, schedule, devices, augmentation, transfer.

`config()` builds an immutable `TrainConfig` from the controls; the panel never
trains anything itself. Tooltips explain each setting in one sentence. The
transfer-learning settings are the `TransferPanel` in `transfer` (the studio
shows it in a tab of its own); the data settings tell it the new data's size.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core import tf_backend
from explorer.core.model.presets import CUSTOM, MODEL_NAMES
from explorer.core.train.config import OPTIMIZERS, Augmentation, TrainConfig
from explorer.core.train.datasets import DATASET_NAMES, INPUT_SHAPES
from explorer.core.train.distribute import ALL
from explorer.ui.training.dataset_options import class_names_of, classes_from_text, classes_text
from explorer.ui.training.transfer_panel import TransferPanel
from explorer.ui.training.transfer_sources import images_per_class
from explorer.ui.widgets.form_widgets import combo_box, spin_box
from explorer.ui.widgets.help_text import describe, tip

MODELS = MODEL_NAMES + (CUSTOM,)

#: The tooltip of each setting: its concept, from the course-notes glossary.
TIPS = {key: tip(key) for key in ("model", "edit_layers", "dataset", "data_dir", "optimizer", "learning_rate",
                                  "batch_size", "epochs", "validation_split", "patience", "rotation",
                                  "translation", "zoom", "limit")}
TIPS["devices"] = ("Devices: train on several GPUs at once (or CPU devices where there is no GPU), mirrored with "
                   "tf.distribute; the batch size is split between them. 1 trains as plain Keras does.")
#: The choices of the Devices box: (text, TrainConfig.devices). "all" gains its count once TensorFlow is loaded;
#: a number the machine lacks is refused at Start with a sentence.
DEVICE_CHOICES = (("1", 1), ("2", 2), ("4", 4), ("8", 8), (ALL, ALL))
TIPS["classes"] = ("Classes: keep only these classes, e.g. 5-9 or 5,6,7 (or class names); they are relabelled "
                   "0..k-1 in the order written and keep their names. Empty: every class.")
TIPS["per_class"] = ("Per class: at most this many training images of each class (small data on purpose, e.g. 10 for "
                     "transfer learning); the test set keeps all its images.")
# Accessible names that differ from the key (the rest are the key, capitalised).
_NAMES = {"limit": "Images used", "patience": "Early stopping patience", "per_class": "Images per class"}


def _spin(low, high, value, key, *, decimals=None, step=None):
    return spin_box(low, high, value, TIPS[key], _name(key), decimals=decimals, step=step)


def _combo(items, key):
    return combo_box(items, TIPS[key], _name(key))


def _name(key: str) -> str:
    return _NAMES.get(key) or key.replace("_", " ").capitalize()


class DevicesBox(QComboBox):
    """The Devices choice; opening it names how many devices "all" means, if TensorFlow is loaded by then.

    The count is never looked up before TensorFlow is loaded (importing it
    would freeze the window for seconds); until then "all" says just "all".
    """

    def showPopup(self) -> None:  # noqa: N802 (Qt's name)
        self.name_all()
        super().showPopup()

    def name_all(self) -> None:
        """Label the "all" choice "all (N found)" once TensorFlow is loaded."""
        tf = tf_backend.loaded()
        index = self.findData(ALL)
        if tf is None or index < 0:
            return
        found = len(tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU"))
        self.setItemText(index, f"{ALL} ({found} found)")


class TrainingControls(QWidget):
    """Settings for a run. Signals: changed() when any setting changes; edit_layers_requested()."""

    changed = Signal()
    edit_layers_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers: tuple = ()  # the custom model's LayerSpecs, set by the layer editor
        self.transfer = TransferPanel()  # placed by the studio; its settings are part of config()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._model_box())
        layout.addWidget(self._data_box())
        layout.addWidget(self._schedule_box())
        layout.addWidget(self._augment_box())
        layout.addStretch(1)
        self.transfer.changed.connect(self.changed)
        self.changed.connect(self._tell_transfer)
        self._on_model_changed()

    def _model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        form = QFormLayout(box)
        self.model = _combo(MODELS, "model")
        self.model.currentIndexChanged.connect(self._on_model_changed)
        self.edit_layers = QPushButton("Edit layers…")
        describe(self.edit_layers, "Edit custom layers", TIPS["edit_layers"])
        self.edit_layers.clicked.connect(self.edit_layers_requested)
        row = QHBoxLayout()
        row.addWidget(self.model, 1)
        row.addWidget(self.edit_layers)
        form.addRow("Network", row)
        return box

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.dataset = _combo(DATASET_NAMES, "dataset")
        self.dataset.currentIndexChanged.connect(self.changed)
        form.addRow("Dataset", self.dataset)
        self.data_dir = QLineEdit()
        self.data_dir.setPlaceholderText("download with Keras")
        describe(self.data_dir, "Data folder", TIPS["data_dir"])
        self.data_dir.textChanged.connect(self.changed)
        browse = QPushButton("…")
        describe(browse, "Choose data folder", "Choose the data folder in a file dialog.")
        browse.clicked.connect(self._choose_dir)
        row = QHBoxLayout()
        row.addWidget(self.data_dir, 1)
        row.addWidget(browse)
        form.addRow("Folder", row)
        self.limit = _spin(0, 1_000_000, 0, "limit")
        self.limit.setSpecialValueText("all")
        self.limit.setSingleStep(1000)
        form.addRow("Use images", self.limit)
        self.limit.valueChanged.connect(self._tell_transfer)
        self.classes = QLineEdit()
        self.classes.setPlaceholderText("all")
        describe(self.classes, "Classes", TIPS["classes"])
        self.classes.textChanged.connect(self.changed)
        self.per_class = _spin(0, 1_000_000, 0, "per_class")
        self.per_class.setSpecialValueText("all")
        self.per_class.valueChanged.connect(self.changed)
        row = QHBoxLayout()  # one row: small data on purpose is one idea
        row.addWidget(self.classes, 1)
        row.addWidget(QLabel("per class"))
        row.addWidget(self.per_class)
        form.addRow("Classes", row)
        self.validation_split = _spin(0.0, 0.5, 0.1, "validation_split", decimals=2, step=0.05)
        form.addRow("Validation", self.validation_split)
        return box

    def _schedule_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)
        self.optimizer = _combo(OPTIMIZERS, "optimizer")
        form.addRow("Optimiser", self.optimizer)
        self.learning_rate = QLineEdit()
        self.learning_rate.setPlaceholderText("default")
        describe(self.learning_rate, "Learning rate", TIPS["learning_rate"])
        form.addRow("Learning rate", self.learning_rate)
        self.batch_size = _spin(1, 4096, 64, "batch_size")
        form.addRow("Batch size", self.batch_size)
        self.epochs = _spin(1, 500, 5, "epochs")
        form.addRow("Epochs", self.epochs)
        self.patience = _spin(0, 100, 0, "patience")
        self.patience.setSpecialValueText("off")
        form.addRow("Early stopping", self.patience)
        self.devices = DevicesBox()
        for text, value in DEVICE_CHOICES:
            self.devices.addItem(text, value)
        describe(self.devices, "Devices", TIPS["devices"])
        form.addRow("Devices", self.devices)
        for widget in (self.optimizer, self.batch_size, self.epochs, self.patience, self.devices):
            signal = widget.currentIndexChanged if isinstance(widget, QComboBox) else widget.valueChanged
            signal.connect(self.changed)
        self.learning_rate.textChanged.connect(self.changed)
        return box

    def _augment_box(self) -> QGroupBox:
        box = QGroupBox("Data augmentation")
        form = QFormLayout(box)
        self.rotation = _spin(0.0, 0.5, 0.0, "rotation", decimals=2, step=0.02)
        self.translation = _spin(0.0, 0.5, 0.0, "translation", decimals=2, step=0.05)
        self.zoom = _spin(0.0, 0.5, 0.0, "zoom", decimals=2, step=0.05)
        for label, spin in (("Rotation", self.rotation), ("Translation", self.translation), ("Zoom", self.zoom)):
            spin.valueChanged.connect(self.changed)
            form.addRow(label, spin)
        return box

    def _choose_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def _on_model_changed(self, *_args) -> None:
        self.edit_layers.setEnabled(self.model.currentText() == "custom")
        self.changed.emit()

    def learning_rate_value(self) -> float | None:
        """The typed learning rate, None for the default; ValueError for anything else."""
        text = self.learning_rate.text().strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"the learning rate “{text}” is not a number") from None
        if not (0 < value < float("inf")):
            raise ValueError(f"the learning rate must be a positive number, got {text}")
        return value

    def classes_value(self) -> tuple[int, ...]:
        """The typed classes as indices, () for all (ValueError with a sentence otherwise)."""
        names = class_names_of(self.dataset.currentText(), self.data_dir.text().strip() or None)
        try:
            return classes_from_text(self.classes.text(), names)
        except ValueError as exc:
            raise ValueError(f"Classes: {exc}") from None

    def _tell_transfer(self) -> None:
        """The transfer panel's advice and plan follow the new data's classes and size."""
        dataset, folder = self.dataset.currentText(), self.data_dir.text().strip() or None
        try:
            chosen = len(self.classes_value())
        except ValueError:
            chosen = 0
        names = class_names_of(dataset, folder)
        each = images_per_class(dataset, data_dir=folder, limit=self.limit.value() or None,
                                per_class=self.per_class.value() or None, classes=chosen)
        self.transfer.set_data_facts(chosen or len(names or ()) or 10, each, INPUT_SHAPES.get(dataset))

    def config(self) -> TrainConfig:
        """The run these controls describe (ValueError with a sentence if a setting is invalid)."""
        if self.model.currentText() == "custom" and not self.layers and not self.transfer.base():
            raise ValueError("the custom model has no layers yet: click “Edit layers…”")
        return TrainConfig(
            model=self.model.currentText(), layers=tuple(self.layers), dataset=self.dataset.currentText(),
            data_dir=self.data_dir.text().strip() or None, optimizer=self.optimizer.currentText(),
            learning_rate=self.learning_rate_value(), batch_size=self.batch_size.value(), epochs=self.epochs.value(),
            validation_split=round(self.validation_split.value(), 4), patience=self.patience.value(),
            augmentation=Augmentation(self.rotation.value(), self.translation.value(), self.zoom.value()),
            limit=self.limit.value() or None, devices=self.devices.currentData(),
            classes=self.classes_value(), per_class=self.per_class.value() or None, **self.transfer.fields(),
        )

    def set_config(self, config: TrainConfig) -> None:
        """Show `config` in the controls (used for quick training and lessons)."""
        self.model.setCurrentText(config.model)
        self.layers = tuple(config.layers)
        self.dataset.setCurrentText(config.dataset)
        self.data_dir.setText(config.data_dir or "")
        self.optimizer.setCurrentText(config.optimizer)
        self.learning_rate.setText("" if config.learning_rate is None else repr(config.learning_rate))
        self.batch_size.setValue(config.batch_size)
        self.epochs.setValue(config.epochs)
        self.validation_split.setValue(config.validation_split)
        self.patience.setValue(config.patience)
        self.rotation.setValue(config.augmentation.rotation)
        self.translation.setValue(config.augmentation.translation)
        self.zoom.setValue(config.augmentation.zoom)
        self.limit.setValue(config.limit or 0)
        self.classes.setText(classes_text(config.classes))
        self.per_class.setValue(config.per_class or 0)
        self.transfer.set_fields(config)
        if self.devices.findData(config.devices) < 0:  # e.g. 3 from a lesson: offered as it is
            self.devices.addItem(str(config.devices), config.devices)
        self.devices.setCurrentIndex(self.devices.findData(config.devices))

    def set_running(self, running: bool) -> None:
        """Settings are fixed while a run is in progress."""
        for box in self.findChildren(QGroupBox):
            box.setEnabled(not running)
        self.transfer.setEnabled(not running)
