"""The transfer panel with real (tiny) Keras bases: the table, the cut, frozen layers, presets, head, advice."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from explorer.core.train.config import TrainConfig
from explorer.ui.training import transfer_sources as sources
from explorer.ui.training.transfer_panel import TransferPanel
from explorer.ui.training.transfer_table import FROZEN

keras = pytest.importorskip("keras")


def _base():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv_a"),
        keras.layers.MaxPooling2D(2, name="pool_a"),
        keras.layers.Conv2D(8, 3, activation="relu", name="conv_b"),
        keras.layers.MaxPooling2D(2, name="pool_b"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(16, activation="relu", name="hidden"),
        keras.layers.Dense(10, activation="softmax", name="out"),
    ], name="tiny")


@pytest.fixture(scope="module")
def base_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("base") / "tiny.keras"
    _base().save(path)
    return path


@pytest.fixture
def panel(qtbot):
    widget = TransferPanel()
    qtbot.addWidget(widget)
    widget.set_data_facts(5, 10, (28, 28, 1))
    yield widget
    widget.shutdown()


def _planned(qtbot, panel, action):
    with qtbot.waitSignal(panel.planned, timeout=60000) as blocker:
        action()
    return blocker.args[0]


def _keras_counts(model):
    return (sum(int(w.numpy().size) for w in model.trainable_weights),
            sum(int(w.numpy().size) for w in model.non_trainable_weights))


def test_from_scratch_has_no_base_and_no_table(panel):
    assert panel.choice() == sources.SCRATCH and panel.table.rowCount() == 0
    assert panel.fields()["base"] == "" and "from scratch" in panel.status.text()


def test_a_file_base_shows_the_cut_the_frozen_layers_and_keras_counts(qtbot, panel, base_file):
    result = _planned(qtbot, panel, lambda: panel.set_file(base_file))
    names = [panel.table.item(i, 0).text() for i in range(panel.table.rowCount())]
    # kept (the convolutional base, up to flat), dropped (greyed), then the new softmax for 5 classes
    assert names[:5] == ["conv_a", "pool_a", "conv_b", "pool_b", "flat"]
    assert names[5:7] == ["hidden", "out"] and names[-1].startswith("new_classifier")
    grey = panel.table.item(5, 0).foreground().color()
    assert grey != panel.table.item(0, 0).foreground().color()
    # default preset: feature extraction, every kept layer frozen
    assert set(result.frozen_layers) == {"conv_a", "pool_a", "conv_b", "pool_b", "flat"}
    assert panel.table.item(0, FROZEN).checkState() == Qt.CheckState.Checked
    # the counts are Keras' own, of the model that will be built
    from explorer.core.model import transfer

    base = transfer.load_base(str(base_file))
    built = transfer.build(base, result.plan)
    trainable, frozen = _keras_counts(built)
    assert (result.plan.trainable_params, result.plan.non_trainable_params) == (trainable, frozen)
    assert trainable == 200 * 5 + 5 and f"trainable {trainable:,}" in panel.totals.text()
    assert f"non-trainable {frozen:,}" in panel.totals.text()
    fields = panel.fields()
    assert fields["base"] == str(base_file) and fields["keep_up_to"] == "" and fields["warmup_epochs"] == 0


def test_unfreezing_a_layer_and_moving_the_cut_replan(qtbot, panel, base_file):
    _planned(qtbot, panel, lambda: panel.set_file(base_file))
    result = _planned(qtbot, panel, lambda: panel.table.set_frozen("conv_b", False))
    assert "conv_b" not in result.frozen_layers and panel.preset.currentText() == "custom"
    assert result.plan.trainable_params == 200 * 5 + 5 + 8 * (9 * 4 + 1)
    result = _planned(qtbot, panel, lambda: panel.set_cut("pool_a"))
    kept = [row.name for row in result.plan.rows if row.kept]
    assert kept == ["conv_a", "pool_a"] and panel.fields()["keep_up_to"] == "pool_a"
    assert "conv_b" not in panel.fields()["frozen_layers"]


def test_fine_tune_the_top_trains_the_last_block_after_a_warm_up(qtbot, panel, base_file):
    _planned(qtbot, panel, lambda: panel.set_file(base_file))
    result = _planned(qtbot, panel, lambda: panel.preset.setCurrentText("fine-tune the top"))
    assert result.frozen_layers == ("conv_a", "pool_a") and result.warmup_epochs > 0
    assert panel.fields()["warmup_epochs"] == result.warmup_epochs
    assert "new head only" in panel.totals.text()


def test_a_head_in_the_layer_editors_words_and_its_errors(qtbot, panel, base_file):
    _planned(qtbot, panel, lambda: panel.set_file(base_file))

    def type_head(text):
        panel.head.setText(text)
        panel.head.editingFinished.emit()

    result = _planned(qtbot, panel, lambda: type_head("dense 32 relu; dropout 0.5"))
    new = [row.kind for row in result.plan.rows if row.new]
    assert new == ["Dense", "Dropout", "Dense"] and panel.fields()["head"][0].units == 32
    type_head("dense lots")
    assert panel.head_error.isVisibleTo(panel) and "units" in panel.head_error.text()
    with pytest.raises(ValueError, match="new head's layer 1"):
        panel.fields()


def test_a_bad_file_is_explained_and_the_panel_keeps_working(qtbot, panel, tmp_path, base_file):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"not a zip")
    with qtbot.waitSignal(panel.planner.failed, timeout=30000):
        panel.set_file(bad)
    qtbot.waitUntil(lambda: "Cannot start from this model" in panel.status.text())
    assert panel.table.rowCount() == 0
    _planned(qtbot, panel, lambda: panel.set_file(base_file))
    assert panel.table.rowCount() == 8


def test_the_model_just_trained_is_saved_and_used(qtbot, panel):
    panel.set_choice(sources.JUST_TRAINED)
    assert "no model trained yet" in panel.status.text()
    with pytest.raises(ValueError, match="no model trained yet"):
        panel.fields()
    model = _base()
    panel.set_model_source(lambda: model)
    panel.set_choice(sources.SCRATCH)
    result = _planned(qtbot, panel, lambda: panel.set_choice(sources.JUST_TRAINED))
    assert sources.just_trained_path().is_file() and panel.fields()["base"] == str(sources.just_trained_path())
    assert result.plan.rows[0].name == "conv_a"


def test_the_four_cases_advice_follows_the_data_and_sets_the_preset(qtbot, panel, base_file):
    _planned(qtbot, panel, lambda: panel.set_file(base_file))
    assert "Case 1" in panel.advice.text() and "10 training images per class" in panel.advice.text()
    panel.similar.setCurrentIndex(1)  # different data
    assert "Case 2" in panel.advice.text()
    result = _planned(qtbot, panel, panel.apply_advice)
    assert result.keep_up_to == "pool_a" and panel.preset.currentText() == "feature extraction"
    panel.set_data_facts(5, 5000, (28, 28, 1))
    assert "Case 4" in panel.advice.text()


def test_set_fields_shows_a_lessons_transfer(qtbot, panel, base_file):
    config = TrainConfig(base=str(base_file), keep_up_to="pool_b", frozen_layers=("conv_a",))
    result = _planned(qtbot, panel, lambda: panel.set_fields(config))
    assert result.keep_up_to == "pool_b" and result.frozen_layers == ("conv_a",)
    assert panel.preset.currentText() == "custom" and panel.path.text() == str(base_file)
    fields = panel.fields()
    assert fields["keep_up_to"] == "pool_b" and fields["frozen_layers"] == ("conv_a",)


def test_newest_checkpoints_lists_the_last_runs_epochs(tmp_path):
    (tmp_path / "20260101-000000-aaaaaa").mkdir()
    (tmp_path / "20260101-000000-aaaaaa" / "epoch-01.keras").write_bytes(b"x")
    newest = tmp_path / "20260102-000000-bbbbbb"
    newest.mkdir()
    for epoch in (1, 2, 10):
        (newest / f"epoch-{epoch:02d}.keras").write_bytes(b"x")
    (newest / "notes.txt").write_text("not a checkpoint")
    listed = sources.newest_checkpoints(tmp_path)
    assert [text.split("epoch ")[1] for text, _ in listed] == ["10", "2", "1"]
    assert listed[0][1].endswith("epoch-10.keras") and sources.newest_checkpoints(tmp_path / "none") == ()
