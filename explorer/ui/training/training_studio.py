"""The training studio: train the course's convnets in the background and watch them learn.

The worker thread owns the training model; this panel only receives
immutable updates (throttled by the trainer, dispatched on their type) and
draws them, at most every DRAW_INTERVAL_MS: progress, curves, the probe
image's activations in every layer, the first layer's filters, and after
training the test accuracy, the confusion matrix and the misclassified images
(click one to make it the probe). The trainer's `ModelSnapshot`s pass through
`snapshot_ready` on the worker thread, never this one, so the drawing pad
can classify with the model as it learns.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from explorer.core.model.summary import summary_html
from explorer.core.train.config import Augmentation, TrainConfig
from explorer.core.train.updates import (
    BatchDone,
    Diverged,
    EpochDone,
    Failed,
    Finished,
    Paused,
    RunStarted,
    Stopped,
    TrainUpdate,
)
from explorer.ui.services.throttle import Throttle
from explorer.ui.training.augment_worker import AugmentationPreviewer
from explorer.ui.training.studio_layout import lay_out
from explorer.ui.widgets.lazy_part import LazyPart
from explorer.ui.widgets.text_style import set_colours, widen_panes

DRAW_INTERVAL_MS = 333  # batch updates are drawn at most 3 times a second: painting competes with training
#: The updates the studio draws (progress bars, curves, probe, filters).
_Drawn = BatchDone | Paused | EpochDone | Finished | Stopped
QUICK_CONFIG = TrainConfig(model="mnist-convnet", dataset="digits", epochs=4, batch_size=32, validation_split=0.1)


class TrainingStudio(LazyPart):
    """The second part of the window.

    Signals
    -------
    snapshot_ready(ModelSnapshot)
        The current model, for the drawing pad: emitted on the training
        worker's thread (connect with ``Qt.DirectConnection`` to a thread-safe
        receiver to keep it off the UI thread).
    running_changed(bool)
    replayed(ModelSnapshot)
        The model at the moment the run's timeline shows; the newest live one again when the replay ends.
    test_data_ready(object)
        A run's test set, ``(images, labels, class_names)`` (read-only arrays), for the Inside part.
    model_file_loaded(str)
        The path of a .keras file the studio adopted.
    """

    snapshot_ready = Signal(object)
    running_changed = Signal(bool)
    replayed = Signal(object)
    test_data_ready = Signal(object)
    model_file_loaded = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, inference=None) -> None:
        super().__init__("Preparing the training studio…", parent)
        self._inference = inference  # the app's InferenceService (probe after training), optional
        self._started: RunStarted | None = None  # dataset facts of the current run
        self._config: TrainConfig | None = None
        self._history: dict = {}
        self._trained_model = None  # after a run: the model, for saving (never touched while training)
        self._probe_image = None  # the image whose activations are shown (a test image or the drawing)
        self._initial_config: TrainConfig | None = None  # remembered settings, shown once built

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        from explorer.ui.training.augmentation_preview import AugmentationPreview
        from explorer.ui.training.comparison_view import ComparisonView
        from explorer.ui.training.confusion_view import ConfusionView
        from explorer.ui.training.curves_view import CurvesView
        from explorer.ui.training.filters_view import FiltersView
        from explorer.ui.training.gallery_view import GalleryView
        from explorer.ui.training.offline_offer import OfflineOffer
        from explorer.ui.training.replay_controller import ReplayController
        from explorer.ui.training.results_gallery import ResultsGallery
        from explorer.ui.training.training_controls import TrainingControls
        from explorer.ui.training.training_worker import TrainingController
        from explorer.ui.training.transfer_comparison import TransferComparison
        from explorer.ui.widgets.activations_view import ActivationsView

        self.controls = TrainingControls()
        self.curves = CurvesView()
        self.activations = ActivationsView()
        self.filters = FiltersView()
        self.confusion = ConfusionView()
        self.gallery = GalleryView()
        self.results = ResultsGallery(self.confusion, self.gallery, self)  # mistakes, or a clicked cell's images
        self.augment_view = AugmentationPreview()
        self.comparison_view = ComparisonView()
        self.comparison = TransferComparison(self.comparison_view, self.start, self)
        self.controls.transfer.set_model_source(self.trained_model)  # "Start from: the model just trained"
        self.controller = TrainingController(self)
        self.replay = ReplayController(curves=self.curves, filters=self.filters, activations=self.activations,
                                       probe_image=self.probe_image, live=self.snapshot_ready.emit, parent=self)
        # Direct: the snapshots go on from the worker thread (see snapshot_ready), held back while replaying.
        self.controller.snapshot_ready.connect(self.replay.offer_snapshot, Qt.ConnectionType.DirectConnection)
        self._previewer = AugmentationPreviewer(self)
        self.offline_offer = OfflineOffer(self.controls, self.start)  # shown after a failed download
        laid = lay_out(controls=self.controls, curves=self.curves, activations=self.activations,
                       filters=self.filters, confusion=self.confusion, gallery=self.gallery,
                       augment_view=self.augment_view, offer=self.offline_offer, timeline=self.replay.timeline,
                       transfer=(self.controls.transfer, self.comparison_view))
        self.layout().addWidget(laid.columns)
        self._columns, self.status, self.buttons, self.tabs = laid.columns, laid.status, laid.buttons, laid.tabs
        self.epoch_bar, self.batch_bar, self.results_label = laid.epoch_bar, laid.batch_bar, laid.results_label
        self.summary, self.follow_drawing = laid.summary, laid.follow_drawing
        self._status_is_error = False
        self._connect()
        self.activations.clear("Start training: every layer's activations for a probe image appear here as the "
                               "network learns (click a misclassified image afterwards to probe it).")
        self._set_running(False)
        if self._initial_config is not None:
            self.controls.set_config(self._initial_config)

    def _fit_to_text(self) -> None:
        """The settings column shows its controls whole at any UI scale; the plots give up the room."""
        widen_panes(self._columns, (0,), 1, keep=400, preferred=True)

    def _connect(self) -> None:
        self.buttons["start"].clicked.connect(self.start)
        self.buttons["pause"].clicked.connect(self._on_pause_clicked)
        self.buttons["stop"].clicked.connect(self.controller.stop)
        self.buttons["reset"].clicked.connect(self.reset)
        self.buttons["save"].clicked.connect(self._on_save_clicked)
        self.buttons["load"].clicked.connect(self._on_load_clicked)
        self.buttons["export"].clicked.connect(self._on_export_clicked)
        self.buttons["compare"].clicked.connect(lambda: self.compare_with_scratch())
        self.controller.progressed.connect(self.comparison.on_update)
        self.controller.running_changed.connect(self.comparison.on_running_changed)
        self.comparison.both_shown.connect(lambda: self.tabs.setCurrentWidget(self.comparison_view))
        self._latest_probe = self._latest_kernels = None  # newest data for tabs not on screen
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._draws = Throttle(DRAW_INTERVAL_MS, self._on_progress, _keep_weights_and_probe, at_once=False,
                               parent=self)
        self.controller.progressed.connect(self._on_update)
        self.controller.progressed.connect(self.replay.record)  # every update: the moments worth replaying
        self.replay.replayed.connect(self.replayed)
        self.replay.ended.connect(self._on_replay_ended)
        self.controller.running_changed.connect(self._set_running)
        self.controller.running_changed.connect(self.running_changed)  # only real state changes
        self.gallery.image_clicked.connect(self._on_gallery_clicked)
        self.controls.changed.connect(self._show_summary)
        self._augment_timer = QTimer(self, singleShot=True, interval=300)
        self._augment_timer.timeout.connect(self._refresh_augmentation)
        self.controls.changed.connect(self._augment_timer.start)
        self._previewer.ready.connect(self._on_augmented)
        self.controls.edit_layers_requested.connect(self._edit_layers)
        if self._inference is not None:
            self._inference.result_ready.connect(self._on_inference)
        self._show_summary()

    # ------------------------------------------------------------------ actions
    def start(self, config: TrainConfig | None = None, **trainer_options) -> bool:
        """Start training `config` (default: the controls); False with a message if impossible."""
        self.build()
        try:
            config = config or self.controls.config()
        except ValueError as exc:
            self._say(f"Cannot start: {exc}.", error=True)
            return False
        if self.controller.is_running():
            return False
        self._config = config
        self.reset()
        self._trained_model = None  # not the last run's (reset takes it back): this run's, once it has ended
        self._say("Loading the data and building the model…")
        self.offline_offer.hide()
        self.controller.start(config, **trainer_options)
        self.comparison.note_start(config, trainer_options)
        return True

    def compare_with_scratch(self, **trainer_options) -> bool:
        """The transfer run (unless it has run) and then the same network from scratch, side by side."""
        try:
            problem = self.comparison.compare(self.training_config(), trainer_options)
        except ValueError as exc:
            problem = str(exc)
        if problem:
            self._say(f"Cannot compare: {problem}.", error=True)
        return not problem

    def quick_train(self) -> bool:
        """A short run on the offline digits, for the drawing pad's 'no model yet' prompt."""
        self.build()
        self.controls.set_config(QUICK_CONFIG)
        return self.start(QUICK_CONFIG)

    def reset(self) -> None:
        """Clear curves and results (not while training)."""
        if self.controller.is_running():
            return
        self._started, self._history, self._trained_model = None, {}, None
        self.replay.begin(self._config)  # back to live; the last run's moments are forgotten
        self.curves.reset(self._config.epochs if self._config else 1)
        self.epoch_bar.reset()
        self.batch_bar.reset()
        self.activations.clear("The probe image's activations appear here while the model trains.")
        self.results_label.setText("Train a model to see its test accuracy, confusion matrix and mistakes.")
        self.results.clear()
        self._set_running(False)

    def shutdown(self) -> None:
        """Stop training and wait for the workers (the window calls this when closing)."""
        super().shutdown()
        if self._built:
            self.controller.shutdown()
            self._previewer.shutdown()
            self.replay.shutdown()
            self.controls.transfer.shutdown()

    def _on_pause_clicked(self) -> None:
        if self.controller.is_paused():
            self.controller.resume()
            self.buttons["pause"].setText("Pause")
            self._say("Resumed.")
        else:
            self.controller.pause()
            self.buttons["pause"].setText("Resume")
            self._say("Paused after the current batch. Resume continues where it stopped.")

    def _set_running(self, running: bool) -> None:
        self.controls.set_running(running)
        self.buttons["start"].setEnabled(not running)
        self.buttons["pause"].setEnabled(running)
        self.buttons["stop"].setEnabled(running)
        self.buttons["reset"].setEnabled(not running)
        self.buttons["load"].setEnabled(not running)
        self.buttons["save"].setEnabled(not running and self._trained_model is not None)
        self.buttons["export"].setEnabled(bool(self._history))
        self.buttons["compare"].setEnabled(not running)
        if not running:
            self.buttons["pause"].setText("Pause")
            if self._trained_model is None:
                self._trained_model = self.controller.trained_model()
                self.buttons["save"].setEnabled(self._trained_model is not None)

    # ------------------------------------------------------------------ updates
    def _on_update(self, update: TrainUpdate) -> None:
        if isinstance(update, (BatchDone, Paused)):
            # Only the newest is drawn, at most every DRAW_INTERVAL_MS: painting curves and
            # activations costs CPU the training thread needs.
            self._draws.offer(update)
            return
        self._draws.flush()  # a batch update still waiting is older: drawn first
        match update:
            case RunStarted():
                self._on_started(update)
            case EpochDone():
                self._on_progress(update)
            case Finished() | Stopped():
                self._on_done(update)
            case Diverged():
                self._say(update.message or "Training diverged.", error=True)
                self._show_weights(update)
            case Failed():  # a failed download names the settings that work offline, with a button each
                advice = self.offline_offer.offer_if_offline(self._config, update.message)
                self._say(advice or update.message or "Training failed.", error=True)

    def _on_started(self, update: RunStarted) -> None:
        self._started = update
        self.test_data_ready.emit((update.test_images, update.test_labels, tuple(update.class_names)))
        self.activations.set_class_names(update.class_names)
        if self.follow_drawing.isChecked() and self._probe_image is not None:
            self.controller.set_probe(self._probe_image)
        elif len(update.test_images):
            self._set_probe(update.test_images[0])
        held_out = len(update.test_labels)
        self._say(f"Training {self._config.model} on {self._config.dataset}: {held_out} test images held out.")
        self._show_summary()

    def _on_progress(self, update: _Drawn) -> None:
        self.curves.show_update(update)
        if update.history:
            self._history = dict(update.history)
            self.buttons["export"].setEnabled(True)
        self.epoch_bar.setRange(0, max(update.epochs, 1))
        self.epoch_bar.setValue(update.epoch - (1 if isinstance(update, (BatchDone, Paused)) else 0))
        self.batch_bar.setRange(0, max(update.batches, 1))
        self.batch_bar.setValue(update.batch)
        self._say(_progress_text(update))
        self._show_probe(update)
        self._show_weights(update)

    def _on_done(self, update: Finished | Stopped) -> None:
        self._on_progress(update)
        evaluation = update.evaluation
        verb = "Finished" if isinstance(update, Finished) else "Stopped"
        if evaluation is None:
            self.results_label.setText(f"{verb}: no test evaluation.")
            self._say(f"{verb}.")
            return
        accuracy = f"{evaluation.test_accuracy:.2%}"
        self._say(f"{verb}. Test accuracy {accuracy} (loss {evaluation.test_loss:.4f}).")
        self.results_label.setText(f"<b>Test accuracy {accuracy}</b> on {len(evaluation.predicted)} test images; "
                                   f"{len(evaluation.misclassified)} misclassified. Click a cell of the matrix to see "
                                   "its images, an image to see how each layer saw it.")
        names = self._started.class_names if self._started else ()
        self.confusion.set_confusion(evaluation.confusion, names)
        if self._started is not None:
            self.results.show(self._started.test_images, self._started.test_labels, evaluation, names)

    def _show_probe(self, update: _Drawn) -> None:
        if update.probe is not None:
            self._latest_probe = update.probe
            if self.activations.isVisible() and not self.replay.active:  # hidden tabs draw when shown
                # A row at a time between other events: the UI never waits for a whole network.
                self.activations.set_prediction(update.probe, input_image=self._probe_image, progressive=True)

    def _on_tab_changed(self, _index: int) -> None:
        if self.replay.active:  # the replay has drawn every tab already
            return
        if self.tabs.currentWidget() is self.activations and self._latest_probe is not None:
            self.activations.set_prediction(self._latest_probe, input_image=self._probe_image)
        if self.tabs.currentWidget() is self.filters and self._latest_kernels is not None:
            self.filters.set_weights(self._latest_kernels)

    def _set_probe(self, image) -> None:
        """Make `image` the probe: the trainer reports its activations, or the classifier answers."""
        self._probe_image = image
        self.replay.set_probe(image)
        if self.controller.is_running():
            self.controller.set_probe(image)
        elif self._inference is not None and self._inference.has_model():
            self._inference.request(image, tag="probe")

    def use_drawing_as_probe(self, image) -> None:
        """The drawing pad's current drawing, used as the probe when 'Probe with my drawing' is on."""
        if self._built and self.follow_drawing.isChecked():
            self._set_probe(image)

    def _show_weights(self, update: _Drawn | Diverged) -> None:
        if update.weights:
            kernels = [w for w in update.weights if w.ndim == 4]
            if kernels:
                self._latest_kernels = kernels[0]
                if self.filters.isVisible() and not self.replay.active:
                    self.filters.set_weights(kernels[0])

    def _on_gallery_clicked(self, index: int) -> None:
        """A misclassified image becomes the probe: see how each layer saw it."""
        if self._started is None:
            return
        self.follow_drawing.setChecked(False)
        self.tabs.setCurrentWidget(self.activations)
        self._set_probe(self._started.test_images[index])

    def _on_replay_ended(self) -> None:
        """Back from a replay: the views show the run as it is now; the probe is answered by it again."""
        if self._latest_kernels is not None:
            self.filters.set_weights(self._latest_kernels)
        self._on_tab_changed(self.tabs.currentIndex())
        if self._probe_image is not None:
            self._set_probe(self._probe_image)

    def _on_inference(self, result) -> None:
        if result.tag == "probe" and not self.replay.active:
            self.activations.set_prediction(result.prediction, input_image=self._probe_image)

    # ------------------------------------------------------------------ augmentation preview
    def _refresh_augmentation(self) -> None:
        """Show a few images as the augmentation layers will vary them (computed off the UI thread)."""
        augmentation = Augmentation(self.controls.rotation.value(), self.controls.translation.value(),
                                    self.controls.zoom.value())
        if not augmentation.enabled:
            self.augment_view.clear("Turn on rotation, translation or zoom to preview the augmented images.")
            return
        started = self._started
        self._previewer.request(None if started is None else started.test_images[:3], augmentation)

    def _on_augmented(self, result) -> None:
        if isinstance(result, str):
            self.augment_view.clear(result)
        else:
            self.augment_view.set_images(result)

    # ------------------------------------------------------------------ files
    def _on_save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save model", "model.keras", "Keras model (*.keras)")
        if path:
            self.save_model(path)

    def save_model(self, path: str) -> bool:
        from explorer.core.model.model_files import ModelFileError, save_model

        if self._trained_model is None or self.controller.is_running():
            return False
        try:
            written = save_model(self._trained_model, path)
        except (OSError, ModelFileError, ValueError) as exc:
            self._say(f"Could not save the model: {exc}", error=True)
            return False
        self._say(f"Saved {written}.")
        return True

    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load model", "", "Keras model (*.keras)")
        if path:
            self.load_model(path)

    def load_model(self, path: str) -> bool:
        """Load a .keras model for inspection and for the drawing pad."""
        from explorer.core.model.model_files import ModelFileError, load_model

        try:
            model = load_model(path)
        except ModelFileError as exc:
            self._say(str(exc), error=True)
            return False
        return self.adopt_model(model, path)

    def trained_model(self):
        """The model the last run trained, or the one loaded; None before either (never the one training)."""
        return self._trained_model

    def adopt_model(self, model, path: str) -> bool:
        """Make a model already loaded (safe mode) from `path` the studio's and the drawing pad's."""
        self.build()
        if self.controller.is_running():
            return False
        self._trained_model = model
        self.buttons["save"].setEnabled(True)
        self.summary.setText(summary_html(model=model))
        self.replay.forget()  # the run's timeline is no longer about the model in use
        if self._inference is not None:
            self._inference.load_model_file(path)
        self.model_file_loaded.emit(str(path))
        self._say(f"Loaded {path}; the drawing pad uses it now.")
        return True

    # ------------------------------------------------------------------ lessons
    def is_running(self) -> bool:
        """True while a run is in progress (settings and model are then fixed)."""
        return self._built and self.controller.is_running()

    def has_trained_model(self) -> bool:
        """True when there is a model to save (trained or loaded, and no run in progress)."""
        return self._trained_model is not None and not self.is_running()

    def history(self) -> dict[str, tuple[float, ...]]:
        """The per-epoch curves of the current or last run, as Export curves… writes them."""
        return dict(self._history)

    def probe_image(self):
        """The image whose activations are shown (a test image, a clicked mistake, the drawing), or None."""
        return self._probe_image

    def training_config(self) -> TrainConfig:
        """The controls' settings (ValueError with a sentence when one is invalid)."""
        self.build()
        return self.controls.config()

    def settings_to_remember(self) -> TrainConfig | None:
        """The settings to remember at exit: the controls' when built and valid, else those restored."""
        if not self._built:
            return self._initial_config
        try:
            return self.controls.config()
        except ValueError:
            return None

    def set_training_config(self, config: TrainConfig) -> None:
        """Show `config` in the controls (not while a run is in progress; kept for later if not built)."""
        if not self._built:
            self._initial_config = config  # shown when the part is built: no start-up cost now
        elif not self.controller.is_running():
            self.controls.set_config(config)

    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export curves", "curves.csv", "CSV (*.csv)")
        if path:
            from explorer.core.train.history import save_history_csv

            try:
                self._say(f"Saved {save_history_csv(path, self._history)}.")
            except OSError as exc:
                QMessageBox.warning(self, "Export failed", f"Could not save the curves: {exc}")

    # ------------------------------------------------------------------ model editor and summary
    def _edit_layers(self) -> None:
        from explorer.ui.training.layer_editor import LayerEditorDialog

        dialog = LayerEditorDialog(self.controls.layers, self._input_shape(), parent=self)
        if dialog.exec():
            self.controls.layers = dialog.layers()
            self._show_summary()

    def _input_shape(self):
        from explorer.core.train.datasets import INPUT_SHAPES

        return INPUT_SHAPES.get(self.controls.dataset.currentText(), (28, 28, 1))

    def _show_summary(self) -> None:
        if not self._built:
            return
        name = self.controls.model.currentText()
        shape = tuple(self._started.input_shape) if self._started else self._input_shape()
        classes = len(self._started.class_names) if self._started else 10
        self.summary.setText(summary_html(name=name, layers=self.controls.layers, input_shape=shape,
                                           num_classes=classes))

    def _say(self, text: str, *, error: bool = False) -> None:
        if error != self._status_is_error:  # a new palette repaints: only when the colour changes
            set_colours(self.status, QColor("#b00020") if error else None)
            self._status_is_error = error
        self.status.setText(text)


def _keep_weights_and_probe(waiting, newer):
    """The newer batch or pause update, keeping the weights and probe of the one it replaces if it has none."""
    return replace(newer, weights=newer.weights or waiting.weights, probe=newer.probe or waiting.probe)


def _progress_text(update: _Drawn) -> str:
    parts = [f"epoch {update.epoch} of {update.epochs}", f"batch {update.batch} of {update.batches}"]
    rate = 0.0 if isinstance(update, Paused) else update.samples_per_s
    eta = update.eta_s if isinstance(update, (BatchDone, EpochDone)) else None
    if rate:
        parts.append(f"{rate:,.0f} images/s")
    if eta is not None:
        minutes, seconds = divmod(int(eta), 60)
        parts.append(f"about {minutes}:{seconds:02d} left")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if key in update.metrics:
            value = update.metrics[key]
            parts.append(f"{key.replace('_', ' ')} {value:.2%}" if "accuracy" in key else f"{key.replace('_', ' ')} "
                         f"{value:.4f}")
    return " · ".join(parts)


__all__ = ["QUICK_CONFIG", "TrainingStudio"]
