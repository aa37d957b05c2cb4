"""The layer settings panel emits immutable LabSettings for every change."""

import pytest

from explorer.core.lab.pipeline import LabSettings
from explorer.ui.kernel_lab.layer_settings import TIPS, LayerSettingsPanel


@pytest.fixture
def panel(qtbot):
    widget = LayerSettingsPanel()
    qtbot.addWidget(widget)
    return widget


def test_defaults_match_lab_settings(panel):
    assert panel.settings() == LabSettings(pool_stride=2)


def test_each_control_changes_the_settings(qtbot, panel):
    with qtbot.waitSignal(panel.settings_changed) as blocker:
        panel.stride.setValue(3)
    assert blocker.args[0].stride == 3
    panel.modes.button(1).click()
    assert panel.settings().mode == "layer"
    panel.dilation.setValue(2)
    panel.activation.setCurrentIndex(panel.activation.findData("relu"))
    panel.pool.setCurrentIndex(panel.pool.findData("max"))
    panel.pool_size.setValue(3)
    panel.depth_pool.setValue(2)
    panel.global_pool.setCurrentIndex(panel.global_pool.findData("average"))
    assert panel.settings() == LabSettings(mode="layer", stride=3, dilation=2, activation="relu", pool="max",
                                           pool_size=3, pool_stride=2, depth_pool=2, global_pool="average")


def test_explicit_padding_shows_four_sides(qtbot, panel):
    panel.show()
    assert not panel.explicit[0].isVisible()
    panel.padding.setCurrentIndex(panel.padding.findData("explicit"))
    assert panel.explicit[0].isVisible()
    panel.explicit[0].setValue(2)
    panel.explicit[3].setValue(0)
    assert panel.settings().padding == ((2, 1), (1, 0))


def test_set_settings_round_trip_emits_once(qtbot, panel):
    target = LabSettings(mode="layer", padding=((0, 2), (3, 1)), stride=2, dilation=3, activation="relu",
                         pool="average", pool_size=3, pool_stride=1, depth_pool=4, global_pool="max")
    emitted = []
    panel.settings_changed.connect(emitted.append)
    panel.set_settings(target)
    assert emitted == [target] and panel.settings() == target


def test_pool_size_disabled_without_pooling(panel):
    assert not panel.pool_size.isEnabled()
    panel.pool.setCurrentIndex(panel.pool.findData("max"))
    assert panel.pool_size.isEnabled()


def test_every_control_explains_itself(panel):
    from PySide6.QtWidgets import QComboBox, QRadioButton, QSpinBox

    controls = panel.findChildren(QSpinBox) + panel.findChildren(QComboBox) + panel.findChildren(QRadioButton)
    assert controls and all(c.toolTip() and c.accessibleName() for c in controls)
    assert all(tip.endswith(".") for tip in TIPS.values())
