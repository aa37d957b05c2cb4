"""Transfer learning in the training studio: what to start from, where to cut, what trains, and why.

"Start from" picks the base (from scratch, the model just trained, a
checkpoint of the newest run, a ``.keras`` file, or MobileNetV2 with ImageNet
weights). The layer table shows the plan of `explorer.core.model.transfer`:
every base layer with its output shape and parameters, the cut (later layers
greyed), a Frozen box per kept layer, the new head, and the trainable and
non-trainable parameter counts exactly as Keras counts them. Loading and
planning run on a `TransferPlanner` thread. The four cases of the course
notes are answered next to the choice: from the dataset's size per class and
whether the user calls the data similar, the panel recommends a cut and a
preset, and says why.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QColor
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

from explorer.core.model.layer_text import LayerTextError, format_layers, parse_layers
from explorer.core.model.transfer import PRESETS
from explorer.ui.training import transfer_sources as sources
from explorer.ui.training.transfer_planner import PlanRequest, TransferPlanner
from explorer.ui.training.transfer_table import TransferTable
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.text_style import set_colours

__all__ = ["CUSTOM_PRESET", "TransferPanel"]

CUSTOM_PRESET = "custom"
PRESET_TIPS = {CUSTOM_PRESET: "your own choice: tick the frozen layers in the table",
               **{name: text for name, text in PRESETS.items()}}
HEAD_TIP = ("Layers between the kept base and the new softmax Dense for the new classes, in the layer editor's "
            "words, separated by “;” — e.g. “dense 64 relu; dropout 0.5”. Empty: just the softmax Dense.")
ERROR = QColor("#b00020")


class TransferPanel(QWidget):
    """The transfer-learning settings; `fields()` gives their TrainConfig fields.

    Signals
    -------
    changed()
        A setting changed.
    planned(PlanResult)
        The table shows a new plan (after loading the base, or a new cut, head or frozen layer).
    """

    changed = Signal()
    planned = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.planner = TransferPlanner(self)
        self.planner.planned.connect(self._on_planned)
        self.planner.failed.connect(self._on_failed)
        self._model_source = lambda: None  # the studio's trained model, see set_model_source
        self._result = None  # the PlanResult shown
        self._frozen: tuple[str, ...] = ()
        self._warmup = 0
        self._facts = (10, 0, None)  # classes, training images per class, input shape
        self._advice = None
        self._keep_wanted: str | None = None  # a cut to ask for once (from set_fields), before the layers are known
        layout = QVBoxLayout(self)
        layout.addWidget(self._source_box())
        layout.addWidget(self._cut_box(), 1)
        layout.addWidget(self._advice_box())
        self._show_source()

    # ------------------------------------------------------------------ widgets
    def _source_box(self) -> QGroupBox:
        box = QGroupBox("Start from")
        form = QFormLayout(box)
        self.source = QComboBox()
        for key, text in sources.CHOICES:
            self.source.addItem(text, key)
        describe(self.source, "Start from", "Train a new network, or reuse the layers of a trained one (transfer "
                                            "learning): the model just trained, a checkpoint, a file, or MobileNetV2.")
        self.source.currentIndexChanged.connect(self._on_source_changed)
        form.addRow("Model", self.source)
        self.checkpoint = QComboBox()
        describe(self.checkpoint, "Checkpoint", "The newest run's checkpoints, one per epoch.")
        self.checkpoint.currentIndexChanged.connect(self._on_pick_changed)
        form.addRow("Checkpoint", self.checkpoint)
        self.path = QLineEdit()
        self.path.setPlaceholderText("a .keras file")
        describe(self.path, "Model file", "The .keras file to start from (loaded safely: no custom code runs).")
        self.path.editingFinished.connect(self._on_pick_changed)
        self.browse = QPushButton("…")
        describe(self.browse, "Choose model file", "Choose the .keras file in a file dialog.")
        self.browse.clicked.connect(self._choose_file)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form.addRow("File", row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Transfer status")
        form.addRow(self.status)
        return box

    def _cut_box(self) -> QGroupBox:
        box = QGroupBox("What is kept, what trains")
        layout = QVBoxLayout(box)
        form = QFormLayout()
        self.keep = QComboBox()
        describe(self.keep, "Keep layers up to", "The last layer of the base that is kept; the layers after it are "
                                                  "dropped and the new head takes their place.")
        self.keep.currentIndexChanged.connect(self._on_cut_changed)
        form.addRow("Keep up to", self.keep)
        self.preset = QComboBox()
        for name, text in PRESET_TIPS.items():
            self.preset.addItem(name)
            self.preset.setItemData(self.preset.count() - 1, text[:1].upper() + text[1:] + ".", 3)  # ToolTipRole
        describe(self.preset, "Preset", "; ".join(f"{k}: {v}" for k, v in PRESET_TIPS.items()) + ".")
        self.preset.setCurrentText("feature extraction")
        self.preset.currentIndexChanged.connect(self._on_preset_changed)
        form.addRow("Preset", self.preset)
        self.head = QLineEdit()
        self.head.setPlaceholderText("just the softmax Dense (e.g. dense 64 relu)")
        describe(self.head, "New head", HEAD_TIP)
        self.head.editingFinished.connect(self._on_head_changed)
        form.addRow("New head", self.head)
        self.head_error = QLabel()
        self.head_error.setWordWrap(True)
        set_colours(self.head_error, ERROR)
        self.head_error.hide()
        form.addRow(self.head_error)
        layout.addLayout(form)
        self.table = TransferTable()
        self.table.frozen_changed.connect(self._on_frozen_edited)
        self.table.cut_requested.connect(self.set_cut)
        layout.addWidget(self.table, 1)
        self.totals = QLabel()
        self.totals.setAccessibleName("Parameter counts")
        layout.addWidget(self.totals)
        return box

    def _advice_box(self) -> QGroupBox:
        box = QGroupBox("Which case is this? (course notes, seed 002)")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("The new data is"))
        self.similar = QComboBox()
        self.similar.addItem("similar to the base's data", True)
        self.similar.addItem("different from the base's data", False)
        describe(self.similar, "Similar data", "Similar: the same kind of images as the base learned from (digits "
                                               "after digits); different: another kind (letters after digits).")
        self.similar.currentIndexChanged.connect(self._show_advice)
        row.addWidget(self.similar, 1)
        self.use_advice = QPushButton("Use this advice")
        describe(self.use_advice, "Use this advice", "Set the cut and the preset as recommended.")
        self.use_advice.clicked.connect(self.apply_advice)
        row.addWidget(self.use_advice)
        layout.addLayout(row)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.advice.setAccessibleName("Advice")
        layout.addWidget(self.advice)
        return box

    # ------------------------------------------------------------------ public
    def set_model_source(self, trained_model) -> None:
        """`trained_model()` gives the studio's model (None if there is none): "the model just trained"."""
        self._model_source = trained_model

    def set_data_facts(self, classes: int, images_per_class: int, input_shape=None) -> None:
        """The new data: its number of classes, training images per class (0: unknown) and input shape."""
        facts = (max(int(classes), 2), int(images_per_class), None if input_shape is None else tuple(input_shape))
        if facts != self._facts:
            changed_classes = facts[0] != self._facts[0]
            self._facts = facts
            self._show_advice()
            if changed_classes and self._result is not None:
                self._replan()

    def choice(self) -> str:
        """The "Start from" key (see `transfer_sources.CHOICES`)."""
        return self.source.currentData()

    def set_choice(self, key: str) -> None:
        """Choose "Start from" `key` as the user would (a file choice opens no dialog here)."""
        self.source.setCurrentIndex(self.source.findData(key))

    def set_file(self, path: str) -> None:
        """Start from the .keras file `path`."""
        self.path.setText(str(path))
        if self.choice() == sources.FILE:
            self._on_pick_changed()
        else:
            self.set_choice(sources.FILE)

    def base(self) -> str:
        """The chosen base as ``TrainConfig.base`` ("" from scratch)."""
        key = self.choice()
        if key == sources.JUST_TRAINED:
            return str(sources.just_trained_path())
        if key == sources.CHECKPOINT:
            return self.checkpoint.currentData() or ""
        if key == sources.FILE:
            return self.path.text().strip()
        return sources.KERAS_BASE if key == sources.KERAS else ""

    def result(self):
        """The PlanResult the table shows, or None."""
        return self._result

    def set_cut(self, name: str) -> None:
        """Keep the base's layers up to `name` ("" = the convolutional base)."""
        index = self.keep.findData(name)
        if index >= 0:
            self.keep.setCurrentIndex(index)

    def fields(self) -> dict:
        """The TrainConfig fields of these settings (ValueError with a sentence when one is not usable).

        A plan still being made is waited for (a preset's frozen layers come
        with it), so that no run starts while the planner builds models.
        """
        self.settle()
        base = self.base()
        if not base:
            if self.choice() != sources.SCRATCH:
                raise ValueError(self._missing_base_text())
            return dict(base="", keep_up_to="", head=(), frozen_layers=(), warmup_epochs=0, reinitialise=False)
        if self.choice() == sources.JUST_TRAINED and not os.path.exists(base):
            raise ValueError(self._missing_base_text())
        return dict(base=base, keep_up_to=self.keep.currentData() or "", head=self.head_layers(),
                    frozen_layers=self._frozen, warmup_epochs=self._warmup, reinitialise=False)

    def set_fields(self, config) -> None:
        """Show a TrainConfig's transfer fields (from a lesson or the preferences)."""
        key = sources.choice_of(config.base)
        self.head.setText(_head_text(config.head))
        self._frozen, self._warmup = tuple(config.frozen_layers), int(config.warmup_epochs)
        self._keep_wanted = config.keep_up_to
        self.preset.blockSignals(True)
        self.preset.setCurrentText(CUSTOM_PRESET if config.base else "feature extraction")
        self.preset.blockSignals(False)
        self.source.blockSignals(True)
        self.source.setCurrentIndex(self.source.findData(key))
        self.source.blockSignals(False)
        if key == sources.FILE:
            self.path.setText(config.base)
        elif key == sources.CHECKPOINT:
            self._fill_checkpoints(config.base)
        self._show_source(replan=True, keep_model=True)

    def settle(self, timeout_ms: int = 60000) -> None:
        """Wait for the planner's work, and show its answer now (rather than at the next event loop)."""
        if self.planner.is_busy():
            self.planner.wait(timeout_ms)
            QCoreApplication.sendPostedEvents(self)  # the queued planned/failed signals for this panel

    def head_layers(self) -> tuple:
        """The new head's LayerSpecs (ValueError naming the layer when the text is not valid)."""
        try:
            return parse_layers(self.head.text().replace(";", "\n"))
        except LayerTextError as exc:
            raise ValueError(f"the new head's layer {exc.line}: {str(exc).split(': ', 1)[1]}") from None

    def shutdown(self) -> None:
        self.planner.shutdown()

    # ------------------------------------------------------------------ source
    def _on_source_changed(self, _index: int) -> None:
        if self.choice() == sources.FILE and not self.path.text().strip():
            self._choose_file()
        self._show_source(replan=True)
        self.changed.emit()

    def _show_source(self, *, replan: bool = False, keep_model: bool = False) -> None:
        key = self.choice()
        self.checkpoint.setEnabled(key == sources.CHECKPOINT)
        self.path.setEnabled(key == sources.FILE)
        self.browse.setEnabled(key == sources.FILE)
        if key == sources.CHECKPOINT and not keep_model:
            self._fill_checkpoints(self.checkpoint.currentData())
        for widget in (self.keep, self.preset, self.head, self.table, self.similar, self.use_advice):
            widget.setEnabled(key != sources.SCRATCH)
        self._show_advice()
        if key == sources.SCRATCH:
            self._clear("Training from scratch: the Network setting with fresh random weights. Choose a trained "
                        "model here to reuse its layers on the new data (transfer learning).")
        elif replan:
            self._replan(preset=self._preset_key(), save_model=key == sources.JUST_TRAINED and not keep_model)

    def _fill_checkpoints(self, wanted) -> None:
        self.checkpoint.blockSignals(True)
        self.checkpoint.clear()
        for text, path in sources.newest_checkpoints():
            self.checkpoint.addItem(text, path)
        if wanted and self.checkpoint.findData(wanted) < 0:
            self.checkpoint.addItem(os.path.basename(wanted), wanted)
        self.checkpoint.setCurrentIndex(max(self.checkpoint.findData(wanted), 0) if wanted else 0)
        self.checkpoint.blockSignals(False)

    def _on_pick_changed(self, *_args) -> None:
        if self.choice() in (sources.CHECKPOINT, sources.FILE):
            self._replan(preset=self._preset_key())
            self.changed.emit()

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Start from a model", self.path.text(), "Keras model (*.keras)")
        if path:
            self.path.setText(path)
            self._on_pick_changed()

    def _missing_base_text(self) -> str:
        key = self.choice()
        if key == sources.JUST_TRAINED:
            return "there is no model trained yet to start from: train one (or load one) first"
        if key == sources.CHECKPOINT:
            return "there are no checkpoints yet: every run saves one per epoch"
        return "choose the .keras file to start from"

    # ------------------------------------------------------------------ planning
    def _preset_key(self) -> str:
        name = self.preset.currentText()
        return "" if name == CUSTOM_PRESET else name

    def _replan(self, *, preset: str = "", save_model: bool = False, hint: str = "") -> None:
        base = self.base()
        model = None
        if self.choice() == sources.JUST_TRAINED and (save_model or not os.path.exists(base)):
            model = self._model_source()
            if model is None:
                self._clear(_sentence(self._missing_base_text()), error=True)
                return
        if not base:
            self._clear(_sentence(self._missing_base_text()), error=True)
            return
        try:
            head = self.head_layers()
        except ValueError as exc:
            self._show_head_error(str(exc))
            return
        self._show_head_error("")
        keep = (self.keep.currentData() or "") if self._keep_wanted is None else self._keep_wanted
        self._keep_wanted = None
        classes, _, shape = self._facts
        self._say("Saving the model just trained and planning…" if model is not None else
                  "Downloading MobileNetV2's ImageNet weights the first time (about 14 MB) and planning…"
                  if base == sources.KERAS_BASE else "Loading the base and planning…")
        self.planner.request(PlanRequest(source=base, num_classes=classes, keep_up_to=keep, head=head,
                                         frozen_layers=self._frozen, preset=preset, input_shape=shape, model=model,
                                         hint=hint))

    def _on_planned(self, result) -> None:
        if result.request.source != self.base():
            return  # a base the user has left since
        self._result = result
        self._frozen = result.frozen_layers
        if result.request.preset:
            self._warmup = result.warmup_epochs
        self._fill_cuts(result)
        self.table.show_rows(result.rows)
        plan = result.plan
        self.totals.setText(f"<b>trainable {plan.trainable_params:,}</b> · non-trainable "
                            f"{plan.non_trainable_params:,} parameters"
                            + (f" · the first {self._warmup} epoch(s) train the new head only" if self._warmup
                               else ""))
        kept = len(plan.kept_names)
        self._say(f"{os.path.basename(result.request.source)}: {kept} of {len(result.layer_names)} layers kept, "
                  f"{len(self._frozen)} frozen. Start trains it on the new data.")
        self.planned.emit(result)
        self.changed.emit()

    def _fill_cuts(self, result) -> None:
        self.keep.blockSignals(True)
        self.keep.clear()
        self.keep.addItem(f"the convolutional base (to {result.default_cut})", "")
        for name in result.cuts:
            self.keep.addItem(name, name)
        wanted = result.keep_up_to
        self.keep.setCurrentIndex(max(self.keep.findData(wanted), 0))
        self.keep.blockSignals(False)

    def _on_failed(self, message: str) -> None:
        self._clear(f"Cannot start from this model: {message}", error=True)

    def _clear(self, text: str, *, error: bool = False) -> None:
        self._result = None
        self.table.show_rows(())
        self.totals.setText("")
        self._say(text, error=error)

    def _on_cut_changed(self, _index: int) -> None:
        if self._result is None:
            return
        names = self._result.layer_names
        keep = self.keep.currentData() or self._result.default_cut
        kept = names[:names.index(keep) + 1] if keep in names else names
        self._frozen = tuple(n for n in self._frozen if n in kept)
        self._replan(preset=self._preset_key())
        self.changed.emit()

    def _on_preset_changed(self, _index: int) -> None:
        if self.preset.currentText() == CUSTOM_PRESET:
            self._warmup = 0
        self._replan(preset=self._preset_key())
        self.changed.emit()

    def _on_frozen_edited(self, names: tuple) -> None:
        self._frozen, self._warmup = tuple(names), 0
        self.preset.blockSignals(True)
        self.preset.setCurrentText(CUSTOM_PRESET)  # the user's own choice now
        self.preset.blockSignals(False)
        self._replan()
        self.changed.emit()

    def _on_head_changed(self) -> None:
        self._replan(preset=self._preset_key())
        self.changed.emit()

    def _show_head_error(self, text: str) -> None:
        self.head_error.setText(text)
        self.head_error.setVisible(bool(text))

    # ------------------------------------------------------------------ advice
    def advice_value(self):
        """The current recommendation (a transfer.Advice), or None when the data's size is unknown."""
        return self._advice

    def _show_advice(self, *_args) -> None:
        from explorer.core.model.transfer import recommend

        _, each, _ = self._facts
        if not each:
            self._advice = None
            self.advice.setText("Say how many images per class the new data has (the Per class setting) to get "
                                "advice.")
            self.use_advice.setEnabled(False)
            return
        similar = bool(self.similar.currentData())
        self._advice = recommend(each, similar)
        cut = self._advice.keep_up_to_hint or "the convolutional base"
        self.advice.setText(f"About {each:,} training images per class, {'similar' if similar else 'different'} "
                            f"data: <b>{self._advice.preset}</b>, keep {cut}. {self._advice.why}")
        self.use_advice.setEnabled(self.choice() != sources.SCRATCH)

    def apply_advice(self) -> None:
        """Set the preset (and the cut, where the advice names a layer) as the advice says."""
        if self._advice is None:
            return
        self.preset.blockSignals(True)
        self.preset.setCurrentText(self._advice.preset)
        self.preset.blockSignals(False)
        self._warmup = 0
        self._replan(preset=self._preset_key(), hint=self._advice.keep_up_to_hint)
        self.changed.emit()

    def _say(self, text: str, *, error: bool = False) -> None:
        set_colours(self.status, ERROR if error else None)
        self.status.setText(text)


def _head_text(head) -> str:
    return "; ".join(format_layers(head).strip().splitlines()) if head else ""


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
