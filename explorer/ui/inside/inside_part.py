"""Inside the network: what the current model learned, in four views, computed in the background.

The part follows the app's current model: the training studio's snapshots
(the model still training, or trained; a replayed moment), or a loaded
`.keras` file. Its `InspectWorker` holds its own copy and answers each
view's newest request; the progress bar at the bottom shows the running one
and Cancel stops everything. Test images come from the studio's run, or are
loaded here for a model loaded from a file.

Views: what each unit (or class) wants to see, the test images that excite
a unit most, where the model looks (Grad-CAM, saliency, SmoothGrad,
occlusion) and how a layer arranges the test set (PCA / t-SNE).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTabWidget, QWidget

from explorer.ui.inside.jobs import Answer, ModelFacts, Problem, Progress, TestData, read_only
from explorer.ui.widgets.form_widgets import combo_box
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.lazy_part import LazyPart

__all__ = ["OFFERED_DATASETS", "InsidePart", "test_data"]

#: Datasets offered for a model loaded from a file ("folder" needs the studio's folder setting).
OFFERED_DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10")


def test_data(value, source: str = "the training run's test set") -> TestData:
    """A TestData from the studio's ``(images, labels, class_names)`` (or a TestData, unchanged)."""
    if isinstance(value, TestData):
        return value
    images, labels, names = value
    return TestData(read_only(images, np.float32), read_only(labels, np.int64), tuple(str(n) for n in names), source)


