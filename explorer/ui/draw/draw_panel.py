"""Draw & classify: draw a digit and see the guess and every layer's view of it, live.

While the pen moves, the drawing is classified once per frame (16 ms; the
first change at once, the newest ink each time, the last when the pen stops).
It is preprocessed as MNIST was made (crop, fit into 20×20, centre the mass
in 28×28 — every step shown) and sent to the app's `InferenceService`, which
answers from its own thread with the model just trained, the one still
training (its latest weight snapshot) or a loaded .keras file. The drawing can be saved as a labelled sample, so a
class can build its own dataset for the training studio's folder option.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer.ui.services.throttle import Throttle
from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.lazy_part import LazyPart
from explorer.ui.widgets.text_style import follow_layout, grow_pane, wrapped_height

FRAME_MS = 16  # one request per 60 Hz frame while the pen moves
NO_MODEL = ("No model yet. Train one in the training studio — or click <b>Quick train</b> for a 20-second run "
            "on the offline digits — or load a .keras file.")


class DrawPanel(LazyPart):
    """The third part of the window.

    Signals
    -------
    quick_train_requested()   the window starts a short run in the training studio
    classified(object)        an InferenceResult has been drawn (tests, benchmarks)
    drawing_ready(object)     the preprocessed drawing, (H, W, C) float32
    """

    quick_train_requested = Signal()
    classified = Signal(object)
    drawing_ready = Signal(object)  # the preprocessed drawing (the model input), for the studio's probe

    def __init__(self, parent: QWidget | None = None, *, inference=None) -> None:
        super().__init__("Preparing the drawing pad…", parent)
        self._inference = inference
        self._info = None  # ModelInfo of the model answering
        self._preprocessed = None
        self._ink_shape = None  # the canvas image the preprocessing started from (for the heat overlay)

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        from explorer.ui.draw.draw_canvas import DrawCanvas
        from explorer.ui.draw.probability_bars import ProbabilityBars
        from explorer.ui.widgets.activations_view import ActivationsView
        from explorer.ui.widgets.feature_maps import FeatureMapView

        self.canvas = DrawCanvas()
        self.bars = ProbabilityBars()
        self.activations = ActivationsView()
        self.steps = FeatureMapView()
        self.steps.describe("Preprocessing steps", tip("preprocessing"))
        self._throttle = Throttle(FRAME_MS, lambda _value: self.classify_now(), parent=self)
        self._build_layout()
        # Every ink change, including the stroke's last point (finishing a stroke adds no ink).
        self.canvas.ink_changed.connect(self._throttle.offer)
        if self._inference is not None:
            self._inference.result_ready.connect(self._on_result)
            self._inference.errored.connect(self._on_error)
            self._inference.model_changed.connect(self._on_model_changed)
            self._info = self._inference.model_info()  # a model may have arrived before this tab was opened
        self.steps.set_message("Draw a digit on the pad: each preprocessing step appears here.")
        self._show_model_state()

    def _build_layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.canvas, 1)
        left_layout.addLayout(self._tools())
        left_layout.addLayout(self._sample_row())

        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setAccessibleName("Model in use")
        self.quick_button = QPushButton("Quick train")
        describe(self.quick_button, "Quick train", "Train mnist-convnet for a few epochs on scikit-learn's bundled "
                 "digits (offline, about 20 seconds) and classify with it as it learns.")
        self.quick_button.clicked.connect(self.quick_train_requested)
        self.load_button = QPushButton("Load model…")
        describe(self.load_button, "Load model",
                 "Classify with a saved .keras model (models with custom code are refused).")
        self.load_button.clicked.connect(self._on_load_clicked)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Drawing hint")
        self.heat_box = QCheckBox("Show what mattered (Grad-CAM)")
        describe(self.heat_box, "Show what mattered (Grad-CAM)", tip("grad_cam"))
        self.heat_box.toggled.connect(lambda _on: self.classify_now())
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.quick_button)
        buttons.addWidget(self.load_button)
        right_layout.addWidget(self.model_label)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.bars, 2)
        right_layout.addWidget(self.heat_box)
        steps_caption = QLabel("<b>Preprocessing</b>, as MNIST was made: crop to the ink, fit into 20×20, "
                               "centre the mass in 28×28 — the last tile is what the model sees.")
        steps_caption.setBuddy(self.steps.graphics)
        steps_caption.setWordWrap(True)
        right_layout.addWidget(steps_caption)
        right_layout.addWidget(self.steps, 1)
        right_layout.addWidget(self.hint)

        top = QSplitter(Qt.Horizontal)
        top.addWidget(left)
        top.addWidget(right)
        top.setSizes([560, 700])
        main = QSplitter(Qt.Vertical)
        main.addWidget(top)
        main.addWidget(self.activations)
        main.setSizes([520, 260])
        self.layout().addWidget(main)
        self._right, self._rows = right, main
        # Not only when the text grows: also when the bars appear below the guess.
        follow_layout(right, self.refit_later)

    def _fit_to_text(self) -> None:
        """The right column gets the height its wrapped text needs, so the bars are never squeezed."""
        grow_pane(self._rows, 0, wrapped_height(self._right), 1, keep=120)

    def _tools(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.brush = QSlider(Qt.Horizontal)
        self.brush.setRange(2, 20)
        self.brush.setValue(round(self.canvas.brush() * 100) or 8)
        describe(self.brush, "Brush size", tip("brush"))
        self.brush.valueChanged.connect(lambda value: self.canvas.set_brush(value / 100))
        self.eraser = QCheckBox("Eraser")
        describe(self.eraser, "Eraser", tip("eraser"))
        self.eraser.toggled.connect(self.canvas.set_eraser)
        undo, clear = QPushButton("Undo stroke"), QPushButton("Clear")
        describe(undo, "Undo stroke", "Remove the last stroke (Ctrl+Z).")
        describe(clear, "Clear the pad", "Clear the pad and start again (Esc; Ctrl+Z brings the drawing back).")
        undo.clicked.connect(self.canvas.undo)
        clear.clicked.connect(self.canvas.clear)
        brush_label = QLabel("Brush")
        brush_label.setBuddy(self.brush)
        for widget in (brush_label, self.brush, self.eraser, undo, clear):
            row.addWidget(widget)
        return row

    def _sample_row(self) -> QGridLayout:
        grid = QGridLayout()
        self.sample_label = QSpinBox()
        self.sample_label.setRange(0, 9)
        self.sample_label.setPrefix("label ")
        describe(self.sample_label, "Sample label", tip("sample_label"))
        self.sample_folder = QLabel(str(default_samples_folder()))
        self.sample_folder.setWordWrap(True)
        self.sample_folder.setAccessibleName("Sample folder")
        save = QPushButton("Save as sample")
        describe(save, "Save as sample", "Save the drawing as a 28×28 PNG in <folder>/<label>/, so the class can "
                 "build its own dataset and train on it with the training studio's 'folder' dataset.")
        save.clicked.connect(lambda: self.save_sample())
        choose = QPushButton("Folder…")
        describe(choose, "Choose sample folder", "Choose the folder the samples are saved in.")
        choose.clicked.connect(self._choose_folder)
        grid.addWidget(self.sample_label, 0, 0)
        grid.addWidget(save, 0, 1)
        grid.addWidget(choose, 0, 2)
        grid.addWidget(self.sample_folder, 1, 0, 1, 3)
        return grid

    # ------------------------------------------------------------------ classify
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self._info.input_shape) if self._info is not None else (28, 28, 1)

    def classify_now(self) -> None:
        """Preprocess the drawing and ask the model (the newest request wins)."""
        if not self._built:
            return
        from explorer.core.predict.drawing import DrawingError, preprocess

        try:
            ink = self.canvas.ink()
            self._ink_shape = ink.shape
            self._preprocessed = preprocess(ink, self.input_shape())
        except DrawingError as exc:
            self._preprocessed = None
            self.bars.clear(str(exc).capitalize() if str(exc) else "Draw a digit.")
            self.canvas.set_overlay(None)
            self.steps.set_message("Draw a digit on the pad.")
            self.hint.setText("")
            return
        self._show_steps(self._preprocessed)
        self.drawing_ready.emit(self._preprocessed.final)
        self.hint.setText("The ink touches the border: the model may miss the part outside. Draw a little "
                          "smaller." if self._preprocessed.touches_border else "")
        if self._inference is None or not self._inference.has_model():
            self._show_model_state()
            return
        self._inference.request(self._preprocessed.final, "draw", heat=self.heat_box.isChecked())

    def _show_steps(self, pre) -> None:
        final = pre.final if pre.final.ndim == 3 else pre.final[:, :, None]
        tiles = [pre.cropped, pre.scaled, pre.centred, final.mean(axis=2)]
        stack = np.stack([_display_tile(tile, STEP_TILE) for tile in tiles], axis=-1)
        self.steps.set_maps(stack, ["cropped", "fitted into the box", "centred by mass", "model input"],
                            signed=False)

    def _on_result(self, result) -> None:
        if result.tag != "draw":
            return
        from explorer.core.predict.drawing import heat_on_canvas

        names = self._info.class_names if self._info else tuple(str(i) for i in range(len(result.prediction.probabilities)))
        self.bars.set_probabilities(result.prediction.probabilities, names)
        self.activations.set_class_names(names)
        self.activations.set_prediction(result.prediction, input_image=self._preprocessed.final
                                        if self._preprocessed is not None else None)
        self.canvas.set_overlay(heat_on_canvas(result.heat, self._preprocessed, self._ink_shape)
                                if result.heat is not None and self._preprocessed is not None else None)
        self.classified.emit(result)

    def _on_error(self, tag: str, message: str) -> None:
        if tag == "model":
            self.model_label.setText(f"<span style='color:#b00020'>Cannot use that model: {message}</span>")
        elif tag == "draw":
            self.bars.clear(message)

    def _on_model_changed(self, info) -> None:
        self._info = info
        self._show_model_state()
        self.classify_now()

    def _show_model_state(self) -> None:
        has_model = self._inference is not None and self._inference.has_model()
        self.model_label.setText(f"Model: {self._info.source}" if has_model and self._info else NO_MODEL)
        self.quick_button.setVisible(not has_model)
        if not has_model:
            self.bars.clear("No model yet.")

    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load model", "", "Keras model (*.keras)")
        if path and self._inference is not None:
            self._inference.load_model_file(path)

    # ------------------------------------------------------------------ samples
    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Sample folder", self.sample_folder.text())
        if folder:
            self.sample_folder.setText(folder)

    def save_sample(self, folder: str | None = None, label: int | None = None) -> Path | None:
        """Save the model input as an 8-bit PNG in folder/label/ (atomically); None if nothing is drawn."""
        from PIL import Image

        from explorer.core.files import atomic_write

        if self._preprocessed is None:
            self.hint.setText("Draw something before saving a sample.")
            return None
        label = self.sample_label.value() if label is None else label
        target = Path(folder or self.sample_folder.text()) / str(label)
        target.mkdir(parents=True, exist_ok=True)
        pixels = np.clip(np.round(self._preprocessed.final * 255), 0, 255).astype(np.uint8)
        pixels = pixels[:, :, 0] if pixels.shape[2] == 1 else pixels
        number = 1 + sum(1 for _ in target.glob("*.png"))
        path = atomic_write(target / f"drawing-{number:04d}.png",
                            lambda tmp: Image.fromarray(pixels).save(tmp, format="PNG"))
        self.hint.setText(f"Saved {path}.")
        return path


STEP_TILE = 84  # display size of each preprocessing step (a multiple of 28: crisp pixels)


def _display_tile(image: np.ndarray, side: int) -> np.ndarray:
    """`image` scaled to fit a side×side tile (nearest: the pixels stay visible), centred on black."""
    from PIL import Image

    h, w = image.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized = np.asarray(Image.fromarray(image.astype(np.float32), mode="F").resize(size, Image.NEAREST))
    tile = np.zeros((side, side), np.float32)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    tile[top:top + size[1], left:left + size[0]] = resized
    return tile


def default_samples_folder() -> Path:
    from explorer.paths import user_data_dir

    return user_data_dir() / "class-drawings"
