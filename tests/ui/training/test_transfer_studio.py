"""Transfer learning in the real window: digits 0-4 -> digits 5-9 with 10 images each, and from scratch.

Data: scikit-learn's bundled digits (offline); tiny runs of 1-3 epochs.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from explorer.core.train.config import TrainConfig
from explorer.ui.training import transfer_sources as sources
from explorer.ui.training.comparison_view import SCRATCH, TRANSFER

BASE = TrainConfig(model="mnist-convnet", dataset="digits", epochs=2, batch_size=32, classes=(0, 1, 2, 3, 4),
                   validation_split=0.1)


@pytest.fixture
def studio(open_window):
    return open_window("training").training


def _train(qtbot, studio, config, **options):
    with qtbot.waitSignal(studio.running_changed, check_params_cb=lambda running: not running, timeout=180000):
        assert studio.start(config, **options)


def _planned(qtbot, panel, action):
    with qtbot.waitSignal(panel.planned, timeout=60000) as blocker:
        action()
    return blocker.args[0]


def test_a_transfer_run_and_the_same_network_from_scratch_side_by_side(qtbot, studio):
    studio.controls.set_config(BASE)
    _train(qtbot, studio, BASE, checkpoint_dir=None)
    assert "Test accuracy" in studio.results_label.text()
    panel = studio.controls.transfer
    studio.tabs.setCurrentIndex(studio.tabs.indexOf(panel.parentWidget().parentWidget()))  # its scroll area
    result = _planned(qtbot, panel, lambda: panel.set_choice(sources.JUST_TRAINED))
    assert result.plan.non_trainable_params > 0 and "non-trainable" in panel.totals.text()
    # the new data: digits 5-9, ten training images each
    studio.controls.classes.setText("5-9")
    studio.controls.per_class.setValue(10)
    studio.controls.epochs.setValue(3)
    assert "About 10 training images per class" in panel.advice.text() and "Case 1" in panel.advice.text()
    config = studio.training_config()
    assert config.base == str(sources.just_trained_path()) and config.classes == (5, 6, 7, 8, 9)
    assert set(config.frozen_layers) == set(result.plan.kept_names)  # feature extraction
    configs, note_start = [], studio.comparison.note_start
    studio.comparison.note_start = lambda config, options: (configs.append(config), note_start(config, options))
    shown = []
    studio.comparison.both_shown.connect(lambda: shown.append(True))
    qtbot.mouseClick(studio.buttons["compare"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown) or (studio.status.text().startswith("Cannot")
                                            or "failed" in studio.status.text()) and not studio.controller.is_running(),
                    timeout=240000)
    assert shown, studio.status.text()
    assert [c.reinitialise for c in configs] == [False, True]
    assert configs[1].frozen_layers == () and configs[1].warmup_epochs == 0 and configs[1].base == configs[0].base
    view = studio.comparison_view
    assert studio.tabs.currentWidget() is view
    for run in (TRANSFER, SCRATCH):
        assert len(view.data(run, "val_accuracy")[1]) == 3 and len(view.data(run, "loss")[1]) == 3
        assert 0.0 <= view.test_accuracy(run) <= 1.0
    caption = view.caption.text()
    assert "transfer " in caption and "from scratch " in caption
    assert "points" in caption or "no difference" in caption
    qtbot.waitUntil(lambda: studio.trained_model() is not None)  # taken once the run has ended
    # the studio's model is the last run's: the same architecture, trained from scratch on 5 classes
    model = studio.trained_model()
    assert model.output_shape[-1] == 5 and not model.non_trainable_weights
    assert not studio.controller.is_running() and studio.buttons["compare"].isEnabled()


def test_a_checkpoint_of_the_last_run_is_a_base(qtbot, studio, tmp_path):
    _train(qtbot, studio, TrainConfig(model="lenet5", dataset="digits", epochs=1, batch_size=64, limit=200),
           checkpoint_dir=sources.checkpoint_root())
    panel = studio.controls.transfer
    result = _planned(qtbot, panel, lambda: panel.set_choice(sources.CHECKPOINT))
    assert panel.checkpoint.count() >= 1 and panel.checkpoint.currentText().endswith("epoch 1")
    assert result.request.source.endswith("epoch-01.keras") and studio.training_config().base == result.request.source


def test_offline_mobilenet_says_so_and_nothing_else_breaks(qtbot, studio, monkeypatch):
    keras = pytest.importorskip("keras")

    def offline(*_args, **_kwargs):  # what keras.utils.get_file raises without a network
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: [Errno -3] Temporary failure")

    monkeypatch.setattr(keras.applications, "MobileNetV2", offline)
    panel = studio.controls.transfer
    with qtbot.waitSignal(panel.planner.failed, timeout=60000):
        panel.set_choice(sources.KERAS)
    qtbot.waitUntil(lambda: "cannot be downloaded" in panel.status.text())
    assert panel.table.rowCount() == 0 and studio.buttons["start"].isEnabled()
    panel.set_choice(sources.SCRATCH)
    assert studio.training_config().base == ""
