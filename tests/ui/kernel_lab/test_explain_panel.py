"""The explain panel shows patch × kernel = products and the arithmetic after them."""

import numpy as np

from explorer.core.lab import kernels
from explorer.core.lab import pipeline as lab
from explorer.core.lab.explain import explain_conv, explain_pool
from explorer.core.numbers import format_number
from explorer.ui.kernel_lab.explain_panel import HINT, ExplainPanel

IMAGE = np.random.default_rng(5).random((10, 12, 3)).astype(np.float32)


def test_layer_mode_step_with_pooling(qtbot):
    panel = ExplainPanel()
    qtbot.addWidget(panel)
    request = lab.LabRequest(IMAGE, lab.KernelBank.of([kernels.PRESETS["sobel-y"]], [0.25]),
                             lab.LabSettings(mode="layer", activation="relu", pool="max"))
    result = lab.compute(request)
    pool = explain_pool(request, result, 0, 1, 1)
    step = explain_conv(request, result, 0, *pool.source)
    panel.show_step(step, pool, "filter 1")
    assert panel.patch.rowCount() == 3 and panel.kernel.item(0, 1).text() == "\u22122"
    assert panel.channel.isVisibleTo(panel) and panel.channel.maximum() == 3
    panel.channel.setValue(2)  # the grids follow the chosen input channel
    assert panel.patch.item(1, 1).text() == format_number(IMAGE[pool.source[0], pool.source[1], 1])
    text = panel.arithmetic.text()
    assert "+ bias 0.25" in text and "ReLU" in text and text.splitlines()[-1].startswith("max pool")


def test_big_kernels_show_totals_only_and_clear_restores_hint(qtbot):
    panel = ExplainPanel()
    qtbot.addWidget(panel)
    request = lab.LabRequest(IMAGE[:, :, :1], lab.KernelBank.of([np.ones((11, 11))]), lab.LabSettings())
    result = lab.compute(request)
    panel.show_step(explain_conv(request, result, 0, 4, 4))
    assert not panel.patch.isVisibleTo(panel) and "sum of 121 products" in panel.arithmetic.text()
    panel.clear()
    assert panel.title.text() == HINT and panel.arithmetic.text() == ""
