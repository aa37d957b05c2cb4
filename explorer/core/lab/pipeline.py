"""The kernel lab's model: (image, kernel bank, settings) -> feature maps.

Everything here is an immutable value, so the window can hand a request to a
worker thread and drop stale ones: every edit builds a new `LabRequest`, one
call to `compute` turns it into a `LabResult`, and the view only draws.

Two modes, as in the course notes:

- "image": each kernel filters every channel separately (a colour photo stays
  colour), what "sharpen this photo" means: ``tf.nn.depthwise_conv2d``.
- "layer": a Conv2D layer: each kernel is applied to all input channels and
  the results are summed, plus a bias, one feature map per filter; seed 004's
  ``filters[:, 3, :, 0] = 1`` sets the same 2-D kernel on every channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from explorer.core import arithmetic
from explorer.core.arrays import frozen_array
from explorer.core.lab import ops
from explorer.core.lab.kernels import MAX_KERNEL_SIZE, validate_kernel

MODES = ("image", "layer")
ACTIVATIONS = ("none", "relu")
POOLS = ("none", "max", "average")


@dataclass(frozen=True)
class KernelBank:
    """Kernels of one size with one bias each, like ``Conv2D(filters=N)``.

    Build it with `KernelBank.of`, which validates and freezes the values.
    Two banks are equal when their kernels (shapes and values) and biases are.
    """

    kernels: tuple[np.ndarray, ...]
    biases: tuple[float, ...]

    def __eq__(self, other) -> bool:
        if not isinstance(other, KernelBank):
            return NotImplemented
        return self is other or (
            len(self) == len(other)
            and self.biases == other.biases
            and all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(self.kernels, other.kernels))
        )

    @classmethod
    def of(cls, kernels, biases=None) -> KernelBank:
        """Validate 2-D kernels of equal shape (and finite biases) into a bank.

        Raises
        ------
        ValueError
            For an empty bank, kernels of different sizes, sizes above
            MAX_KERNEL_SIZE, or non-finite values.
        """
        arrays = [validate_kernel(k, ndim=2, max_size=MAX_KERNEL_SIZE) for k in kernels]
        if not arrays:
            raise ValueError("the filter bank is empty: add at least one kernel")
        if len({a.shape for a in arrays}) > 1:
            raise ValueError(f"all kernels of a bank must have one size, got {sorted({a.shape for a in arrays})}")
        biases = [0.0] * len(arrays) if biases is None else [float(b) for b in biases]
        if len(biases) != len(arrays):
            raise ValueError(f"{len(arrays)} kernels but {len(biases)} biases")
        if not np.isfinite(biases).all():
            raise ValueError("biases must be finite numbers")
        return cls(tuple(frozen_array(a) for a in arrays), tuple(biases))

    @property
    def size(self) -> tuple[int, int]:
        return self.kernels[0].shape

    def __len__(self) -> int:
        return len(self.kernels)

    def layer_weights(self, channels: int) -> np.ndarray:
        """Conv2D weights (kh, kw, C, F): every kernel repeated on each channel."""
        stacked = np.stack(self.kernels, axis=-1)  # (kh, kw, F)
        return np.repeat(stacked[:, :, None, :], channels, axis=2)


@dataclass(frozen=True)
class LabSettings:
    """Layer hyper-parameters; `padding` is "valid", "same" or pixels (int or pairs)."""

    mode: str = "image"
    padding: object = "same"
    stride: int = 1
    dilation: int = 1
    activation: str = "none"
    pool: str = "none"
    pool_size: int = 2
    pool_stride: int | None = None
    depth_pool: int = 1
    global_pool: str = "none"

    def __post_init__(self):
        for name, allowed in (("mode", MODES), ("activation", ACTIVATIONS), ("pool", POOLS),
                              ("global_pool", POOLS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        arithmetic.padding_2d(self.padding)
        arithmetic.pair(self.stride, "stride")
        arithmetic.pair(self.dilation, "dilation")
        arithmetic.pair(self.pool_size, "pool size")
        if self.pool_stride is not None:
            arithmetic.pair(self.pool_stride, "pool stride")
        arithmetic.pair(self.depth_pool, "depth pool size")

    def with_(self, **changes) -> LabSettings:
        """A copy with some fields changed (validated)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class LabRequest:
    """One thing to compute: the view's image (H, W, C) float32, a bank, settings."""

    image: np.ndarray
    bank: KernelBank
    settings: LabSettings = field(default_factory=LabSettings)
    serial: int = 0  # increases with every edit; the view ignores stale results


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline, for the shape panel."""

    name: str
    shape: tuple[int, ...]
    formula: str = ""  # the height computation with numbers filled in ("" when not applicable)
    width_formula: str = ""  # the same for the width


@dataclass(frozen=True)
class LabResult:
    """What the view draws.

    maps : (H', W', K) after the activation; K = F*C in image mode (channels
        of kernel f at f*C .. f*C + C - 1) or F in layer mode.
    pooled : after spatial pooling, or None.
    depth_pooled : after depth-wise pooling, or None.
    global_pooled : (K',) after global pooling, or None.
    """

    serial: int
    maps: np.ndarray
    pooled: np.ndarray | None
    depth_pooled: np.ndarray | None
    global_pooled: np.ndarray | None
    stages: tuple[Stage, ...]
    params: str  # parameter count formula ("" in image mode: a filter has no trainable layer)
    labels: tuple[str, ...]


def compute(request: LabRequest) -> LabResult:
    """Run the pipeline: convolution, (+ bias), activation, pooling.

    Raises
    ------
    ValueError
        With a sentence a learner can read, e.g. when the kernel (dilated)
        is larger than the padded image or the pool is larger than the maps.
    """
    image, bank, s = request.image, request.bank, request.settings
    h, w, c = image.shape
    kh, kw = bank.size
    if s.mode == "layer":
        # Every kernel is the same on each channel, so the channels can be summed
        # first: a one-channel convolution, a third of the work on a colour image.
        maps = ops.conv2d(channel_sum(image), bank.layer_weights(1), stride=s.stride, padding=s.padding,
                          dilation=s.dilation)
        maps += np.asarray(bank.biases, np.float32)
        labels = tuple(f"filter {f + 1}" for f in range(len(bank)))
    else:
        maps = np.concatenate(
            [ops.filter_image(image, k, stride=s.stride, padding=s.padding, dilation=s.dilation) for k in bank.kernels],
            axis=-1,
        ) if len(bank) > 1 else ops.filter_image(image, bank.kernels[0], stride=s.stride, padding=s.padding,
                                                 dilation=s.dilation)
        labels = tuple(f"kernel {f + 1}" + (f" · {'RGB'[ch] if c == 3 else ch + 1}" if c > 1 else "")
                       for f in range(len(bank)) for ch in range(c))
    if s.activation == "relu":
        np.maximum(maps, 0, out=maps)

    stages = [Stage("input", (h, w, c)),
              Stage(_conv_name(s, kh, kw), maps.shape, _formula(h, kh, s.stride, s.padding, s.dilation, axis=0),
                    _formula(w, kw, s.stride, s.padding, s.dilation, axis=1))]
    pooled = depth_pooled = global_pooled = None
    current = maps
    if s.pool != "none":
        pool_stride = s.pool_stride or s.pool_size
        formulas = [_formula(current.shape[axis], s.pool_size, pool_stride, "valid", 1, axis) for axis in (0, 1)]
        current = pooled = ops.pool2d(current, s.pool_size, stride=pool_stride, mode=s.pool)
        stages.append(Stage(f"{s.pool} pool {s.pool_size}×{s.pool_size}, stride {pool_stride}", pooled.shape,
                            *formulas))
    if s.depth_pool > 1:
        current = depth_pooled = ops.depth_pool(current, s.depth_pool, mode="max")
        stages.append(Stage(f"depth-wise max pool {s.depth_pool}", depth_pooled.shape,
                            f"{current.shape[-1] * s.depth_pool} channels / {s.depth_pool} = {current.shape[-1]}"))
    if s.global_pool != "none":
        global_pooled = ops.global_pool(current, mode=s.global_pool)
        stages.append(Stage(f"global {s.global_pool} pool", global_pooled.shape))
    params = arithmetic.conv_params_formula((kh, kw), c, len(bank)) if s.mode == "layer" else ""
    return LabResult(request.serial, maps, pooled, depth_pooled, global_pooled, tuple(stages), params, labels)


# (the last image, its channel sum): edits keep the image. One tuple, replaced
# whole, so a thread never sees an image with another image's sum.
_SUMMED: list[tuple] = [(None, None)]


def channel_sum(image: np.ndarray) -> np.ndarray:
    """The image's channels summed, (H, W, 1) float32: a layer whose kernels repeat on every channel sees only this.

    ``conv2d(image, w repeated on C channels)`` equals ``conv2d(channel_sum(image), w)``
    up to float rounding (NaN and inf included: the same products are summed).
    The last image's sum is kept, since one image meets many kernels (the
    lab's images are never written, so the same object has the same sum).

    Parameters
    ----------
    image : ndarray
        (H, W, C) float32; not written.

    Returns
    -------
    ndarray
        (H, W, 1) float32 (the image itself when C is 1); read-only when it is a sum.
    """
    if image.shape[2] == 1:
        return image
    last, summed = _SUMMED[0]
    if last is image:
        return summed
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN, as in TF's sum
        summed = np.add.reduce(image, axis=2, dtype=np.float32, keepdims=True)
    summed.flags.writeable = False
    _SUMMED[0] = (image, summed)
    return summed


def _conv_name(s: LabSettings, kh: int, kw: int) -> str:
    what = "Conv2D" if s.mode == "layer" else "filter"
    extra = f", dilation {s.dilation}" if s.dilation != 1 else ""
    act = ", ReLU" if s.activation == "relu" else ""
    return f"{what} {kh}×{kw}, stride {s.stride}, padding {_padding_text(s.padding)}{extra}{act}"


def _padding_text(padding) -> str:
    spec = arithmetic.padding_2d(padding)
    if isinstance(spec, str):
        return spec
    (top, bottom), (left, right) = spec
    return f"top {top}, bottom {bottom}, left {left}, right {right}"


def _formula(n, f, stride, padding, dilation, axis) -> str:
    spec = arithmetic.padding_2d(padding)
    pad = spec if isinstance(spec, str) else spec[axis]
    return arithmetic.output_size_formula(n, f, arithmetic.pair(stride, "stride")[axis], pad,
                                          arithmetic.pair(dilation, "dilation")[axis])
