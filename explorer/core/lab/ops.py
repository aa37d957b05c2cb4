"""Convolution and pooling on NumPy arrays: the live view's speed path.

Every function takes channels-last float32 images, (H, W, C) or (N, H, W, C),
returns a fresh float32 array of the same rank, and matches TensorFlow's own
op (``tf.nn.conv2d``, ``tf.nn.depthwise_conv2d``, Keras pooling layers).

How it is fast without a compiled extension: a convolution is a sum over
kernel taps of shifted copies of the input. Three engines compute it:

- "planes": mixes the channels of every pixel for all taps in one BLAS matrix
  product, then adds the shifted tap planes. Zero padding is never
  materialised (each tap adds only into the output window whose inputs lie
  inside the image) and all-zero taps are skipped, so the sparse teaching
  kernels (a line, the identity) cost a fraction of a dense one.
- "rows": gathers each row's horizontal windows once and multiplies them by
  all kernel rows in one product; fewer passes over memory for big kernels.
- "taps": one-channel images and a bank of filters (the lab's layer mode,
  which sums the channels first): each filter's shifted multiply-adds, one
  map after another in memory (the order the view colours them in).
- "tensorflow": TensorFlow's own oneDNN kernel, which uses every core and wins
  on dense kernels and filter banks; used only once TensorFlow has been
  loaded (the app loads it in the background), never waited for.

``conv2d(engine="auto")`` picks by the kernel's shape and sparsity; every
engine gives TensorFlow's result, NaN and infinity included.
"""

from __future__ import annotations

import functools

import numpy as np

from explorer.core import arithmetic, tf_backend
from explorer.core.lab.kernels import validate_kernel

# Upper bound for the tap-plane scratch array of conv2d; larger problems are
# processed in groups of taps so memory stays flat for big images and banks.
_SCRATCH_BYTES = 64 * 2**20


def _ieee(function):
    """Let NaN and inf arise as in TensorFlow, without NumPy's RuntimeWarnings."""

    @functools.wraps(function)
    def quiet(*args, **kwargs):
        with np.errstate(invalid="ignore", over="ignore"):
            return function(*args, **kwargs)

    return quiet


# --------------------------------------------------------------------------- input checks

def _as_batch(x, name: str = "image") -> tuple[np.ndarray, bool]:
    """Return x as a float32 (N, H, W, C) array and whether it was 3-D."""
    try:
        array = np.asarray(x)
    except Exception as exc:
        raise ValueError(f"{name} is not a numeric array: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} values must be real numbers, got dtype {array.dtype}")
    if array.ndim not in (3, 4):
        raise ValueError(
            f"{name} has the wrong rank: expected 3 dimensions (H, W, C) or 4 (N, H, W, C), "
            f"got shape {array.shape}"
        )
    if 0 in array.shape:
        raise ValueError(f"{name} is empty: shape {array.shape}")
    single = array.ndim == 3
    batch = np.asarray(array[None] if single else array, dtype=np.float32)
    return batch, single


def all_finite(batch: np.ndarray) -> bool:
    """True if no pixel is NaN or infinite.

    The shortcuts (skipping zero taps, separable passes) are exact only for
    finite pixels: TF gives NaN for inf * 0. One summing pass usually decides;
    the element-wise check runs only if the sum is not finite.
    """
    return bool(np.isfinite(np.einsum("i->", batch.reshape(-1)))) or bool(np.isfinite(batch).all())


def _restore(result: np.ndarray, single: bool) -> np.ndarray:
    return result[0] if single else result


# --------------------------------------------------------------------------- geometry

