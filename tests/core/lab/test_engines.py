"""Every conv2d engine, and every filter_image path, equals TensorFlow.

conv2d's "auto" engine picks among NumPy tap planes, NumPy kernel rows and
TensorFlow's own kernel; filter_image among per-tap passes, separable
passes and kernel rows. Whatever is picked, the answer must be TF's.
"""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explorer.core import arithmetic, tf_backend
from explorer.core.lab import kernels, ops

ENGINES = ["planes", "rows", "tensorflow"]


@st.composite
def conv_case(draw):
    n = draw(st.integers(1, 2))
    c = draw(st.integers(1, 3))
    filters = draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", 1, ((0, 2), (1, 0))]))
    h, w = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    seed = draw(st.integers(0, 2**16))
    return n, h, w, c, filters, (kh, kw), (sh, sw), (dh, dw), padding, seed


def geometry_ok(h, w, size, stride, padding, dilation) -> bool:
    try:
        for n, f, s, d, p in zip((h, w), size, stride, dilation, _axis_pads(padding)):
            arithmetic.output_size(n, f, s, p, d)
    except ValueError:
        return False
    return True


def _axis_pads(padding):
    spec = arithmetic.padding_2d(padding)
    return (spec, spec) if isinstance(spec, str) else spec


def tf_reference(x, bank, stride, padding, dilation):
    """tf.nn.conv2d; zero-pad explicitly and spread the kernel where TF's CPU op needs it."""
    spec = arithmetic.padding_2d(padding)
    if not isinstance(spec, str):
        x = np.pad(x, ((0, 0),) + tuple(spec) + ((0, 0),))
        spec = "valid"
    (dh, dw), (kh, kw) = dilation, bank.shape[:2]
    if max(stride) > 1 and max(dilation) > 1:
        # TF's CPU conv refuses stride and dilation together; the spread kernel is the same filter.
        spread = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1) + bank.shape[2:], np.float32)
        spread[::dh, ::dw] = bank
        bank, dilation = spread, (1, 1)
    out = tf.nn.conv2d(x, bank, strides=[1, *stride, 1], padding=spec.upper(), dilations=[1, *dilation, 1])
    return out.numpy()


@pytest.fixture(scope="module", autouse=True)
def tensorflow_loaded():
    tf_backend.load()


@pytest.mark.parametrize("engine", ENGINES + ["auto"])
@settings(max_examples=40, deadline=None)
@given(case=conv_case())
def test_conv2d_engine_matches_tensorflow(engine, case):
    n, h, w, c, filters, size, stride, dilation, padding, seed = case
    assume(geometry_ok(h, w, size, stride, padding, dilation))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    bank = rng.standard_normal(size + (c, filters)).astype(np.float32)
    bank[rng.random(size) < 0.3] = 0  # some all-zero taps, which the planes engine skips
    got = ops.conv2d(x, bank, stride=stride, padding=padding, dilation=dilation, engine=engine)
    expected = tf_reference(x, bank, stride, padding, dilation)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@settings(max_examples=60, deadline=None)
@given(case=conv_case())
def test_taps_engine_matches_tensorflow_on_one_channel_images(case):
    n, h, w, _, filters, size, stride, dilation, padding, seed = case
    assume(geometry_ok(h, w, size, stride, padding, dilation))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, 1)).astype(np.float32)
    bank = rng.standard_normal(size + (1, filters)).astype(np.float32)
    bank[rng.random(size) < 0.3] = 0
    got = ops.conv2d(x, bank, stride=stride, padding=padding, dilation=dilation, engine="taps")
    expected = tf_reference(x, bank, stride, padding, dilation)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert got.transpose(3, 0, 1, 2).flags.c_contiguous  # map after map, as the view colours them


