"""Property tests: every op of ``explorer.core.lab.ops`` against TensorFlow's own op.

TensorFlow is a hard dependency of the project, so it is imported directly
(no ``importorskip``): if it is missing these tests must fail loudly.

The references are deliberately built from TF / Keras primitives only:

* ``conv2d``       -> ``tf.nn.conv2d`` (explicit padding: ``np.pad`` + VALID)
* ``filter_image`` -> ``tf.nn.depthwise_conv2d`` with the kernel tiled to (kh,kw,C,1)
                      (unequal strides, which TF's depthwise op refuses: ``tf.nn.conv2d``
                      with a diagonal (kh,kw,C,C) bank)
* ``pool2d``       -> ``keras.layers.MaxPooling2D`` / ``AveragePooling2D``
* ``depth_pool``   -> ``tf.nn.max_pool`` with ksize (1,1,1,size) (average: reshape+mean)
* ``global_pool``  -> ``keras.layers.GlobalAveragePooling2D`` / ``GlobalMaxPooling2D``

When TF may refuse (or, for depthwise, mis-handle) stride > 1 together with
dilation > 1, the reference uses an explicitly dilated kernel (zeros inserted)
with dilation 1 - still TF's op.

The references run on TF's portable kernels (TF_ENABLE_ONEDNN_OPTS=0, set in
conftest.py) because TF's default oneDNN conv2d returns garbage in some cases.
``test_conv2d_matches_tf_with_tensorflow_loaded_and_default_onednn`` checks
conv2d separately in the app's own configuration (oneDNN on, TF loaded).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TF's oneDNN conv2d returns garbage in some strided cases; the references use
# TF's portable kernels (see conftest.py).
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from explorer.core import arithmetic
from explorer.core.lab import ops

RTOL = 1e-4
ATOL = 1e-4

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SETTINGS_SMALL = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --------------------------------------------------------------------------- helpers


def _pair(v) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    a, b = v
    return int(a), int(b)


def _explicit_pads(padding):
    """Return ((top, bottom), (left, right)) for explicit padding, None for a string."""
    if isinstance(padding, str):
        return None
    if isinstance(padding, (int, np.integer)):
        p = int(padding)
        return (p, p), (p, p)
    (t, b), (l, r) = padding
    return (int(t), int(b)), (int(l), int(r))


def _padded_extent(n: int, padding, axis: int) -> int | None:
    """Padded length of spatial axis ``axis`` (0 = H, 1 = W); None for 'same'."""
    if isinstance(padding, str):
        return None if padding.lower() == "same" else n
    pads = _explicit_pads(padding)[axis]
    return n + pads[0] + pads[1]


def _fits(h, w, kh, kw, dilation, padding) -> bool:
    dh, dw = _pair(dilation)
    eff_h, eff_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    ph, pw = _padded_extent(h, padding, 0), _padded_extent(w, padding, 1)
    ok_h = ph is None or eff_h <= ph
    ok_w = pw is None or eff_w <= pw
    return ok_h and ok_w


def dilate_kernel(k: np.ndarray, dilation) -> np.ndarray:
    """Insert (d-1) zeros between kernel taps along H and W."""
    dh, dw = _pair(dilation)
    kh, kw = k.shape[:2]
    out = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1) + k.shape[2:], dtype=k.dtype)
    out[::dh, ::dw] = k
    return out


def _to_tf_input(x: np.ndarray, padding):
    """Batch the input, apply explicit zero padding; return (x4, tf_padding_string)."""
    x4 = x if x.ndim == 4 else x[None]
    pads = _explicit_pads(padding)
    if pads is None:
        return x4.astype(np.float32), padding.upper()
    x4 = np.pad(x4, ((0, 0), pads[0], pads[1], (0, 0)))
    return x4.astype(np.float32), "VALID"


def ref_conv2d(x, kernels, stride=1, padding="valid", dilation=1) -> np.ndarray:
    x4, tf_pad = _to_tf_input(x, padding)
    s, d = _pair(stride), _pair(dilation)
    k = np.asarray(kernels, dtype=np.float32)
    if max(s) > 1 and max(d) > 1:
        k, d = dilate_kernel(k, d), (1, 1)
    out = tf.nn.conv2d(x4, k, strides=list(s), padding=tf_pad, dilations=list(d)).numpy()
    return out if x.ndim == 4 else out[0]


def ref_filter_image(x, kernel2d, stride=1, padding="same", dilation=1) -> np.ndarray:
    s, d = _pair(stride), _pair(dilation)
    if s[0] != s[1]:
        # TF's (Eigen) depthwise kernel only supports equal strides: use
        # tf.nn.conv2d with a diagonal filter bank instead (channel c -> c only).
        c = x.shape[-1]
        bank = np.zeros(np.shape(kernel2d) + (c, c), np.float32)
        for ch in range(c):
            bank[:, :, ch, ch] = kernel2d
        return ref_conv2d(x, bank, stride, padding, dilation)
    x4, tf_pad = _to_tf_input(x, padding)
    c = x4.shape[-1]
    k = np.tile(np.asarray(kernel2d, np.float32)[:, :, None, None], (1, 1, c, 1))
    if max(d) > 1 and max(s) > 1:
        # tf.nn.depthwise_conv2d mis-sizes / refuses stride>1 with dilation>1.
        k, d = dilate_kernel(k, d), (1, 1)
    out = tf.nn.depthwise_conv2d(
        x4, k, strides=[1, s[0], s[1], 1], padding=tf_pad, dilations=list(d)
    ).numpy()
    return out if x.ndim == 4 else out[0]


def ref_pool2d(x, size, stride=None, mode="max", padding="valid") -> np.ndarray:
    x4 = (x if x.ndim == 4 else x[None]).astype(np.float32)
    cls = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    layer = cls(pool_size=size, strides=stride, padding=padding.lower())
    out = keras.ops.convert_to_numpy(layer(x4))
    return out if x.ndim == 4 else out[0]


def ref_depth_pool(x, size, mode="max") -> np.ndarray:
    x4 = (x if x.ndim == 4 else x[None]).astype(np.float32)
    if mode == "max":
        out = tf.nn.max_pool(
            x4, ksize=(1, 1, 1, size), strides=(1, 1, 1, size), padding="VALID"
        ).numpy()
    else:
        n, h, w, c = x4.shape
        out = x4.reshape(n, h, w, c // size, size).mean(axis=-1)
    return out if x.ndim == 4 else out[0]


def ref_global_pool(x, mode="average") -> np.ndarray:
    x4 = (x if x.ndim == 4 else x[None]).astype(np.float32)
    cls = (
        keras.layers.GlobalAveragePooling2D
        if mode == "average"
        else keras.layers.GlobalMaxPooling2D
    )
    out = keras.ops.convert_to_numpy(cls()(x4))
    return out if x.ndim == 4 else out[0]


def assert_matches(got, want, x_ndim: int | None = None, what: str = "") -> None:
    assert isinstance(got, np.ndarray), f"{what}: expected numpy array, got {type(got)!r}"
    assert got.dtype == np.float32, f"{what}: dtype {got.dtype}, expected float32"
    if x_ndim is not None:
        assert got.ndim == want.ndim, f"{what}: rank {got.ndim} != {want.ndim}"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != TF's {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL * scale, err_msg=what)


# ------------------------------------------------------------------------ strategies


def int_or_pair(lo: int, hi: int):
    return st.one_of(
        st.integers(lo, hi),
        st.tuples(st.integers(lo, hi), st.integers(lo, hi)),
    )


PADDINGS = st.one_of(
    st.sampled_from(["valid", "same", "VALID", "SAME", "Same", "Valid"]),
    st.integers(0, 3),
    st.tuples(
        st.tuples(st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.integers(0, 3), st.integers(0, 3)),
    ),
)


def _rng(data) -> np.random.Generator:
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


def draw_image(data, max_c: int = 4, c: int | None = None) -> np.ndarray:
    batched = data.draw(st.booleans(), label="batched")
    h = data.draw(st.integers(1, 20), label="H")
    w = data.draw(st.integers(1, 20), label="W")
    if c is None:
        c = data.draw(st.integers(1, max_c), label="C")
    shape = (h, w, c)
    if batched:
        shape = (data.draw(st.integers(1, 2), label="N"),) + shape
    return _rng(data).uniform(-1.0, 1.0, size=shape).astype(np.float32)


KERNEL_KINDS = ("dense", "sparse-taps", "integer", "zeros", "rank-1")


def draw_kernel(data, shape: tuple[int, ...]) -> np.ndarray:
    """Random kernels of several kinds (the implementation has sparse/separable paths)."""
    kind = data.draw(st.sampled_from(KERNEL_KINDS), label="kernel kind")
    rng = _rng(data)
    kh, kw = shape[:2]
    if kind == "dense":
        k = rng.uniform(-1.0, 1.0, size=shape)
    elif kind == "sparse-taps":  # whole (i, j) taps zero, as in the line / Laplacian presets
        k = rng.uniform(-1.0, 1.0, size=shape)
        k[rng.random((kh, kw)) < 0.6] = 0.0
    elif kind == "integer":
        k = rng.integers(-4, 5, size=shape).astype(np.float64)
    elif kind == "zeros":
        k = np.zeros(shape)
    else:  # separable: outer product of a column and a row (blur, Sobel, lines)
        col = rng.integers(-2, 3, size=kh).astype(np.float64)
        row = rng.uniform(-1.0, 1.0, size=kw)
        k = np.einsum("i,j->ij", col, row).reshape((kh, kw) + (1,) * (len(shape) - 2))
        k = np.broadcast_to(k, shape).copy()
    return k.astype(np.float32)


def draw_scale(data) -> float:
    return data.draw(st.sampled_from([1.0, 1.0, 1e-3, 1e3]), label="value scale")


# ---------------------------------------------------------------------------- conv2d


@SETTINGS
@given(st.data())
def test_conv2d_matches_tf(data):
    x = draw_image(data)
    c = x.shape[-1]
    kh = data.draw(st.integers(1, 5), label="kh")
    kw = data.draw(st.integers(1, 5), label="kw")
    f = data.draw(st.integers(1, 4), label="F")
    stride = data.draw(int_or_pair(1, 3), label="stride")
    dilation = data.draw(int_or_pair(1, 3), label="dilation")
    padding = data.draw(PADDINGS, label="padding")
    h, w = x.shape[-3], x.shape[-2]
    assume(_fits(h, w, kh, kw, dilation, padding))

    x = (x * draw_scale(data)).astype(np.float32)
    kernels = draw_kernel(data, (kh, kw, c, f))
    x_before, k_before = x.copy(), kernels.copy()

    got = ops.conv2d(x, kernels, stride=stride, padding=padding, dilation=dilation)
    want = ref_conv2d(x, kernels, stride, padding, dilation)

    what = (
        f"conv2d x{x.shape} k{kernels.shape} stride={stride} "
        f"padding={padding!r} dilation={dilation}"
    )
    assert_matches(got, want, x.ndim, what)
    assert got.ndim == x.ndim
    np.testing.assert_array_equal(x, x_before, err_msg="conv2d modified its input x")
    np.testing.assert_array_equal(kernels, k_before, err_msg="conv2d modified its kernels")


@SETTINGS_SMALL
@given(st.data())
def test_conv2d_defaults_are_valid_stride1_dilation1(data):
    x = draw_image(data)
    kh = data.draw(st.integers(1, 5), label="kh")
    kw = data.draw(st.integers(1, 5), label="kw")
    assume(kh <= x.shape[-3] and kw <= x.shape[-2])
    kernels = _rng(data).normal(size=(kh, kw, x.shape[-1], 2)).astype(np.float32)
    got = ops.conv2d(x, kernels)
    assert_matches(got, ref_conv2d(x, kernels), x.ndim, "conv2d defaults")


@SETTINGS_SMALL
@given(st.data())
def test_conv2d_kernel_larger_than_padded_input_raises(data):
    """Kernels whose (dilated) extent exceeds the padded input along H or W."""
    batched = data.draw(st.booleans(), label="batched")
    h = data.draw(st.integers(1, 8), label="H")
    w = data.draw(st.integers(1, 8), label="W")
    c = data.draw(st.integers(1, 3), label="C")
    padding = data.draw(
        st.one_of(
            st.sampled_from(["valid", "VALID"]),
            st.integers(0, 2),
            st.tuples(
                st.tuples(st.integers(0, 2), st.integers(0, 2)),
                st.tuples(st.integers(0, 2), st.integers(0, 2)),
            ),
        ),
        label="padding",
    )
    dilation = data.draw(int_or_pair(1, 3), label="dilation")
    dh, dw = _pair(dilation)
    ph, pw = _padded_extent(h, padding, 0), _padded_extent(w, padding, 1)
    too_big_axis = data.draw(st.sampled_from(["h", "w", "both"]), label="axis")
    # smallest kernel size whose dilated extent d*(k-1)+1 exceeds the padded length
    kh_min, kw_min = (ph - 1) // dh + 2, (pw - 1) // dw + 2
    if too_big_axis in ("h", "both"):
        kh = data.draw(st.integers(kh_min, kh_min + 2), label="kh")
    else:
        kh = data.draw(st.integers(1, kh_min - 1), label="kh")
    if too_big_axis in ("w", "both"):
        kw = data.draw(st.integers(kw_min, kw_min + 2), label="kw")
    else:
        kw = data.draw(st.integers(1, kw_min - 1), label="kw")
    assert not _fits(h, w, kh, kw, dilation, padding)

    shape = (h, w, c) if not batched else (2, h, w, c)
    x = np.ones(shape, np.float32)
    kernels = np.ones((kh, kw, c, 1), np.float32)
    with pytest.raises(ValueError, match=r"(?i)kernel"):
        ops.conv2d(x, kernels, padding=padding, dilation=dilation)


def test_reference_sanity_onednn_case():
    """The case where TF's oneDNN kernel returned uninitialised memory (3.6e+30).

    With TF_ENABLE_ONEDNN_OPTS=0 (conftest) the reference must give the
    hand-computed answer; the implementation must too.
    """
    x = np.array([-0.5, 0.25], np.float32).reshape(2, 1, 1, 1)
    k = np.array([2.0, 3.0], np.float32).reshape(1, 2, 1, 1)
    # padded to 3x3 per image; 1x2 kernel, stride (1, 2) -> (3, 1) outputs;
    # only the middle row touches the pixel: window (pad, x) -> 3*x
    expected = np.zeros((2, 3, 1, 1), np.float32)
    expected[:, 1, 0, 0] = 3.0 * x[:, 0, 0, 0]
    np.testing.assert_array_equal(ref_conv2d(x, k, (1, 2), 1, 1), expected)
    got = ops.conv2d(x, k, stride=(1, 2), padding=1)
    assert_matches(got, expected, 4, "oneDNN case")


def test_conv2d_large_bank_processed_in_groups_matches_tf():
    """A problem big enough that an implementation may need to chunk its work."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, size=(300, 280, 3)).astype(np.float32)
    k = rng.uniform(-1, 1, size=(3, 3, 3, 64)).astype(np.float32)
    for kwargs in ({"padding": "same"}, {"stride": 2, "padding": "valid"}):
        got = ops.conv2d(x, k, **kwargs)
        want = ref_conv2d(x, k, kwargs.get("stride", 1), kwargs["padding"], 1)
        assert_matches(got, want, 3, f"large conv2d {kwargs}")


