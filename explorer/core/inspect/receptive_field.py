"""Which input pixels one unit of a feature map can see: its receptive field.

For a chain of convolutions and poolings, per axis (Araujo et al. 2019, "Computing
receptive fields of convolutional neural networks")::

    r_l = r_{l-1} + (k_l - 1) · d_l · j_{l-1}        r_0 = 1   (size)
    j_l = j_{l-1} · s_l                              j_0 = 1   (jump: input pixels per step)
    c_l = c_{l-1} + ((k_l - 1) / 2 · d_l - p_l) · j_{l-1}   c_0 = 0   (centre of unit 0)

with kernel k, dilation d, stride s and the padding p added before the first
row/column ("same" pads ⌊total/2⌋ there, as TensorFlow does). Unit (i, j)'s
centre is then at c + i·jump in input pixel coordinates (pixel centres are
whole numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from explorer.core.inspect.errors import InspectError
from explorer.core.inspect.layers import check_layer, layer_names, probe

__all__ = ["ReceptiveField", "receptive_field"]

_WINDOWED = ("Conv1D", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D")


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of the units of one layer.

    Attributes
    ----------
    size : (int, int)
        (rows, columns) of input pixels one unit sees.
    jump : (int, int)
        Input pixels between neighbouring units.
    start : (float, float)
        Centre of unit (0, 0) in input pixels (may lie outside the image when there is padding).
    formula : str
        The recursion written out layer by layer, for people.
    input_size : (int, int)
        (H, W) of the input, for clipping.
    """

    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[float, float]
    formula: str
    input_size: tuple[int, int]

    def box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) of unit (row, col)'s field, bottom/right exclusive, clipped to the input."""
        out = []
        for axis, index in enumerate((row, col)):
            centre = self.start[axis] + index * self.jump[axis]
            low = math.floor(centre - (self.size[axis] - 1) / 2 + 0.5)
            out.append((max(0, low), min(self.input_size[axis], low + self.size[axis])))
        (top, bottom), (left, right) = out
        return top, left, bottom, right


def receptive_field(model, layer_name: str) -> ReceptiveField:
    """The receptive field of `layer_name`'s units, following the chain of layers that feeds it.

    Layers that keep the map size (activations, normalisation, dropout, merges)
    leave it unchanged; ZeroPadding2D and Cropping2D move the centre. Where a
    layer merges several inputs, the first one is followed.

    Raises
    ------
    InspectError
        If the layer has no (H, W, C) maps, or a layer on the way changes the
        map size in a way the recursion does not describe (e.g. UpSampling2D).
    """
    found = probe(model)
    check_layer(model, layer_name)
    if layer_name not in layer_names(model, spatial=True):
        raise InspectError(f"layer {layer_name} has no (height, width, channels) maps, so no receptive field")
    chain = []
    name = layer_name
    while name:
        chain.append(name)
        name = found.parents[name]
    size, jump, start = [1, 1], [1, 1], [0.0, 0.0]
    lines = ["r_0 = 1, j_0 = 1, c_0 = 0 (one input pixel)"]
    for name in reversed(chain):
        geometry = _geometry(found, name)
        if geometry is None:
            continue
        kernel, stride, dilation, pad = geometry
        before = (tuple(size), tuple(jump), tuple(start))
        for axis in (0, 1):
            start[axis] += ((kernel[axis] - 1) / 2 * dilation[axis] - pad[axis]) * jump[axis]
            size[axis] += (kernel[axis] - 1) * dilation[axis] * jump[axis]
            jump[axis] *= stride[axis]
        lines.append(_line(name, type(found.layers[name]).__name__, geometry, before, size, jump, start))
    height, width = found.input_shape[:2]
    return ReceptiveField(size=(size[0], size[1]), jump=(jump[0], jump[1]), start=(start[0], start[1]),
                          formula="\n".join(lines), input_size=(height, width))


# ------------------------------------------------------------------ internals
def _pair(value) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[-1]))
    return (int(value), int(value))


def _geometry(found, name):
    """(kernel, stride, dilation, pad before) per axis, or None for a layer that keeps the geometry."""
    layer = found.layers[name]
    kind = type(layer).__name__
    in_shape = tuple(found.inputs[name].shape[1:3])
    out_shape = tuple(found.outputs[name].shape[1:3])
    if kind in _WINDOWED:
        kernel = _pair(getattr(layer, "kernel_size", None) or layer.pool_size)
        stride = _pair(layer.strides)
        dilation = _pair(getattr(layer, "dilation_rate", 1))
        if layer.padding == "same":
            pad = tuple(_same_pad(int(in_shape[a]), kernel[a], stride[a], dilation[a]) for a in (0, 1))
        elif layer.padding == "valid":
            pad = (0, 0)
        else:
            raise InspectError(f"layer {name} uses {layer.padding!r} padding; the receptive field needs valid or same")
        return kernel, stride, dilation, pad
    if kind == "ZeroPadding2D":
        (top, _), (left, _) = layer.padding
        return (1, 1), (1, 1), (1, 1), (int(top), int(left))
    if kind == "Cropping2D":
        (top, _), (left, _) = layer.cropping
        return (1, 1), (1, 1), (1, 1), (-int(top), -int(left))
    if len(found.inputs[name].shape) == 4 and in_shape == out_shape:
        return None
    raise InspectError(f"layer {name} ({kind}) changes the map size in a way the receptive-field "
                       "recursion does not cover")


def _same_pad(n: int, k: int, s: int, d: int) -> int:
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2


def _text(values) -> str:
    values = [int(v) if float(v).is_integer() else float(v) for v in values]
    return str(values[0]) if values[0] == values[1] else f"({values[0]}, {values[1]})"


def _line(name, kind, geometry, before, size, jump, start) -> str:
    kernel, stride, dilation, pad = geometry
    r0, j0, c0 = (_text(v) for v in before)
    k, s, d, p = (_text(v) for v in (kernel, stride, dilation, pad))
    return (f"{name} ({kind}, k={k}, s={s}, d={d}, p={p}): "
            f"r = {r0} + ({k} − 1)·{d}·{j0} = {_text(size)}, j = {j0}·{s} = {_text(jump)}, "
            f"c = {c0} + (({k} − 1)/2·{d} − {p})·{j0} = {_text(start)}")
