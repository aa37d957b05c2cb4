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