def test_ops_accept_non_contiguous_views():
    rng = np.random.default_rng(11)
    base = rng.uniform(-1, 1, size=(2, 18, 16, 6)).astype(np.float32)
    views = {
        "strided+reversed": base[:, ::2, ::-1, ::2],  # (2, 9, 16, 3)
        "fortran": np.asfortranarray(base[:, :9, :16, :3]),
        "channel-sliced": base[..., 1:4],
    }
    k = rng.uniform(-1, 1, size=(3, 2, 3, 2)).astype(np.float32)
    k2 = rng.uniform(-1, 1, size=(3, 3)).astype(np.float32)
    k_view = np.asfortranarray(k)[::-1]  # non-contiguous kernel bank too
    for name, v in views.items():
        c = np.ascontiguousarray(v)
        assert_matches(ops.conv2d(v, k_view, stride=(2, 1), padding="same"),
                       ref_conv2d(c, np.ascontiguousarray(k_view), (2, 1), "same", 1), 4, name)
        assert_matches(ops.filter_image(v, k2[:, ::-1]),
                       ref_filter_image(c, np.ascontiguousarray(k2[:, ::-1])), 4, name)
        assert_matches(ops.pool2d(v, 2, padding="same", mode="average"),
                       ref_pool2d(c, 2, None, "average", "same"), 4, name)
        assert_matches(ops.depth_pool(v, 3), ref_depth_pool(c, 3), 4, name)
        assert_matches(ops.global_pool(v, mode="max"), ref_global_pool(c, "max"), None, name)