class _Axis:
    """Where each kernel tap reads along one spatial axis.

    For output position y and tap i the input index is ``s*y + d*i - before``.
    `window(i)` gives the output range whose input index is inside the image
    and the input slice it reads, so padding needs no copy.
    """

    def __init__(self, n: int, f: int, s: int, d: int, before: int, after: int):
        self.n, self.f, self.s, self.d, self.before, self.after = n, f, s, d, before, after
        self.out = arithmetic.output_size(n, f, s, (before, after), d)

    def window(self, i: int) -> tuple[slice, slice] | None:
        offset = self.d * i - self.before
        first = 0 if offset >= 0 else (-offset + self.s - 1) // self.s  # ceil(-offset/s)
        last = min(self.out - 1, (self.n - 1 - offset) // self.s)
        if last < first:
            return None  # this tap only ever sees padding
        start = self.s * first + offset
        stop = self.s * last + offset + 1
        return slice(first, last + 1), slice(start, stop, self.s)

    def counts(self) -> np.ndarray:
        """How many taps read real (non-padding) input, per output position."""
        counts = np.zeros(self.out, dtype=np.float32)
        for i in range(self.f):
            win = self.window(i)
            if win is not None:
                counts[win[0]] += 1
        return counts


def _axes(h: int, w: int, kh: int, kw: int, stride, padding, dilation) -> tuple[_Axis, _Axis]:
    try:
        return _cached_axes(h, w, kh, kw, stride, padding, dilation)
    except TypeError:  # unhashable arguments (lists): compute directly
        return _axes_uncached(h, w, kh, kw, stride, padding, dilation)


@functools.lru_cache(maxsize=256)
def _cached_axes(h, w, kh, kw, stride, padding, dilation) -> tuple[_Axis, _Axis]:
    # A live view repeats the same geometry edit after edit; _Axis is read-only by convention.
    return _axes_uncached(h, w, kh, kw, stride, padding, dilation)


def _axes_uncached(h: int, w: int, kh: int, kw: int, stride, padding, dilation) -> tuple[_Axis, _Axis]:
    sh, sw = arithmetic.pair(stride, "stride")
    dh, dw = arithmetic.pair(dilation, "dilation")
    spec = arithmetic.padding_2d(padding)
    if isinstance(spec, str):
        pad_h = arithmetic.axis_padding(spec, h, kh, sh, dh)
        pad_w = arithmetic.axis_padding(spec, w, kw, sw, dw)
    else:
        pad_h, pad_w = spec
    return _Axis(h, kh, sh, dh, *pad_h), _Axis(w, kw, sw, dw, *pad_w)


def _tap_windows(rows: _Axis, cols: _Axis, i: int, j: int):
    """Output and input index tuples for tap (i, j), or None if it reads only padding."""
    row, col = rows.window(i), cols.window(j)
    if row is None or col is None:
        return None
    return (row[0], col[0]), (row[1], col[1])


# --------------------------------------------------------------------------- convolution

@_ieee
def conv2d(x, kernels, *, stride=1, padding="valid", dilation=1, engine="auto") -> np.ndarray:
    """A Conv2D layer without bias: cross-correlation summed over channels.

    Parameters
    ----------
    x : array_like
        Image (H, W, C) or batch (N, H, W, C).
    kernels : array_like
        Filter bank (kh, kw, C, F).
    stride, dilation : int or (int, int)
    padding : "valid", "same", int, (ph, pw) or ((top, bottom), (left, right))
    engine : "auto", "planes", "rows", "taps" or "tensorflow"
        How to compute it. "auto" picks the fastest for the shape: NumPy for
        single maps and few filters, TensorFlow's oneDNN kernels for larger
        banks, but only once TensorFlow is loaded (it never waits for the
        import). All engines give the same result; tests check each against TF.

    Returns
    -------
    numpy.ndarray
        float32 (H', W', F) or (N, H', W', F); equals ``tf.nn.conv2d``. The
        "taps" engine's is a view of (F, N, H', W') maps, one after another.
    """
    batch, single = _as_batch(x)
    bank = validate_kernel(kernels, ndim=4)
    n, h, w, c = batch.shape
    kh, kw, kc, filters = bank.shape
    if kc != c:
        raise ValueError(f"channel mismatch: the kernel expects {kc} input channels but the image has {c}")
    rows, cols = _axes(h, w, kh, kw, stride, padding, dilation)
    live = bank.reshape(kh * kw, -1).any(axis=1)  # taps with a non-zero weight
    if engine == "auto":
        engine = _choose_engine(batch, int(live.sum()), filters, rows, cols)
        if engine != "tensorflow" and c == 1 and filters > 1:
            engine = "taps"  # measured 1.1-2.7x faster than the others on a one-channel photo
    if engine == "planes" and not live.all() and not all_finite(batch):
        live[:] = True  # NaN/inf pixels: zero taps must still multiply, as in TF
    taps = [divmod(t, kw) for t in np.flatnonzero(live).tolist()]
    if engine == "rows":
        return _restore(_conv_rows(batch, bank, rows, cols), single)
    if engine == "planes":
        return _restore(_conv_planes(batch, bank, taps, rows, cols), single)
    if engine == "tensorflow":
        return _restore(_conv_tensorflow(batch, bank, rows, cols), single)
    if engine == "taps":
        return _restore(_conv_taps(batch, bank, rows, cols), single)
    raise ValueError(f"engine must be 'auto', 'planes', 'rows', 'taps' or 'tensorflow', got {engine!r}")


# Engine choice, from measurements on china.jpg (tests/benchmarks/bench_conv.py).
# TensorFlow's oneDNN kernels use every core and are hard to beat on dense
# small kernels and banks, but they ignore sparsity and handle a single big
# map poorly: NumPy's cost grows only with the non-zero taps, so very sparse
# kernels (a line, the identity) are several times faster on NumPy, and one
# dense 5x5-or-larger map is faster with the kernel-row engine. Before
# TensorFlow has loaded, NumPy computes it all.
_ROWS_ENGINE_MIN_TAPS = 16


def _very_sparse(tap_planes: int, rows: _Axis, cols: _Axis) -> bool:
    return tap_planes <= max(1, rows.f * cols.f // 4)


def _choose_engine(batch: np.ndarray, taps: int, filters: int, rows: _Axis, cols: _Axis) -> str:
    many = taps * filters > _ROWS_ENGINE_MIN_TAPS
    rows_fit = many and _rows_engine_fits(batch, rows, cols)
    # One big kernel (5x5 and up): the kernel-row engine beats oneDNN's single-map path.
    big_single = filters == 1 and rows.f * cols.f >= 25 and rows.s == cols.s == 1
    if rows_fit and big_single:
        return "rows"
    if not _very_sparse(taps * filters, rows, cols) and _tensorflow_for(batch, rows, cols):
        return "tensorflow"
    return "rows" if rows_fit else "planes"


def _rows_engine_fits(batch: np.ndarray, rows: _Axis, cols: _Axis) -> bool:
    """Whether the kernel-row engine's window copy stays within the scratch budget."""
    n, _, _, c = batch.shape
    padded_rows = rows.n + rows.before + rows.after
    return 4 * n * padded_rows * cols.out * cols.f * c <= 4 * _SCRATCH_BYTES


def _tensorflow_for(batch: np.ndarray, rows: _Axis, cols: _Axis):
    """The loaded TensorFlow module if its CPU conv is known good for this shape, else None.

    TF 2.21 with oneDNN returns uninitialised memory for batches of one-channel
    images strided along one axis into a one-column output (tests/core keeps a
    reproducer), and its CPU conv refuses stride and dilation together. The
    live view's case, one image, is far from both.
    """
    tf = tf_backend.loaded()
    strided_and_dilated = max(rows.s, cols.s) > 1 and max(rows.d, cols.d) > 1
    if tf is None or batch.shape[0] != 1 or min(rows.out, cols.out) < 2 or strided_and_dilated:
        return None
    return tf


def _explicit_padding(rows: _Axis, cols: _Axis) -> list[list[int]]:
    return [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]]


def _conv_tensorflow(batch, bank, rows: _Axis, cols: _Axis) -> np.ndarray:
    """tf.nn.conv2d with the padding resolved to explicit pixel counts."""
    tf = tf_backend.load()
    if max(rows.s, cols.s) > 1 and max(rows.d, cols.d) > 1:
        bank, dilations = _dilate(bank, rows.d, cols.d), [1, 1, 1, 1]
    else:
        dilations = [1, rows.d, cols.d, 1]
    # The generated op itself: tf.nn.conv2d's Python layers cost tens of microseconds per call.
    result = tf.raw_ops.Conv2D(input=batch, filter=bank, strides=[1, rows.s, cols.s, 1], padding="EXPLICIT",
                               explicit_paddings=sum(_explicit_padding(rows, cols), []), dilations=dilations)
    return result.numpy()  # writable, unlike np.asarray(tensor)


def _dilate(bank: np.ndarray, dh: int, dw: int) -> np.ndarray:
    """The kernel with zeros inserted between taps: same result, dilation 1."""
    kh, kw = bank.shape[:2]
    spread = np.zeros((arithmetic.span(kh, dh), arithmetic.span(kw, dw)) + bank.shape[2:], np.float32)
    spread[::dh, ::dw] = bank
    return spread


def _conv_planes(batch, bank, taps, rows: _Axis, cols: _Axis) -> np.ndarray:
    """Mix channels for every tap in one matrix product, then add shifted planes."""
    n, h, w, c = batch.shape
    filters = bank.shape[3]
    out = np.zeros((filters, n, rows.out, cols.out), dtype=np.float32)
    pixels = batch.reshape(-1, c).T  # (C, N*H*W) view: BLAS reads it transposed, no copy
    group = max(1, _SCRATCH_BYTES // (4 * filters * n * h * w))
    for first in range(0, len(taps), group):
        chosen = taps[first:first + group]
        # (taps*F, C) @ (C, pixels): every tap's channel mix in one matrix product
        weights = np.stack([bank[i, j].T for i, j in chosen]).reshape(-1, c)
        planes = (weights @ pixels).reshape(len(chosen), filters, n, h, w)
        for plane, (i, j) in zip(planes, chosen):
            windows = _tap_windows(rows, cols, i, j)
            if windows is not None:
                (out_r, out_c), (in_r, in_c) = windows
                target = out[:, :, out_r, out_c]
                np.add(target, plane[:, :, in_r, in_c], out=target)
    return out[0, :, :, :, None] if filters == 1 else np.ascontiguousarray(out.transpose(1, 2, 3, 0))


def _conv_rows(batch, bank, rows: _Axis, cols: _Axis) -> np.ndarray:
    """Kernel-row engine: horizontal patches once, one matrix product, kh adds.

    Every kernel row sees the same horizontal windows, only shifted down, so
    the windows are gathered once as (N, Hp, W', kw*C) and multiplied by all
    kernel rows together; the rows are then summed with vertical shifts.
    """
    kh, kw, c, filters = bank.shape
    padded = _zero_pad(batch, rows, cols)
    span_w = arithmetic.span(kw, cols.d)
    windows = np.lib.stride_tricks.sliding_window_view(padded, span_w, axis=2)
    windows = windows[:, :, : cols.s * (cols.out - 1) + 1 : cols.s, :, :: cols.d]  # (N, Hp, W', C, kw)
    patches = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 3)).reshape(-1, kw * c)
    weights = bank.transpose(1, 2, 0, 3).reshape(kw * c, kh * filters)  # (j, c) x (i, f)
    mixed = (patches @ weights).reshape(padded.shape[0], padded.shape[1], cols.out, kh, filters)
    out = np.zeros((batch.shape[0], rows.out, cols.out, filters), dtype=np.float32)
    for i in range(kh):
        start = rows.d * i
        np.add(out, mixed[:, start : start + rows.s * (rows.out - 1) + 1 : rows.s, :, i], out=out)
    return out


