"""The training studio and the drawing pad in the real window, with real (tiny) training runs.

Data: scikit-learn's bundled digits (offline), a few hundred images, 1-2 epochs.
"""

import csv

import numpy as np
import pytest

from explorer.core.predict.drawing import Stroke, preprocess
from explorer.core.train.config import TrainConfig
from explorer.core.train.updates import BatchDone, Diverged, EpochDone, Finished, RunStarted
from explorer.ui.shell.main_window import MainWindow

TINY = TrainConfig(model="lenet5", dataset="digits", epochs=2, batch_size=16, limit=240, validation_split=0.2)


@pytest.fixture
def window(open_window):
    return open_window("training")


def train(qtbot, studio, config=TINY, timeout=120000):
    kinds = []
    studio.controller.progressed.connect(lambda update: kinds.append(type(update)))
    with qtbot.waitSignal(studio.running_changed, check_params_cb=lambda running: not running, timeout=timeout):
        assert studio.start(config, checkpoint_dir=None)
    return kinds


def test_a_run_fills_curves_filters_activations_and_results(qtbot, window, tmp_path):
    studio = window.training
    snapshots = []
    studio.snapshot_ready.connect(snapshots.append)
    kinds = train(qtbot, studio)
    assert kinds[0] is RunStarted and kinds[-1] is Finished and kinds.count(EpochDone) == 2
    assert len(studio.curves.data("loss")[1]) == 2 and len(studio.curves.data("val_accuracy")[1]) == 2
    assert "Test accuracy" in studio.results_label.text()
    assert snapshots and snapshots[-1].final and snapshots[-1].input_shape == (28, 28, 1)
    assert studio.buttons["save"].isEnabled()
    # the model trained in the worker can be saved (atomically) and the curves exported
    assert studio.save_model(str(tmp_path / "model.keras"))
    assert (tmp_path / "model.keras").stat().st_size > 1000
    from explorer.core.train.history import save_history_csv

    rows = list(csv.reader(open(save_history_csv(tmp_path / "curves.csv", studio.history()))))
    assert len(rows) == 3 and "loss" in rows[0]


def test_a_diverging_run_is_reported_and_stops_cleanly(qtbot, window):
    studio = window.training
    config = TrainConfig(model="lenet5", dataset="digits", epochs=3, batch_size=16, limit=200, optimizer="sgd",
                         learning_rate=1e6)
    kinds = train(qtbot, studio, config)
    assert Diverged in kinds
    assert "NaN" in studio.status.text() or "nan" in studio.status.text().lower()
    assert not studio.controller.is_running() and studio.buttons["start"].isEnabled()


def test_bad_settings_are_explained_before_starting(qtbot, window):
    studio = window.training
    studio.controls.learning_rate.setText("fast")
    assert not studio.start()
    assert "not a number" in studio.status.text()


def test_drawing_is_classified_while_the_model_trains(qtbot, window):
    """Quick training from the drawing pad: the pad follows the weights while the run goes on."""
    window.select_part("draw")
    assert window.wait_until_ready()
    pad = window.draw
    seven = [Stroke(((0.3, 0.25, 1.0), (0.7, 0.25, 1.0), (0.45, 0.8, 1.0)), width=0.08)]
    pad.canvas.set_strokes(seven)
    config = TrainConfig(model="mnist-convnet", dataset="digits", epochs=3, batch_size=16, limit=600)
    results = []
    pad.classified.connect(results.append)
    assert window.training.start(config, checkpoint_dir=None)
    qtbot.waitUntil(lambda: bool(results), timeout=120000)  # answered by a snapshot of the running model
    assert window.training.controller.is_running() or results[0].source.startswith("training")
    first = results[0]
    assert first.prediction.probabilities.shape == (10,)
    assert pad.bars.isVisible() and first.prediction.activations
    qtbot.waitUntil(lambda: not window.training.controller.is_running(), timeout=120000)
    pad.canvas.set_strokes(seven)
    qtbot.waitUntil(lambda: results[-1].source.startswith("trained"), timeout=30000)
    assert 0.0 <= float(results[-1].prediction.probabilities.sum()) - 1.0 < 1e-3


def test_empty_and_dot_drawings_explain_themselves(qtbot, window):
    window.select_part("draw")
    assert window.wait_until_ready()
    pad = window.draw
    pad.canvas.clear()
    pad.classify_now()
    assert "empty" in pad.bars.message().lower() or "draw" in pad.bars.message().lower()
    pad.canvas.set_strokes([Stroke(((0.5, 0.5, 1.0),), width=0.02)])
    pad.classify_now()
    assert "small" in pad.bars.message().lower()


def test_saving_a_drawing_as_a_labelled_sample(qtbot, window, tmp_path):
    window.select_part("draw")
    assert window.wait_until_ready()
    pad = window.draw
    pad.canvas.set_strokes([Stroke(((0.5, 0.2, 1.0), (0.5, 0.8, 1.0)), width=0.08)])
    pad.classify_now()
    path = pad.save_sample(str(tmp_path), label=1)
    assert path.parent == tmp_path / "1" and path.suffix == ".png"
    from PIL import Image

    assert np.asarray(Image.open(path)).shape == (28, 28)