def test_conv2d_accepts_numpy_integer_parameters():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 11, 2)).astype(np.float32)
    k = rng.normal(size=(3, 3, 2, 3)).astype(np.float32)
    got = ops.conv2d(x, k, stride=np.int64(2), padding=np.int64(1), dilation=np.int32(1))
    assert_matches(got, ref_conv2d(x, k, 2, 1, 1), 3, "numpy-int params")


# ------------------------------------- conv2d in the app's configuration (oneDNN on)

_APP_CONFIG_PROBE = r"""
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from explorer.core.lab import ops
try:  # what the app does once the window is up: load TensorFlow in the background
    from explorer.core import tf_backend
    tf_backend.load()
except ImportError:
    import tensorflow  # noqa: F401
cases = json.load(open(sys.argv[2]))
arrays = np.load(sys.argv[3])
out = {}
for i, case in enumerate(cases):
    padding = case["padding"]
    if isinstance(padding, list):
        padding = tuple(tuple(p) for p in padding)
    out[f"y{i}"] = ops.conv2d(
        arrays[f"x{i}"], arrays[f"k{i}"],
        stride=tuple(case["stride"]), padding=padding, dilation=tuple(case["dilation"]),
    )
np.savez(sys.argv[4], **out)
"""


def _app_config_cases():
    rng = np.random.default_rng(2024)
    cases = []
    # N >= 2 grey images, stride (1, s > 1), one output column: TF 2.21's oneDNN
    # conv2d returns garbage here (see conftest.py).
    for n, w, kw, sw, f in [(2, 3, 2, 2, 3), (2, 5, 4, 3, 3), (3, 3, 3, 2, 4), (2, 17, 4, 3, 3)]:
        cases.append(dict(x=(n, 6, w, 1), k=(2, kw, 1, f), stride=(1, sw), dilation=(1, 1), padding="valid"))
    cases.append(dict(x=(2, 17, 5, 1), k=(4, 4, 1, 3), stride=(1, 3), dilation=(1, 1),
                      padding=((0, 2), (0, 1))))
    while len(cases) < 120:
        n, h, w, c = (int(v) for v in (rng.integers(1, 3), rng.integers(1, 13), rng.integers(1, 13), rng.integers(1, 5)))
        kh, kw, f = (int(v) for v in (rng.integers(1, 5), rng.integers(1, 5), rng.integers(3, 6)))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (1, 1) if max(stride) > 1 else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = [
            "valid", "same", int(rng.integers(0, 3)),
            ((int(rng.integers(0, 3)), int(rng.integers(0, 3))), (int(rng.integers(0, 3)), int(rng.integers(0, 3)))),
        ][int(rng.integers(0, 4))]
        if not _fits(h, w, kh, kw, dilation, padding):
            continue
        cases.append(dict(x=(n, h, w, c), k=(kh, kw, c, f), stride=stride, dilation=dilation, padding=padding))
    arrays = {}
    for i, case in enumerate(cases):
        arrays[f"x{i}"] = rng.uniform(-1, 1, size=case["x"]).astype(np.float32)
        arrays[f"k{i}"] = rng.uniform(-1, 1, size=case["k"]).astype(np.float32)
    return cases, arrays