def test_taps_engine_spreads_nan_and_inf_as_tensorflow_and_takes_one_channel_only():
    x = np.random.default_rng(2).random((1, 9, 11, 1)).astype(np.float32)
    x[0, 2, 3, 0], x[0, 6, 7, 0] = np.inf, np.nan
    bank = np.zeros((3, 3, 1, 3), np.float32)
    bank[1, 1, 0, 0], bank[0, :, 0, 1], bank[:, :, 0, 2] = 1.0, -2.0, 0.5
    got = ops.conv2d(x, bank, padding="same", engine="taps")
    expected = tf.nn.conv2d(x, bank, 1, "SAME").numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="one-channel"):
        ops.conv2d(np.ones((5, 5, 3)), np.ones((3, 3, 3, 2)), engine="taps")


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_agree_on_a_photo(engine):
    from sklearn.datasets import load_sample_image

    photo = (load_sample_image("flower.jpg")[100:180, 200:310] / 255.0).astype(np.float32)
    bank = np.random.default_rng(0).standard_normal((7, 7, 3, 4)).astype(np.float32)
    expected = tf.nn.conv2d(photo[None], bank, strides=2, padding="SAME").numpy()[0]
    got = ops.conv2d(photo, bank, stride=2, padding="same", engine=engine)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        ops.conv2d(np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), engine="gpu")


@pytest.mark.parametrize(
    "kernel",
    [
        kernels.PRESETS["gaussian-blur"],  # rank 1: two 1-D passes
        kernels.PRESETS["vertical-line"],  # rank 1 and sparse
        kernels.PRESETS["sharpen"],  # rank 2: per-tap passes
        np.random.default_rng(3).standard_normal((6, 5)).astype(np.float32),  # dense: kernel rows
    ],
    ids=["separable", "sparse-separable", "per-tap", "dense"],
)
@pytest.mark.parametrize("stride, dilation", [(1, 1), (2, 1), (1, 2), ((1, 2), 1)])
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_filter_image_paths_match_depthwise(kernel, stride, dilation, padding):
    x = np.random.default_rng(4).standard_normal((2, 23, 19, 3)).astype(np.float32)
    sh, sw = arithmetic.pair(stride, "stride")
    dilations = arithmetic.pair(dilation, "dilation")
    if sh == sw:
        depthwise = np.repeat(kernel[:, :, None, None], 3, axis=2)
        expected = tf.nn.depthwise_conv2d(x, depthwise, [1, sh, sw, 1], padding.upper(), dilations=dilations).numpy()
    else:  # TF's depthwise op wants equal strides: filter each channel as a grey image instead
        grey = x.transpose(0, 3, 1, 2).reshape(-1, 23, 19, 1)
        maps = tf.nn.conv2d(grey, kernel[:, :, None, None], [1, sh, sw, 1], padding.upper(), dilations=dilations)
        expected = maps.numpy().reshape(2, 3, *maps.shape[1:3]).transpose(0, 2, 3, 1)
    got = ops.filter_image(x, kernel, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_auto_engine_never_imports_tensorflow(tmp_path):
    """Before TF is loaded, a bank of filters is computed by NumPy, not by waiting for an import."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from explorer.core.lab import ops\n"
        "ops.conv2d(np.ones((9, 9, 3)), np.ones((3, 3, 3, 8)), padding='same')\n"
        "assert 'tensorflow' not in sys.modules, 'conv2d imported TensorFlow'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("engine", ENGINES)
def test_results_are_fresh_writable_arrays(engine):
    """Callers (the lab adds biases in place) may write to what ops return."""
    image = np.random.default_rng(1).random((12, 12, 3)).astype(np.float32)
    out = ops.conv2d(image, np.ones((3, 3, 3, 4), np.float32), padding="same", engine=engine)
    assert out.flags.writeable and not np.shares_memory(out, image)
    out += 1


def test_filter_image_results_are_writable_with_tensorflow_loaded():
    image = np.random.default_rng(2).random((12, 12, 3)).astype(np.float32)
    out = ops.filter_image(image, kernels.PRESETS["sharpen"])  # a single image: TF's depthwise path
    assert out.flags.writeable
    out *= 2