def test_augmentation_preview_follows_the_settings(qtbot, window):
    studio = window.training
    studio.controls.rotation.setValue(0.1)
    qtbot.waitUntil(lambda: studio.augment_view.tile_count() == 12, timeout=30000)  # 3 images x (1 + 3 variants)
    studio.controls.rotation.setValue(0.0)
    qtbot.waitUntil(lambda: studio.augment_view.tile_count() == 0, timeout=5000)


def test_the_drawing_can_be_the_probe(qtbot, window):
    studio, pad = window.training, window.draw
    window.select_part("draw")
    assert window.wait_until_ready()
    studio.follow_drawing.setChecked(True)
    pad.canvas.set_strokes([Stroke(((0.5, 0.2, 1.0), (0.5, 0.8, 1.0)), width=0.08)])
    pad.classify_now()
    assert studio.probe_image() is not None and studio.probe_image().shape == (28, 28, 1)
    probes = []
    studio.controller.progressed.connect(lambda u: getattr(u, "probe", None) is not None and probes.append(u.probe))
    train(qtbot, studio)
    assert probes  # the trainer reported the drawing's activations
    np.testing.assert_array_equal(studio.probe_image(), preprocess(pad.canvas.ink(), (28, 28, 1)).final)


def test_a_model_that_is_not_a_classifier_is_explained(qtbot, window, tmp_path):
    from explorer.core import tf_backend
    from explorer.core.model.model_files import save_model

    keras = tf_backend.load().keras
    regression = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    save_model(regression, tmp_path / "scores.keras")
    window.select_part("draw")
    assert window.wait_until_ready()
    with qtbot.waitSignal(window.inference.errored, timeout=30000) as got:
        window.inference.load_model_file(str(tmp_path / "scores.keras"))
    assert got.args[0] == "model" and "not a class distribution" in got.args[1]
    assert "not a class distribution" in window.draw.model_label.text()
    assert not window.inference.has_model()


def test_closing_the_window_mid_training_stops_the_worker(qtbot):
    import time

    win = MainWindow(auto_load_tf=False)
    win.show()
    win.select_part("training")
    assert win.wait_until_ready()
    studio = win.training
    batches = []
    studio.controller.progressed.connect(lambda u: isinstance(u, BatchDone) and batches.append(u.batch))
    studio.start(TrainConfig(model="lenet5", dataset="digits", epochs=200, batch_size=8), checkpoint_dir=None)
    qtbot.waitUntil(lambda: len(batches) >= 2, timeout=60000)
    start = time.perf_counter()
    win.close()
    assert not studio.controller.is_running()
    assert time.perf_counter() - start < 10  # measured ~1 s; the benchmark reports it


def test_a_batch_update_is_drawn_at_once_and_the_next_no_sooner_than_the_draw_interval(qtbot, window):
    import time

    from explorer.ui.training.training_studio import DRAW_INTERVAL_MS

    studio = window.training
    drawn = []
    studio.batch_bar.valueChanged.connect(lambda value: drawn.append((value, time.monotonic())))

    def batch(n: int) -> BatchDone:
        return BatchDone(epoch=1, epochs=1, batch=n, batches=100, metrics={"loss": 1.0, "accuracy": 0.5})

    emitted = time.monotonic()
    studio.controller.progressed.emit(batch(1))
    assert drawn == []  # not inside the emission: at the next turn of the event loop
    qtbot.waitUntil(lambda: len(drawn) == 1, timeout=2000)
    assert drawn[0][1] - emitted < DRAW_INTERVAL_MS / 1e3  # nothing drawn lately: at once
    studio.controller.progressed.emit(batch(2))
    studio.controller.progressed.emit(batch(3))  # replaces 2, never drawn
    qtbot.waitUntil(lambda: len(drawn) == 2, timeout=2000)
    assert [n for n, _ in drawn] == [1, 3] and studio.batch_bar.value() == 3
    assert drawn[1][1] - drawn[0][1] >= DRAW_INTERVAL_MS / 1e3 * 0.9


def test_snapshots_go_to_the_classifier_without_the_ui_thread(qtbot, open_window, monkeypatch):
    """The shell wires the studio's snapshots straight to InferenceService.set_snapshot, on the worker thread."""
    import threading

    from explorer.ui.services.inference import InferenceService

    handed, original = [], InferenceService.set_snapshot

    def set_snapshot(self, snapshot):
        handed.append((snapshot, threading.current_thread()))
        original(self, snapshot)

    monkeypatch.setattr(InferenceService, "set_snapshot", set_snapshot)  # before the window connects it
    window = open_window("training")
    train(qtbot, window.training)
    assert handed and handed[-1][0].final and handed[-1][0].source.startswith("trained: ")
    assert all(thread is not threading.main_thread() for _, thread in handed)
    info = window.inference.model_info
    qtbot.waitUntil(lambda: info() is not None and info().source == handed[-1][0].source, timeout=30000)