def test_conv2d_matches_tf_with_tensorflow_loaded_and_default_onednn(tmp_path):
    """The app's configuration: TensorFlow loaded (so an implementation may hand
    big filter banks to TF) and TF's default oneDNN kernels on.

    Runs in a subprocess with TF_ENABLE_ONEDNN_OPTS unset; the results are
    compared here against the (portable-kernel) tf.nn.conv2d reference.
    """
    import json
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[3]
    cases, arrays = _app_config_cases()
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    np.savez(tmp_path / "in.npz", **arrays)
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    proc = subprocess.run(
        [sys.executable, "-c", _APP_CONFIG_PROBE, str(repo), str(tmp_path / "cases.json"),
         str(tmp_path / "in.npz"), str(tmp_path / "out.npz")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = np.load(tmp_path / "out.npz")
    failures = []
    for i, case in enumerate(cases):
        x, k = arrays[f"x{i}"], arrays[f"k{i}"]
        want = ref_conv2d(x, k, case["stride"], case["padding"], case["dilation"])
        got = results[f"y{i}"]
        scale = max(1.0, float(np.abs(want).max()))
        if got.shape != want.shape or not np.allclose(got, want, rtol=RTOL, atol=ATOL * scale):
            err = np.abs(got - want).max() if got.shape == want.shape else f"shape {got.shape}"
            failures.append(
                f"conv2d x{case['x']} k{case['k']} stride={case['stride']} "
                f"padding={case['padding']!r} dilation={case['dilation']}: max error {err}"
            )
    assert not failures, f"{len(failures)}/{len(cases)} cases wrong:\n" + "\n".join(failures[:10])


# ---------------------------------------------------------------------- filter_image


@SETTINGS
@given(st.data())
def test_filter_image_matches_tf_depthwise(data):
    from explorer.core.lab import kernels as kernels_mod

    x = draw_image(data)
    use_preset = data.draw(st.booleans(), label="use_preset")
    if use_preset:
        name = data.draw(st.sampled_from(sorted(kernels_mod.PRESETS)), label="preset")
        k2 = np.array(kernels_mod.PRESETS[name], dtype=np.float32)
    else:
        kh = data.draw(st.integers(1, 5), label="kh")
        kw = data.draw(st.integers(1, 5), label="kw")
        k2 = draw_kernel(data, (kh, kw))
    kh, kw = k2.shape
    x = (x * draw_scale(data)).astype(np.float32)
    stride = data.draw(int_or_pair(1, 3), label="stride")
    dilation = data.draw(int_or_pair(1, 3), label="dilation")
    omit_padding = data.draw(st.booleans(), label="omit_padding")
    padding = "same" if omit_padding else data.draw(PADDINGS, label="padding")
    h, w = x.shape[-3], x.shape[-2]
    assume(_fits(h, w, kh, kw, dilation, padding))

    x_before = x.copy()
    if omit_padding:  # default padding must be "same"
        got = ops.filter_image(x, k2, stride=stride, dilation=dilation)
    else:
        got = ops.filter_image(x, k2, stride=stride, padding=padding, dilation=dilation)
    want = ref_filter_image(x, k2, stride, padding, dilation)

    what = (
        f"filter_image x{x.shape} k{k2.shape} stride={stride} "
        f"padding={'<default>' if omit_padding else repr(padding)} dilation={dilation}"
    )
    assert_matches(got, want, x.ndim, what)
    assert got.shape[-1] == x.shape[-1], "filter_image must keep the channel count"
    np.testing.assert_array_equal(x, x_before, err_msg="filter_image modified its input")


# ---------------------------------------------------------------------------- pool2d


@SETTINGS
@given(st.data())
def test_pool2d_matches_keras(data):
    x = draw_image(data)
    size = data.draw(int_or_pair(1, 4), label="size")
    stride = data.draw(st.one_of(st.none(), int_or_pair(1, 3)), label="stride")
    mode = data.draw(st.sampled_from(["max", "average"]), label="mode")
    padding = data.draw(st.sampled_from(["valid", "same"]), label="padding")
    sh, sw = _pair(size)
    if padding == "valid":
        assume(sh <= x.shape[-3] and sw <= x.shape[-2])

    x_before = x.copy()
    if stride is None and data.draw(st.booleans(), label="omit_stride"):
        got = ops.pool2d(x, size, mode=mode, padding=padding)
    else:
        got = ops.pool2d(x, size, stride=stride, mode=mode, padding=padding)
    want = ref_pool2d(x, size, stride, mode, padding)
    what = f"pool2d x{x.shape} size={size} stride={stride} mode={mode} padding={padding}"
    assert_matches(got, want, x.ndim, what)
    np.testing.assert_array_equal(x, x_before, err_msg="pool2d modified its input")


@SETTINGS_SMALL
@given(st.data())
def test_pool2d_defaults_are_max_valid(data):
    x = draw_image(data)
    size = data.draw(st.integers(1, 3), label="size")
    assume(size <= min(x.shape[-3], x.shape[-2]))
    got = ops.pool2d(x, size)
    assert_matches(got, ref_pool2d(x, size), x.ndim, f"pool2d defaults size={size}")


# ------------------------------------------------------------------------ depth_pool


@SETTINGS_SMALL
@given(st.data())
def test_depth_pool_matches_tf(data):
    size = data.draw(st.integers(1, 4), label="size")
    groups = data.draw(st.integers(1, 3), label="groups")
    x = draw_image(data, c=size * groups)
    mode = data.draw(st.sampled_from(["max", "average", None]), label="mode")
    if mode is None:
        got = ops.depth_pool(x, size)
        mode = "max"
    else:
        got = ops.depth_pool(x, size, mode=mode)
    want = ref_depth_pool(x, size, mode)
    what = f"depth_pool x{x.shape} size={size} mode={mode}"
    assert_matches(got, want, x.ndim, what)
    assert got.shape[:-1] == x.shape[:-1], "depth_pool must keep N, H and W"


# ----------------------------------------------------------------------- global_pool


@SETTINGS_SMALL
@given(st.data())
def test_global_pool_matches_keras(data):
    x = draw_image(data)
    mode = data.draw(st.sampled_from(["average", "max", None]), label="mode")
    if mode is None:
        got = ops.global_pool(x)
        mode = "average"
    else:
        got = ops.global_pool(x, mode=mode)
    want = ref_global_pool(x, mode)
    what = f"global_pool x{x.shape} mode={mode}"
    assert_matches(got, want, None, what)
    expected_shape = (x.shape[-1],) if x.ndim == 3 else (x.shape[0], x.shape[-1])
    assert got.shape == expected_shape


# ------------------------------------------------- arithmetic agrees with TF's shapes


@SETTINGS
@given(st.data())
def test_output_size_agrees_with_tf_conv_shapes(data):
    n = data.draw(st.integers(1, 20), label="n")
    f = data.draw(st.integers(1, 5), label="f")
    s = data.draw(st.integers(1, 3), label="s")
    d = data.draw(st.integers(1, 3), label="d")
    padding = data.draw(
        st.one_of(
            st.sampled_from(["valid", "same"]),
            st.integers(0, 3),
            st.tuples(st.integers(0, 3), st.integers(0, 3)),
        ),
        label="padding",
    )
    if isinstance(padding, tuple):
        conv_padding = (padding, (0, 0))
    else:
        conv_padding = padding
    assume(_fits(n, 1, f, 1, (d, 1), conv_padding))

    x = np.zeros((1, n, 1, 1), np.float32)
    k = np.zeros((f, 1, 1, 1), np.float32)
    tf_h = ref_conv2d(x, k, (s, 1), conv_padding, (d, 1)).shape[1]

    got = arithmetic.output_size(n, f, stride=s, padding=padding, dilation=d)
    assert isinstance(got, (int, np.integer)) and not isinstance(got, bool)
    assert got == tf_h, f"output_size({n}, {f}, s={s}, p={padding!r}, d={d}) = {got}, TF: {tf_h}"
    text = arithmetic.output_size_formula(n, f, stride=s, padding=padding, dilation=d)
    assert isinstance(text, str)
    assert text.endswith(f"= {tf_h:,}"), text


@SETTINGS_SMALL
@given(
    kh=st.integers(1, 7),
    kw=st.integers(1, 7),
    square=st.booleans(),
    c_in=st.integers(1, 64),
    filters=st.integers(1, 300),
    bias=st.booleans(),
)
def test_conv_params_agrees_with_keras(kh, kw, square, c_in, filters, bias):
    kernel = kh if square else (kh, kw)
    kh, kw = _pair(kernel)
    layer = keras.layers.Conv2D(filters, (kh, kw), use_bias=bias)
    layer.build((None, 16, 16, c_in))
    expected = layer.count_params()
    assert arithmetic.conv_params(kernel, c_in, filters, bias=bias) == expected
    text = arithmetic.conv_params_formula(kernel, c_in, filters, bias=bias)
    assert isinstance(text, str)
    assert text.endswith(f"= {expected:,}"), text
