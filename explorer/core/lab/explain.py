"""Explain one output pixel: the worked arithmetic behind a feature-map value.

For a pixel of a feature map the learner sees the input window it reads (its
receptive field), the input patch under the kernel taps (zeros where the
window hangs over the padding), the kernel, the element-wise products, their
sum (+ bias), the activation and, if pooling is on, the pooling step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core import arithmetic
from explorer.core.lab.pipeline import LabRequest, LabResult
from explorer.core.numbers import format_number


@dataclass(frozen=True)
class ConvStep:
    """How conv-map pixel (y, x) of map `index` came to be."""

    index: int  # map index in LabResult.maps
    y: int
    x: int
    window: tuple[int, int, int, int]  # input rows/cols (top, left, bottom, right), end-exclusive, may exceed the image
    patch: np.ndarray  # (kh, kw) or (kh, kw, C): input values under the taps, 0 in padding
    kernel: np.ndarray  # (kh, kw)
    products: np.ndarray  # patch * kernel, same shape as patch
    total: float  # sum of the products
    bias: float
    activation: str
    value: float  # after bias and activation: what the map shows

    def text(self) -> str:
        """The arithmetic as a few lines of plain text."""
        sums = f"sum of {self.products.size} products = {format_number(self.total)}"
        lines = [f"output ({self.y}, {self.x}) reads input rows {self.window[0]}…{self.window[2] - 1}, "
                 f"columns {self.window[1]}…{self.window[3] - 1}"]
        if self.products.ndim == 3:
            per_channel = " + ".join(format_number(v) for v in self.products.sum(axis=(0, 1)))
            lines.append(f"channels: {per_channel} = {format_number(self.total)}")
        else:
            lines.append(sums)
        pre = self.total + self.bias
        if self.bias:
            lines.append(f"+ bias {format_number(self.bias)} = {format_number(pre)}")
        if self.activation == "relu":
            lines.append(f"ReLU: max(0, {format_number(pre)}) = {format_number(self.value)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class PoolStep:
    """How pooled pixel (y, x) came from a window of the conv map."""

    mode: str
    y: int
    x: int
    window: tuple[int, int, int, int]  # conv-map rows/cols, end-exclusive
    values: np.ndarray  # the conv-map values in the window
    value: float
    source: tuple[int, int]  # conv-map pixel that won a max pool (window's first for average)

    def text(self) -> str:
        numbers = ", ".join(format_number(v) for v in self.values.ravel())
        if self.mode == "max":
            return f"max pool: max({numbers}) = {format_number(self.value)}"
        return f"average pool: mean({numbers}) = {format_number(self.value)}"


def explain_conv(request: LabRequest, result: LabResult, index: int, y: int, x: int) -> ConvStep:
    """The arithmetic of conv-map pixel (y, x) of map `index`.

    Raises
    ------
    ValueError
        If the map index or the position is outside the result.
    """
    maps = result.maps
    if not (0 <= index < maps.shape[2] and 0 <= y < maps.shape[0] and 0 <= x < maps.shape[1]):
        raise ValueError(f"no pixel ({y}, {x}) in map {index} of shape {maps.shape[:2]}")
    image, bank, s = request.image, request.bank, request.settings
    channels = image.shape[2]
    layer = s.mode == "layer"
    kernel_index = index if layer else index // channels
    kernel = np.asarray(bank.kernels[kernel_index])
    rows, cols = _taps(image.shape[0], kernel.shape[0], s, 0, y), _taps(image.shape[1], kernel.shape[1], s, 1, x)
    padded = np.zeros((len(rows), len(cols), channels), np.float32)
    inside_r = [(a, r) for a, r in enumerate(rows) if 0 <= r < image.shape[0]]
    inside_c = [(b, c) for b, c in enumerate(cols) if 0 <= c < image.shape[1]]
    for a, r in inside_r:
        for b, c in inside_c:
            padded[a, b] = image[r, c]
    patch = padded if layer else padded[:, :, index % channels]
    products = patch * (kernel[:, :, None] if layer else kernel)
    total = float(products.sum(dtype=np.float64))
    bias = bank.biases[kernel_index] if layer else 0.0
    window = (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1)
    return ConvStep(index, y, x, window, patch, kernel, products, total, bias, s.activation,
                    float(maps[y, x, index]))


def explain_pool(request: LabRequest, result: LabResult, index: int, y: int, x: int) -> PoolStep:
    """The pooling step that produced pooled pixel (y, x) of map `index`."""
    s = request.settings
    if result.pooled is None:
        raise ValueError("pooling is off")
    size = arithmetic.pair(s.pool_size, "pool size")
    stride = arithmetic.pair(s.pool_stride or s.pool_size, "pool stride")
    top, left = y * stride[0], x * stride[1]
    window = (top, left, top + size[0], left + size[1])
    values = result.maps[top:top + size[0], left:left + size[1], index]
    if values.size == 0 or not (0 <= y < result.pooled.shape[0] and 0 <= x < result.pooled.shape[1]):
        raise ValueError(f"no pooled pixel ({y}, {x})")
    flat = int(np.argmax(values)) if s.pool == "max" else 0
    source = (top + flat // values.shape[1], left + flat % values.shape[1])
    return PoolStep(s.pool, y, x, window, values.copy(), float(result.pooled[y, x, index]), source)


def _taps(n: int, f: int, s, axis: int, out: int) -> list[int]:
    """Input indices read by output position `out` along one axis (may be padding)."""
    stride = arithmetic.pair(s.stride, "stride")[axis]
    dilation = arithmetic.pair(s.dilation, "dilation")[axis]
    spec = arithmetic.padding_2d(s.padding)
    pad = spec if isinstance(spec, str) else spec[axis]
    before, _ = arithmetic.axis_padding(pad, n, f, stride, dilation)
    return [stride * out + dilation * i - before for i in range(f)]
