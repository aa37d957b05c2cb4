"""The Devices setting of the training studio: into TrainConfig and back, "all" named lazily."""

from __future__ import annotations

import pytest

from explorer.core.train.config import TrainConfig
from explorer.ui.training.training_controls import TrainingControls


@pytest.fixture
def controls(qtbot):
    widget = TrainingControls()
    qtbot.addWidget(widget)
    return widget


def test_one_device_is_the_default(controls):
    assert controls.config().devices == 1 and controls.devices.currentText() == "1"


@pytest.mark.parametrize("devices", [2, "all", 3])
def test_the_devices_setting_goes_into_the_config_and_back(controls, devices):
    controls.set_config(TrainConfig(devices=devices))
    assert controls.config().devices == devices
    controls.set_config(TrainConfig())
    assert controls.config().devices == 1


def test_all_names_its_count_only_once_tensorflow_is_loaded(controls, monkeypatch):
    from explorer.core import tf_backend

    index = controls.devices.findData("all")
    monkeypatch.setattr(tf_backend, "loaded", lambda: None)
    controls.devices.name_all()
    assert controls.devices.itemText(index) == "all"
    tf = pytest.importorskip("tensorflow")
    monkeypatch.setattr(tf_backend, "loaded", lambda: tf)
    controls.devices.name_all()
    found = len(tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU"))
    assert controls.devices.itemText(index) == f"all ({found} found)"
    assert controls.devices.itemData(index) == "all"


def test_classes_and_per_class_go_into_the_config_and_back(controls):
    controls.dataset.setCurrentText("digits")
    controls.classes.setText("5-9")
    controls.per_class.setValue(10)
    config = controls.config()
    assert config.classes == (5, 6, 7, 8, 9) and config.per_class == 10
    controls.set_config(TrainConfig(dataset="cifar10", classes=(3, 5, 0), per_class=None))
    assert controls.classes.text() == "3, 5, 0" and controls.per_class.text() == "all"
    assert controls.config().classes == (3, 5, 0) and controls.config().per_class is None
    controls.classes.setText("cat, dog")  # CIFAR-10 names its classes
    assert controls.config().classes == (3, 5)
    controls.set_config(TrainConfig())
    assert controls.config().classes == () and controls.classes.text() == ""


@pytest.mark.parametrize(("text", "message"), [("5, 12", "no class 12"), ("3", "at least two"),
                                               ("1, 2, 1", "listed twice"), ("7-5", "must go up"),
                                               ("sevens", "unknown class")])
def test_bad_classes_are_explained(controls, text, message):
    controls.dataset.setCurrentText("mnist")
    controls.classes.setText(text)
    with pytest.raises(ValueError, match=message):
        controls.config()


def test_the_data_size_reaches_the_transfer_advice(controls):
    controls.dataset.setCurrentText("digits")
    controls.per_class.setValue(10)
    assert "About 10 training images per class" in controls.transfer.advice.text()
    controls.dataset.setCurrentText("mnist")
    controls.per_class.setValue(0)
    assert "About 6,000 training images per class" in controls.transfer.advice.text()
    assert "Case 3" in controls.transfer.advice.text()


def test_a_folder_of_drawn_letters_names_its_classes(controls, tmp_path):
    for letter, count in (("a", 3), ("b", 5)):
        (tmp_path / letter).mkdir()
        for i in range(count):
            (tmp_path / letter / f"{i}.png").write_bytes(b"")
    controls.dataset.setCurrentText("folder")
    controls.data_dir.setText(str(tmp_path))
    controls.classes.setText("b, a")
    assert controls.config().classes == (1, 0)
    controls.per_class.setValue(2)
    assert "About 2 training images per class" in controls.transfer.advice.text()