def _conv_taps(batch, bank, rows: _Axis, cols: _Axis) -> np.ndarray:
    """Taps engine: one-channel images, each filter as shifted multiply-adds; (N, H', W', F) view of (F, N, H', W')."""
    kh, kw, c, filters = bank.shape
    if c != 1:
        raise ValueError(f"the taps engine takes one-channel images, got {c} channels")
    keep_zeros = not bank.all() and not all_finite(batch)  # NaN/inf pixels: zero taps multiply too, as in TF
    out = np.empty((filters, batch.shape[0], rows.out, cols.out), np.float32)
    for f in range(filters):
        out[f] = _depthwise(batch, bank[:, :, 0, f], rows, cols, keep_zeros=keep_zeros)[..., 0]
    return out.transpose(1, 2, 3, 0)


def _zero_pad(batch: np.ndarray, rows: _Axis, cols: _Axis) -> np.ndarray:
    """The image with the axes' zero padding, trimmed to what the windows read."""
    if not (rows.before or rows.after or cols.before or cols.after):
        return batch
    n, h, w, c = batch.shape
    padded = np.zeros((n, h + rows.before + rows.after, w + cols.before + cols.after, c), np.float32)
    padded[:, rows.before : rows.before + h, cols.before : cols.before + w] = batch
    return padded