class InsidePart(LazyPart):
    """The fourth part of the window.

    Signals
    -------
    probe_chosen(object)
        An image (H, W, C) chosen in a view (a point of the embedding, a top image): the studio's probe.
    """

    probe_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Preparing the Inside view…", parent)
        self._model_source = None  # ("snapshot", ModelSnapshot) or ("file", path): the newest model
        self._data: TestData | None = None
        self._drawing = None
        self._facts: ModelFacts | None = None
        self._latest: dict[str, int] = {}  # each view's newest request serial
        self._running: int | None = None  # the serial the progress bar follows

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        from explorer.core.train.datasets import DATASET_LABELS
        from explorer.ui.inside.attribution_view import AttributionView
        from explorer.ui.inside.embedding_view import EmbeddingView
        from explorer.ui.inside.inspect_worker import InspectWorker
        from explorer.ui.inside.top_images_view import TopImagesView
        from explorer.ui.inside.units_view import UnitsView

        self.worker = InspectWorker(self)
        self.units, self.top, self.attribution, self.embedding = (UnitsView(), TopImagesView(), AttributionView(),
                                                                  EmbeddingView())
        self.views = {view.kind: view for view in (self.units, self.top, self.attribution, self.embedding)}
        self.model_label = QLabel()
        self.model_label.setAccessibleName("Model inspected")
        self.data_label = QLabel()
        self.data_label.setAccessibleName("Test images")
        self.dataset = combo_box([(DATASET_LABELS[n], n) for n in OFFERED_DATASETS], "The dataset whose test "
                                 "images go with a model loaded from a file ('digits' works offline).", "Dataset")
        self.load_data_button = describe(QPushButton("Load test images"), "Load test images",
                                         "Load the chosen dataset's test images for the top images and the "
                                         "embedding (downloads MNIST, Fashion-MNIST or CIFAR-10 once).")
        self.load_model_button = describe(QPushButton("Load .keras…"), "Load model file",
                                          "Inspect a model saved as a .keras file (loaded in safe mode).")
        header = QHBoxLayout()
        for widget in (self.model_label, self.load_model_button):
            header.addWidget(widget)
        header.addStretch(1)
        for widget in (self.data_label, self.dataset, self.load_data_button):
            header.addWidget(widget)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        describe(self.tabs.tabBar(), "Inside views", "What the network learned, four ways: pick one.")
        for view, title in ((self.units, "What a unit wants to see"), (self.top, "Images that excite it"),
                            (self.attribution, "Where the model looks"), (self.embedding, "How it arranges data")):
            self.tabs.addTab(view, title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, view.toolTip())
        self.status = QLabel()
        self.status.setAccessibleName("Inside status")
        self.progress = QProgressBar()
        describe(self.progress, "Progress", "How far the computation running in the background has got.")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(260)
        self.cancel_button = describe(QPushButton("Cancel"), "Cancel",
                                      "Stop the computation running in the background (and any waiting).")
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.progress)
        footer.addWidget(self.cancel_button)
        self.layout().addLayout(header)
        self.layout().addWidget(self.tabs, 1)
        self.layout().addLayout(footer)
        self._connect()
        self._idle("")
        self._show_facts(None)
        self._show_data()
        if self._drawing is not None:
            self.attribution.set_drawing(self._drawing)
        if self._model_source is not None:
            kind, value = self._model_source
            self.worker.set_snapshot(value) if kind == "snapshot" else self.worker.load_model_file(value)
            self._preparing()

    def _connect(self) -> None:
        for view in self.views.values():
            view.requested.connect(self._on_requested)
        self.worker.model_ready.connect(self._on_model_ready)
        self.worker.answered.connect(self._on_answered)
        self.worker.progressed.connect(self._on_progressed)
        self.worker.failed.connect(self._on_failed)
        self.worker.data_ready.connect(self.set_test_data)
        self.cancel_button.clicked.connect(self.cancel)
        self.load_data_button.clicked.connect(self._on_load_data)
        self.load_model_button.clicked.connect(self._on_load_model)
        self.embedding.probe_chosen.connect(self.probe_chosen)
        self.embedding.image_chosen.connect(self.attribution.show_test_image)
        self.top.grid.item_chosen.connect(self._on_top_image_chosen)

    # ------------------------------------------------------------------ inputs (the shell wires them)
    @Slot(object)
    def set_snapshot(self, snapshot) -> None:
        """Inspect this model snapshot (UI thread; the shell queues the training thread's snapshots here)."""
        self._model_source = ("snapshot", snapshot)
        if self._built and not self._closed:
            generation = self.worker.generation
            self.worker.set_snapshot(snapshot)
            if self.worker.generation != generation:
                self._preparing()
            elif self._facts is not None:  # the same network with newer weights: say which
                self.model_label.setText(f"<b>Model:</b> {snapshot.source}")

    @Slot(str)
    def set_model_file(self, path: str) -> None:
        """Inspect the .keras file at `path`."""
        self._model_source = ("file", str(path))
        if self._built and not self._closed:
            self.worker.load_model_file(str(path))
            self._preparing()

    @Slot(object)
    def set_test_data(self, value) -> None:
        """The test images to inspect with: ``(images, labels, class_names)`` (the studio's run) or a TestData."""
        self._data = test_data(value)
        if self._built:
            self.load_data_button.setEnabled(True)
            self._show_data()

    @Slot(object)
    def set_drawing(self, image) -> None:
        """The drawing pad's newest drawing, for the attribution view (recomputed if it shows the drawing)."""
        self._drawing = image
        if self._built:
            self.attribution.set_drawing(image)
            shown = self.attribution.isVisible() and self.attribution.message() is None
            if shown and self.attribution.source.currentData() == "drawing":
                self.attribution.request()

    # ------------------------------------------------------------------ state
    def facts(self) -> ModelFacts | None:
        """What the worker knows of the model in use (None before one is ready)."""
        return self._facts

    def test_images(self) -> TestData | None:
        return self._data

    def cancel(self) -> None:
        """Stop every computation requested so far."""
        if self._built:
            self.worker.cancel()

    def shutdown(self) -> None:
        super().shutdown()
        if self._built:
            self.worker.shutdown()

    def _preparing(self) -> None:
        self._idle("")  # work for the old model stops without an answer
        self._facts = None
        self.model_label.setText("Model: preparing…")
        for view in self.views.values():
            view.set_facts(None)
            view.show_message("Preparing the model for inspection…")

    def _show_facts(self, facts: ModelFacts | None) -> None:
        self._facts = facts
        self.model_label.setText(f"<b>Model:</b> {facts.source}" if facts else "<b>Model:</b> none yet")
        for view in self.views.values():
            view.set_facts(facts)

    def _show_data(self) -> None:
        data = self._data
        self.data_label.setText(f"<b>Test images:</b> {len(data.images):,} ({data.source})" if data else
                                "<b>Test images:</b> none yet")
        for view in (self.top, self.attribution, self.embedding):
            view.set_data(data)

    # ------------------------------------------------------------------ worker traffic
    def _on_requested(self, kind: str, request) -> None:
        serial = self.worker.request(kind, request)
        self._latest[kind] = self._running = serial
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.status.setText("Working…")

    def _on_model_ready(self, facts: ModelFacts) -> None:
        if facts.generation == self.worker.generation:
            self._show_facts(facts)

    def _on_answered(self, answer: Answer) -> None:
        if answer.generation != self.worker.generation or answer.serial != self._latest.get(answer.kind):
            return  # an older model's or a superseded request's
        self.views[answer.kind].show_answer(answer)
        if answer.final and answer.serial == self._running:
            self._idle(f"Done in {answer.elapsed_s:.1f} s.")

    def _on_progressed(self, progress: Progress) -> None:
        if progress.serial == self._running:
            self.progress.setValue(int(progress.fraction * 1000))
            self.status.setText(f"{progress.text}… {progress.fraction:.0%}")

    def _on_failed(self, problem: Problem) -> None:
        if problem.kind == "model":
            if problem.serial == self.worker.generation:
                self._show_facts(None)
                for view in self.views.values():
                    view.show_message(problem.message)
            return
        if problem.kind == "data":
            self.status.setText(problem.message)
            self.load_data_button.setEnabled(True)
            return
        if problem.serial == self._latest.get(problem.kind):
            self.views[problem.kind].show_problem(problem)
        if problem.serial == self._running:
            self._idle(problem.message)

    def _idle(self, text: str) -> None:
        self._running = None
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.status.setText(text)

    # ------------------------------------------------------------------ buttons
    def _on_load_data(self) -> None:
        name = self.dataset.currentData()
        self.status.setText(f"Loading the {self.dataset.currentText()} test images…")
        self.load_data_button.setEnabled(False)
        self.worker.load_dataset(name)

    def load_dataset(self, name: str) -> None:
        """Load dataset `name`'s test images (as the Load button does)."""
        self.build()
        self.dataset.setCurrentIndex(self.dataset.findData(name))
        self._on_load_data()

    def _on_load_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Inspect a model", "", "Keras model (*.keras)")
        if path:
            self.set_model_file(path)

    def _on_top_image_chosen(self, index: int) -> None:
        if self._data is not None and 0 <= index < len(self._data.images):
            self.attribution.show_test_image(index)
            self.probe_chosen.emit(self._data.images[index])

