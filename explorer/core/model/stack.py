"""A stack's shapes and parameter counts in plain Python: :func:`check_stack`.

The arithmetic Keras would do, without TensorFlow, so summaries and the layer
editor answer instantly and explain *why* a stack does not fit ("the input is
only 2×2 pixels ..."). The classifier head ``Dense(num_classes, softmax)`` is
always appended (:func:`head_layer`): one stack works with any dataset
whatever its number of classes, a stack that already ends in a softmax Dense
is refused rather than given a second head, and the stack must end flat
(Flatten, global pooling or Dense).

Rows carry the names Keras gives the layers of the first model of a session
("conv2d", "max_pooling2d", "conv2d_1", ...): numbered per kind, in order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

from explorer.core import arithmetic
from explorer.core.model.specs import (
    ACTIVATIONS,
    KERAS_CLASSES,
    KERAS_NAMES,
    LAYER_KINDS,
    PADDINGS,
    LayerSpec,
    StackError,
    size_text,
)

__all__ = ["SummaryRow", "check_stack", "head_layer", "flatten_formula", "gap_formula"]

_TIMES = "\u00d7"
_DOT = arithmetic.DOT


@dataclass(frozen=True)
class SummaryRow:
    """One line of a model summary.

    Attributes
    ----------
    name : str
        Keras layer name, e.g. "conv2d_1".
    kind : str
        Keras class name, e.g. "Conv2D".
    output_shape : tuple of int
        Without the batch axis, e.g. (26, 26, 32) or (576,).
    params : int
        Trainable and non-trainable parameters of the layer.
    formula : str
        The parameter count with the numbers filled in, for Conv2D and Dense
        ("(3·3·1 + 1)·32 = 320", "(576 + 1)·64 = 36,928"), else "".
    shape_formula : str
        How the output shape follows from the input, e.g.
        "⌊(28 + 2·0 − 3)/1⌋ + 1 = 26" or "3·3·64 = 576", else "".
    """

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    formula: str = ""
    shape_formula: str = ""


def head_layer(num_classes: int) -> LayerSpec:
    """The classifier appended to every stack: Dense(num_classes, softmax)."""
    return LayerSpec("dense", units=num_classes, activation="softmax")


def check_stack(specs, input_shape=(28, 28, 1), num_classes: int = 10) -> tuple[SummaryRow, ...]:
    """Shapes and parameter counts of a stack plus its head, without TensorFlow.

    Parameters
    ----------
    specs : sequence of LayerSpec
        The layers, without the classifier head (it is appended).
    input_shape : (height, width, channels)
    num_classes : int
        At least 2.

    Returns
    -------
    tuple of SummaryRow
        One row per layer, the head last; the same names, shapes and counts
        as the Keras model :func:`build_model` makes.

    Raises
    ------
    StackError
        With ``.index`` at the layer that does not fit and a sentence saying why.
    """
    shape = _checked_input_shape(input_shape)
    classes = _checked_num_classes(num_classes)
    specs = tuple(specs)
    for index, spec in enumerate(specs):
        if not isinstance(spec, LayerSpec):
            raise StackError(f"layer {index + 1}: expected a LayerSpec, got {type(spec).__name__}", index)
    if specs and specs[-1].kind == "dense" and specs[-1].activation == "softmax":
        raise StackError(
            f"layer {len(specs)} ({specs[-1].label}, softmax): leave out the final softmax Dense, the "
            f"classifier Dense({classes}, softmax) is added automatically",
            len(specs) - 1,
        )
    rows: list[SummaryRow] = []
    counts: dict[str, int] = {}
    for index, spec in enumerate((*specs, head_layer(classes))):
        if index == len(specs) and len(shape) != 1:
            raise StackError(
                f"the classifier Dense({classes}, softmax) added after the last layer needs a flat input, but "
                f"the stack ends with {_shape_text(shape)} maps: end it with Flatten or global pooling", index)
        row = _check_layer(spec, shape, f"layer {index + 1} ({spec.label})", index)
        number = counts.get(spec.kind, 0)
        counts[spec.kind] = number + 1
        rows.append(SummaryRow(_keras_name(spec.kind, number), spec.keras_class, *row))
        shape = row[0]
    return tuple(rows)


def _keras_name(kind: str, number: int) -> str:
    base = KERAS_NAMES[kind]
    return base if number == 0 else f"{base}_{number}"


def _checked_input_shape(input_shape) -> tuple[int, int, int]:
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = ()
    if len(shape) != 3 or not all(_is_count(n) for n in shape):
        raise StackError(f"the input shape must be (height, width, channels) of whole numbers >= 1, "
                         f"got {input_shape!r}")
    return tuple(int(n) for n in shape)  # type: ignore[return-value]


def _checked_num_classes(num_classes) -> int:
    if not _is_count(num_classes) or num_classes < 2:
        raise StackError(f"classification needs at least 2 classes, got {num_classes!r}")
    return int(num_classes)


def _is_count(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def _check_layer(spec: LayerSpec, shape: tuple, where: str, index: int):
    """(output_shape, params, formula, shape_formula) for one layer, or StackError."""
    if spec.kind not in KERAS_CLASSES:
        raise StackError(f"{where}: unknown layer kind {spec.kind!r} (use one of {', '.join(LAYER_KINDS)})", index)
    check = {
        "conv2d": _check_conv,
        "maxpool": _check_pool,
        "avgpool": _check_pool,
        "dropout": _check_dropout,
        "flatten": _check_flatten,
        "gap": _check_gap,
        "dense": _check_dense,
    }[spec.kind]
    try:
        return check(spec, shape)
    except ValueError as exc:  # reasons are phrased without the layer; add it here
        raise StackError(f"{where}: {exc}", index) from None


def _need_spatial(spec: LayerSpec, shape: tuple) -> None:
    if len(shape) != 3:
        raise ValueError(f"{spec.keras_class} needs a height{_TIMES}width{_TIMES}channels input, but the layer "
                         f"before it outputs a flat vector of {shape[0]:,} numbers")


def _option(value, allowed: tuple, what: str) -> str:
    value = "linear" if value is None and what == "activation" else value
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _count(value, what: str) -> int:
    if not _is_count(value):
        raise ValueError(f"{what} must be a whole number >= 1, got {value!r}")
    return int(value)


def _window(shape, window, stride, padding, what: str):
    """Output (h, w) and the shape formula of a sliding window, or ValueError."""
    (kh, kw), (sh, sw) = window, stride
    h, w = shape[0], shape[1]
    if padding == "valid" and (kh > h or kw > w):
        raise ValueError(f"the input is only {h}{_TIMES}{w} pixels, smaller than the {what}")
    out_h = arithmetic.output_size(h, kh, sh, padding)
    out_w = arithmetic.output_size(w, kw, sw, padding)
    rule_h = arithmetic.output_size_formula(h, kh, sh, padding)
    rule_w = arithmetic.output_size_formula(w, kw, sw, padding)
    formula = rule_h if rule_h == rule_w else f"height {rule_h}; width {rule_w}"
    return (out_h, out_w), formula


def _check_conv(spec: LayerSpec, shape: tuple):
    _need_spatial(spec, shape)
    filters = _count(spec.filters, "filters")
    kernel = arithmetic.pair(spec.kernel, "kernel size")
    stride = arithmetic.pair(1 if spec.stride is None else spec.stride, "stride")
    padding = _option(spec.padding, PADDINGS, "padding")
    _option(spec.activation, ACTIVATIONS, "activation")
    (h, w), shape_formula = _window(shape, kernel, stride, padding, f"{size_text(kernel)} kernel")
    channels = shape[2]
    return ((h, w, filters), arithmetic.conv_params(kernel, channels, filters),
            arithmetic.conv_params_formula(kernel, channels, filters), shape_formula)


def _check_pool(spec: LayerSpec, shape: tuple):
    _need_spatial(spec, shape)
    pool = arithmetic.pair(spec.pool, "pool size")
    stride = arithmetic.pair(pool if spec.stride is None else spec.stride, "stride")
    padding = _option(spec.padding, PADDINGS, "padding")
    (h, w), shape_formula = _window(shape, pool, stride, padding, f"{size_text(pool)} pooling window")
    return (h, w, shape[2]), 0, "", shape_formula


def _check_dropout(spec: LayerSpec, shape: tuple):
    rate = spec.rate
    if isinstance(rate, bool) or not isinstance(rate, Real) or not 0 <= rate < 1:
        raise ValueError(f"the dropout rate must be a fraction, 0 <= rate < 1, got {rate!r}")
    return shape, 0, "", ""


def _check_flatten(spec: LayerSpec, shape: tuple):
    return (math.prod(shape),), 0, "", flatten_formula(shape)


def flatten_formula(shape: tuple) -> str:
    """How Flatten's output size follows from its input, e.g. "3·3·64 = 576" ("" for a flat input)."""
    return f"{_DOT.join(map(str, shape))} = {math.prod(shape):,}" if len(shape) > 1 else ""


def _check_gap(spec: LayerSpec, shape: tuple):
    _need_spatial(spec, shape)
    return (shape[2],), 0, "", gap_formula(shape)


def gap_formula(shape: tuple) -> str:
    """How global average pooling's output size follows from its (H, W, C) input."""
    h, w, c = shape
    return f"the average of each {h}{_TIMES}{w} map = {c:,} numbers"


def _check_dense(spec: LayerSpec, shape: tuple):
    if len(shape) != 1:
        # Keras would apply it to the channel axis of every pixel; in these
        # networks that is always a forgotten Flatten.
        raise ValueError(f"Dense after a spatial layer ({_shape_text(shape)}) needs Flatten or global "
                         f"pooling first")
    units = _count(spec.units, "units")
    _option(spec.activation, ACTIVATIONS, "activation")
    params = arithmetic.dense_params(shape[0], units)
    return (units,), params, f"({shape[0]:,} + 1){_DOT}{units} = {params:,}", ""


def _shape_text(shape: tuple) -> str:
    return _TIMES.join(map(str, shape))