def _separable(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(column, row) vectors whose outer product is `kernel`, if that is cheaper.

    A rank-1 kernel (blur, Sobel, the line filters) costs kh + kw passes as
    two 1-D filters instead of kh*kw passes as one 2-D filter.
    """
    kh, kw = kernel.shape
    if kh + kw >= np.count_nonzero(kernel):
        return None
    u, s, vt = np.linalg.svd(kernel.astype(np.float64))
    if s[0] == 0 or (len(s) > 1 and s[1] > 1e-7 * s[0]):
        return None
    column, row = u[:, 0] * s[0], vt[0]
    return column.astype(np.float32)[:, None], row.astype(np.float32)[None, :]


def _depthwise(batch: np.ndarray, kernel: np.ndarray, rows: _Axis, cols: _Axis, keep_zeros=False) -> np.ndarray:
    """Apply one 2-D kernel to every channel: shifted multiply-adds per tap."""
    n, _, _, c = batch.shape
    out = np.zeros((n, rows.out, cols.out, c), dtype=np.float32)
    scratch = np.empty_like(out)
    for (i, j), weight in np.ndenumerate(kernel):
        windows = _tap_windows(rows, cols, i, j) if weight != 0 or keep_zeros else None
        if windows is None:
            continue
        (out_r, out_c), (in_r, in_c) = windows
        target = out[:, out_r, out_c]
        product = scratch[:, out_r, out_c]
        np.multiply(batch[:, in_r, in_c], weight, out=product)
        np.add(target, product, out=target)
    return out


@_ieee
def filter_image(x, kernel2d, *, stride=1, padding="same", dilation=1) -> np.ndarray:
    """Filter every channel of an image with the same 2-D kernel.

    This is what "sharpen this photo" means: a colour image stays colour.

    Parameters
    ----------
    x : array_like
        Image (H, W, C) or batch (N, H, W, C).
    kernel2d : array_like
        Kernel (kh, kw).
    stride, dilation : int or (int, int)
    padding : "valid", "same", int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    numpy.ndarray
        float32 with C channels; equals ``tf.nn.depthwise_conv2d`` with the
        kernel repeated for every channel (and is computed by it once
        TensorFlow is loaded, except for the identity-like single-tap case).
    """
    batch, single = _as_batch(x)
    kernel = validate_kernel(kernel2d, ndim=2)
    _, h, w, _ = batch.shape
    kh, kw = kernel.shape
    rows, cols = _axes(h, w, kh, kw, stride, padding, dilation)
    tf = _tensorflow_for(batch, rows, cols) if rows.s == cols.s else None  # TF's depthwise: equal strides
    if tf is not None and np.count_nonzero(kernel) > 1:
        depthwise = np.repeat(kernel[:, :, None, None], batch.shape[3], axis=2)
        result = tf.nn.depthwise_conv2d(batch, depthwise, [1, rows.s, cols.s, 1], _explicit_padding(rows, cols),
                                        dilations=[rows.d, cols.d])
        return _restore(result.numpy(), single)  # .numpy() is writable; np.asarray would be a read-only view
    factors = _separable(kernel)
    shortcut = factors is not None or not kernel.all()  # separable passes or skipped zero taps
    if shortcut and not all_finite(batch):
        # NaN/inf pixels: every tap multiplies, as in TF (inf * 0 is NaN)
        return _restore(_depthwise(batch, kernel, rows, cols, keep_zeros=True), single)
    many_taps = factors is None and np.count_nonzero(kernel) > _ROWS_ENGINE_MIN_TAPS
    if many_taps and _rows_engine_fits(batch, rows, cols):
        # Filter the channels as a batch of grey images with the kernel-row
        # engine: far fewer passes over memory than one per tap.
        n, _, _, c = batch.shape
        grey = batch.transpose(0, 3, 1, 2).reshape(n * c, h, w, 1)
        maps = _conv_rows(grey, kernel[:, :, None, None], rows, cols)
        return _restore(np.ascontiguousarray(maps.reshape(n, c, rows.out, cols.out).transpose(0, 2, 3, 1)), single)
    if factors is None:
        return _restore(_depthwise(batch, kernel, rows, cols), single)
    column, row = factors
    # Zero padding, stride and dilation act on each axis independently, so
    # the column pass uses the vertical geometry and the row pass the other.
    partial = _depthwise(batch, column, rows, _Axis(w, 1, 1, 1, 0, 0))
    return _restore(_depthwise(partial, row, _Axis(rows.out, 1, 1, 1, 0, 0), cols), single)


# --------------------------------------------------------------------------- pooling

@_ieee
def pool2d(x, size, *, stride=None, mode="max", padding="valid") -> np.ndarray:
    """Max or average pooling, as Keras MaxPooling2D / AveragePooling2D.

    Parameters
    ----------
    x : array_like
        (H, W, C) or (N, H, W, C).
    size : int or (int, int)
        Pool window.
    stride : int or (int, int), optional
        Defaults to `size` (non-overlapping windows, as Keras).
    mode : "max" or "average"
    padding : "valid" or "same"; average pooling ignores padded cells, as TF.
    """
    batch, single = _as_batch(x)
    ph, pw = arithmetic.pair(size, "pool size")
    mode = _pool_mode(mode)
    if not (isinstance(padding, str) and padding.lower() in ("valid", "same")):
        raise ValueError(f"pool padding must be 'valid' or 'same', got {padding!r}")
    stride = (ph, pw) if stride is None else stride
    rows, cols = _axes(batch.shape[1], batch.shape[2], ph, pw, stride, padding, 1)
    n, c = batch.shape[0], batch.shape[3]
    fill = -np.inf if mode == "max" else 0.0
    out = np.full((n, rows.out, cols.out, c), fill, dtype=np.float32)
    combine = np.maximum if mode == "max" else np.add
    for i in range(ph):
        for j in range(pw):
            windows = _tap_windows(rows, cols, i, j)
            if windows is not None:
                (out_r, out_c), (in_r, in_c) = windows
                target = out[:, out_r, out_c]
                combine(target, batch[:, in_r, in_c], out=target)
    if mode == "average":
        out /= np.multiply.outer(rows.counts(), cols.counts())[None, :, :, None]
    return _restore(out, single)


def _pool_mode(mode) -> str:
    modes = {"max": "max", "average": "average", "avg": "average", "mean": "average"}
    if not isinstance(mode, str) or mode.lower() not in modes:
        raise ValueError(f"pooling mode must be 'max' or 'average', got {mode!r}")
    return modes[mode.lower()]


@_ieee
def depth_pool(x, size, mode="max") -> np.ndarray:
    """Pool across channels in groups of `size`, keeping height and width.

    Seed 004's depth-wise pooling: equals ``tf.nn.max_pool`` with
    ``ksize=(1, 1, 1, size)`` and ``strides=(1, 1, 1, size)``.
    """
    batch, single = _as_batch(x)
    if isinstance(size, (tuple, list)):
        raise ValueError(f"depth pool size must be one whole number (channels per group), got {size!r}")
    group = arithmetic.pair(size, "pool size")[0]
    mode = _pool_mode(mode)
    channels = batch.shape[-1]
    if channels % group:
        raise ValueError(f"depth pool size {group} must divide the number of channels ({channels})")
    grouped = batch.reshape(batch.shape[:-1] + (channels // group, group))
    result = grouped.max(axis=-1) if mode == "max" else grouped.mean(axis=-1, dtype=np.float32)
    return _restore(np.ascontiguousarray(result, dtype=np.float32), single)


@_ieee
def global_pool(x, mode="average") -> np.ndarray:
    """Global average or max pooling: one number per channel.

    Returns (C,) for an (H, W, C) input and (N, C) for (N, H, W, C), as
    GlobalAveragePooling2D / GlobalMaxPooling2D.
    """
    batch, single = _as_batch(x)
    mode = _pool_mode(mode)
    result = batch.max(axis=(1, 2)) if mode == "max" else batch.mean(axis=(1, 2), dtype=np.float32)
    return _restore(result.astype(np.float32, copy=False), single)
