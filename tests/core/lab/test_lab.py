"""The kernel lab pipeline equals Keras/TF layers, and every explanation adds up."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explorer.core import arithmetic
from explorer.core.lab import kernels
from explorer.core.lab import pipeline as lab
from explorer.core.lab.explain import explain_conv, explain_pool
from explorer.core.numbers import format_number

RNG = np.random.default_rng(11)
IMAGE = RNG.random((13, 17, 3)).astype(np.float32)
BANK = lab.KernelBank.of([kernels.PRESETS["sobel-x"], kernels.PRESETS["edge-laplacian"]], biases=[0.5, -0.25])


def run(image=IMAGE, bank=BANK, **changes):
    request = lab.LabRequest(image, bank, lab.LabSettings(**changes))
    return request, lab.compute(request)


def test_layer_mode_is_conv2d_plus_bias_relu_and_max_pool():
    _, result = run(mode="layer", padding="same", stride=2, activation="relu", pool="max", pool_size=2)
    weights = BANK.layer_weights(3)
    keras_like = tf.nn.relu(tf.nn.conv2d(IMAGE[None], weights, 2, "SAME") + np.array(BANK.biases, np.float32))
    np.testing.assert_allclose(result.maps, keras_like.numpy()[0], rtol=1e-5, atol=1e-5)
    pooled = tf.keras.layers.MaxPooling2D(2)(keras_like).numpy()[0]
    np.testing.assert_allclose(result.pooled, pooled, rtol=1e-5, atol=1e-5)
    assert result.labels == ("filter 1", "filter 2")
    assert result.params == arithmetic.conv_params_formula(3, 3, 2)  # (3·3·3 + 1)·2 = 56


def test_image_mode_filters_each_channel_with_each_kernel():
    _, result = run(mode="image", padding="valid", dilation=2)
    assert result.maps.shape == (9, 13, 6)
    for f, kernel in enumerate(BANK.kernels):
        depthwise = np.repeat(kernel[:, :, None, None], 3, axis=2)
        expected = tf.nn.depthwise_conv2d(IMAGE[None], depthwise, [1, 1, 1, 1], "VALID", dilations=[2, 2])
        np.testing.assert_allclose(result.maps[:, :, 3 * f:3 * f + 3], expected.numpy()[0], rtol=1e-5, atol=1e-5)
    assert result.labels[:3] == ("kernel 1 · R", "kernel 1 · G", "kernel 1 · B")
    assert result.params == ""


def test_seed_004_depth_and_global_pooling_stages():
    image = RNG.random((20, 24, 3)).astype(np.float32)
    bank = lab.KernelBank.of([kernels.PRESETS["vertical-line"], kernels.PRESETS["horizontal-line"]] * 2)
    _, result = run(image, bank, mode="layer", pool="average", depth_pool=2, global_pool="max")
    assert [stage.shape for stage in result.stages] == [(20, 24, 3), (20, 24, 4), (10, 12, 4), (10, 12, 2), (2,)]
    expected = tf.nn.max_pool(result.pooled[None], ksize=(1, 1, 1, 2), strides=(1, 1, 1, 2), padding="VALID")
    np.testing.assert_allclose(result.depth_pooled, expected.numpy()[0])
    np.testing.assert_allclose(result.global_pooled, result.depth_pooled.max(axis=(0, 1)))
    assert result.stages[1].formula == "⌊(20 + 2·3 − 7)/1⌋ + 1 = 20"
    assert result.stages[2].formula == "⌊(20 + 2·0 − 2)/2⌋ + 1 = 10"
    assert result.stages[1].width_formula == "⌊(24 + 2·3 − 7)/1⌋ + 1 = 24"
    assert result.stages[2].width_formula == "⌊(24 + 2·0 − 2)/2⌋ + 1 = 12"


def test_impossible_shapes_raise_value_error_with_a_reason():
    big = lab.KernelBank.of([np.ones((9, 9))])
    with pytest.raises(ValueError, match="larger than the padded input"):
        run(np.ones((5, 5, 1), np.float32), big, padding="valid")
    with pytest.raises(ValueError, match="larger than the padded input"):
        run(np.ones((5, 5, 1), np.float32), lab.KernelBank.of([np.ones((3, 3))]), pool="max", pool_size=6)


@pytest.mark.parametrize(
    "changes, word",
    [({"mode": "fancy"}, "mode"), ({"stride": 0}, "stride"), ({"dilation": -1}, "dilation"),
     ({"padding": "full"}, "padding"), ({"pool": "min"}, "pool"), ({"pool_size": 0}, "pool size"),
     ({"activation": "tanh"}, "activation"), ({"depth_pool": 0}, "depth pool")],
)
def test_settings_are_validated(changes, word):
    with pytest.raises(ValueError, match=word):
        lab.LabSettings(**changes)


def test_kernel_bank_validation_and_immutability():
    with pytest.raises(ValueError, match="empty"):
        lab.KernelBank.of([])
    with pytest.raises(ValueError, match="one size"):
        lab.KernelBank.of([np.ones((3, 3)), np.ones((5, 5))])
    with pytest.raises(ValueError, match="finite"):
        lab.KernelBank.of([np.ones((3, 3))], biases=[np.nan])
    with pytest.raises(ValueError, match="largest allowed"):
        lab.KernelBank.of([np.ones((16, 16))])
    source = np.ones((3, 3))
    bank = lab.KernelBank.of([source])
    source[0, 0] = 5  # the bank keeps its own copy
    assert bank.kernels[0][0, 0] == 1
    with pytest.raises(ValueError):
        bank.kernels[0][0, 0] = 2


@st.composite
def lab_case(draw):
    mode = draw(st.sampled_from(lab.MODES))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    stride, dilation = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    padding = draw(st.sampled_from(["same", "valid", 2, ((1, 0), (0, 2))]))
    h, w, c = draw(st.integers(4, 12)), draw(st.integers(4, 12)), draw(st.sampled_from([1, 3]))
    filters = draw(st.integers(1, 3))
    activation = draw(st.sampled_from(lab.ACTIVATIONS))
    seed = draw(st.integers(0, 10_000))
    return mode, (kh, kw), stride, dilation, padding, (h, w, c), filters, activation, seed


@settings(max_examples=60, deadline=None)
@given(case=lab_case(), data=st.data())
def test_explanation_reproduces_every_value(case, data):
    mode, size, stride, dilation, padding, shape, filters, activation, seed = case
    rng = np.random.default_rng(seed)
    bank = lab.KernelBank.of(rng.standard_normal((filters,) + size), biases=rng.standard_normal(filters))
    image = rng.random(shape).astype(np.float32)
    try:
        request, result = run(image, bank, mode=mode, stride=stride, dilation=dilation, padding=padding,
                              activation=activation)
    except ValueError:
        assume(False)
    index = data.draw(st.integers(0, result.maps.shape[2] - 1))
    y = data.draw(st.integers(0, result.maps.shape[0] - 1))
    x = data.draw(st.integers(0, result.maps.shape[1] - 1))
    step = explain_conv(request, result, index, y, x)
    pre = step.products.sum() + step.bias
    expected = max(pre, 0.0) if activation == "relu" else pre
    assert step.value == pytest.approx(expected, rel=1e-4, abs=1e-4)
    np.testing.assert_allclose(step.products, step.patch * (step.kernel[:, :, None] if mode == "layer" else step.kernel))
    assert step.window[2] - step.window[0] == dilation * (size[0] - 1) + 1
    assert f"output ({y}, {x})" in step.text()


def test_explanation_at_a_padded_corner_shows_zeros():
    request, result = run(mode="layer", padding="same")
    step = explain_conv(request, result, 0, 0, 0)
    assert step.window == (-1, -1, 2, 2)
    assert (step.patch[0, :, :] == 0).all() and (step.patch[:, 0, :] == 0).all()
    np.testing.assert_allclose(step.patch[1:, 1:], IMAGE[:2, :2])
    assert "+ bias 0.5" in step.text()


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_explanation(mode):
    request, result = run(mode="layer", pool=mode, pool_size=2, pool_stride=2)
    step = explain_pool(request, result, 1, 3, 2)
    assert step.window == (6, 4, 8, 6)
    reduce = np.max if mode == "max" else np.mean
    assert step.value == pytest.approx(reduce(result.maps[6:8, 4:6, 1]), rel=1e-6)
    if mode == "max":
        assert result.maps[step.source + (1,)] == step.value
    assert step.text().startswith(f"{mode} pool")


def test_explain_rejects_positions_outside_the_maps():
    request, result = run()
    with pytest.raises(ValueError):
        explain_conv(request, result, 0, 999, 0)
    with pytest.raises(ValueError, match="pooling is off"):
        explain_pool(request, result, 0, 0, 0)


def test_numbers_read_well():
    assert format_number(-0.5) == "\u22120.5" and format_number(2.0) == "2" and format_number(-0.0001) == "0" and format_number(1 / 3) == "0.333"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 999), size=st.sampled_from([1, 3, 5]), filters=st.integers(1, 4),
       stride=st.integers(1, 2), dilation=st.integers(1, 2), padding=st.sampled_from(["same", "valid", 1]),
       channels=st.sampled_from([1, 3, 4]))
def test_layer_mode_on_the_channel_sum_equals_tf_conv2d_on_every_channel(seed, size, filters, stride, dilation,
                                                                          padding, channels):
    assume(stride == 1 or dilation == 1)  # TF's CPU conv refuses both at once
    rng = np.random.default_rng(seed)
    image = rng.random((11, 14, channels)).astype(np.float32)
    bank = lab.KernelBank.of(rng.standard_normal((filters, size, size)), biases=rng.standard_normal(filters))
    _, result = run(image, bank, mode="layer", stride=stride, dilation=dilation, padding=padding)
    pad = padding.upper() if isinstance(padding, str) else [[0, 0], [1, 1], [1, 1], [0, 0]]
    expected = tf.nn.conv2d(image[None], bank.layer_weights(channels), stride, pad, dilations=dilation).numpy()[0]
    np.testing.assert_allclose(result.maps, expected + np.float32(bank.biases), rtol=1e-5, atol=1e-5)


def test_channel_sum_is_kept_for_the_same_image_and_keeps_nan_where_tf_has_it():
    image = RNG.random((6, 7, 3)).astype(np.float32)
    summed = lab.channel_sum(image)
    assert summed.shape == (6, 7, 1) and lab.channel_sum(image) is summed and not summed.flags.writeable
    np.testing.assert_allclose(summed[..., 0], image.sum(axis=2), rtol=1e-6)
    assert lab.channel_sum(image.copy()) is not summed  # another image: summed again
    grey = image[:, :, :1]
    assert lab.channel_sum(grey) is grey
    image[2, 3, 1] = np.inf
    image[4, 4, 0], image[4, 4, 2] = np.inf, -np.inf
    bank = lab.KernelBank.of([np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])])
    _, result = run(image, bank, mode="layer", padding="same")
    expected = tf.nn.conv2d(image[None], bank.layer_weights(3), 1, "SAME").numpy()[0]
    np.testing.assert_array_equal(np.isnan(result.maps), np.isnan(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(result.maps[finite], expected[finite], rtol=1e-5)
