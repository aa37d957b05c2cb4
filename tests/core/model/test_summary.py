"""Model summaries: the seeds' numbers, the text table and the HTML table."""

from __future__ import annotations

from explorer.core.model.presets import NATIVE_INPUT_SHAPES
from explorer.core.model.specs import LayerSpec
from explorer.core.model.summary import summarize, summary_html, summary_text, total_params


def params(rows):
    return [row.params for row in rows]


def shapes(rows):
    return [row.output_shape for row in rows]


# ----------------------------------------------------------- the seeds' numbers
def test_mnist_convnet_reproduces_seeds_000_and_001():
    rows = summarize("mnist-convnet")
    assert params(rows) == [320, 0, 18_496, 0, 36_928, 0, 36_928, 650]
    assert shapes(rows) == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64), (576,), (64,), (10,)]
    assert sum(params(rows[:5])) == 55_744  # the convolutional base's "Total params"
    assert total_params(rows) == 93_322
    assert rows[0].formula == "(3·3·1 + 1)·32 = 320"
    assert rows[2].formula == "(3·3·32 + 1)·64 = 18,496"
    assert rows[4].formula == "(3·3·64 + 1)·64 = 36,928"
    assert rows[6].formula == "(576 + 1)·64 = 36,928"
    assert rows[7].formula == "(64 + 1)·10 = 650"  # seed 000: "65 x 10 + 10 = 650"
    assert rows[0].shape_formula == "⌊(28 + 2·0 − 3)/1⌋ + 1 = 26"
    assert rows[5].shape_formula == "3·3·64 = 576"
    assert [row.name for row in rows[:3]] == ["conv2d", "max_pooling2d", "conv2d_1"]


def test_summary_text_shows_formulas_and_totals():
    text = summary_text(summarize("mnist-convnet"), title="mnist-convnet", shape_formulas=True)
    for needle in ("mnist-convnet", "conv2d (Conv2D)", "(None, 26, 26, 32)", "18,496", "(576 + 1)·64 = 36,928",
                   "Total params: 93,322", "convolutional base (before Flatten): 55,744",
                   "⌊(13 + 2·0 − 3)/1⌋ + 1 = 11"):
        assert needle in text
    assert "Output size" not in summary_text(summarize("mnist-convnet"))


def test_seed_002_totals_need_its_32x32x3_input():
    rows = summarize("cifar-small", (32, 32, 3))
    assert params(rows) == [208, 2_080, 8_256, 0, 32_768_500, 5_010]
    assert rows[3].output_shape == (65_536,)
    assert total_params(rows) == 32_784_054
    pooled = summarize("cifar-small-pooling", NATIVE_INPUT_SHAPES["cifar-small-pooling"])
    assert shapes(pooled)[:7] == [(32, 32, 16), (16, 16, 16), (16, 16, 32), (8, 8, 32), (8, 8, 64), (4, 4, 64),
                                  (1_024,)]
    assert total_params(pooled) == 528_054
    assert total_params(summarize("cifar-small")) != 32_784_054  # 28×28×1 is another network


def test_lenet5_and_fashion_cnn_layers():
    assert shapes(summarize("lenet5")) == [(26, 26, 6), (13, 13, 6), (11, 11, 16), (5, 5, 16), (400,), (120,),
                                                   (84,), (10,)]
    fashion = summarize("fashion-cnn")
    assert [row.kind for row in fashion].count("Dropout") == 2
    assert fashion[0].output_shape == (28, 28, 64) and fashion[8].output_shape == (2_304,)




def test_summary_html_is_a_table_or_the_reason():
    html = summary_html(name="mnist-convnet")
    assert html.startswith("<table") and "conv2d (Conv2D)" in html and "26×26×32" in html
    assert "(576 + 1)·64 = 36,928" in html and "Total params: 93,322" in html
    custom = summary_html(name="custom", layers=(LayerSpec("gap"),), input_shape=(5, 5, 4), num_classes=3)
    assert "Total params: 15" in custom
    refused = summary_html(name="custom", layers=(LayerSpec("conv2d"),))
    assert refused.startswith("<span") and "cannot be built" in refused and "needs a flat input" in refused
