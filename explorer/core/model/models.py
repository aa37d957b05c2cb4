"""The course notes' convnets, custom layer stacks, and their summaries.

Every model here is a stack of :class:`LayerSpec` values followed by the
classifier head ``Dense(num_classes, softmax)``. The same specs feed two
consumers that must agree:

* :func:`check_stack` does the shape and parameter arithmetic in plain Python
  (no TensorFlow), so summaries and the layer editor answer instantly and
  explain *why* a stack does not fit ("the input is only 2×2 pixels ...");
* :func:`build_model` turns the specs into an uncompiled ``keras.Sequential``
  (TensorFlow is imported lazily, through :mod:`explorer.core.tf_backend`).

Custom stacks: ``build_model("custom", layers=specs)``. The head is always
appended automatically (``Dense(num_classes, softmax)``), so one stack works
with any dataset whatever its number of classes; a stack that already ends in
a softmax Dense is rejected rather than given a second head. The head is a
Dense layer, so the stack must end flat (Flatten, global pooling or Dense).

Layers get deterministic Keras names ("conv2d", "max_pooling2d", "conv2d_1",
...), numbered per kind in order as Keras numbers the layers of the first model
of a session; the summary rows and the built model share them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from numbers import Integral, Real

from explorer.core import arithmetic

__all__ = [
    "MODEL_NAMES",
    "CUSTOM",
    "LAYER_KINDS",
    "ACTIVATIONS",
    "PADDINGS",
    "NATIVE_INPUT_SHAPES",
    "LayerSpec",
    "StackError",
    "SummaryRow",
    "preset_layers",
    "head_layer",
    "check_stack",
    "build_model",
    "summarize",
    "summary_text",
    "total_params",
]

MODEL_NAMES = ("mnist-convnet", "lenet5", "fashion-cnn", "cifar-small", "cifar-small-pooling")
CUSTOM = "custom"
LAYER_KINDS = ("conv2d", "maxpool", "avgpool", "dropout", "flatten", "gap", "dense")
ACTIVATIONS = ("relu", "linear", "sigmoid", "tanh", "elu", "gelu", "swish", "softmax")
PADDINGS = ("valid", "same")

#: The input each model was written for in the course notes (build_model's
#: default stays 28×28×1 for all; the CLI uses these).
NATIVE_INPUT_SHAPES = {
    "mnist-convnet": (28, 28, 1),
    "lenet5": (28, 28, 1),
    "fashion-cnn": (28, 28, 1),
    "cifar-small": (32, 32, 3),
    "cifar-small-pooling": (32, 32, 3),
}

_KERAS_CLASS = {
    "conv2d": "Conv2D",
    "maxpool": "MaxPooling2D",
    "avgpool": "AveragePooling2D",
    "dropout": "Dropout",
    "flatten": "Flatten",
    "gap": "GlobalAveragePooling2D",
    "dense": "Dense",
}
_KERAS_NAME = {
    "conv2d": "conv2d",
    "maxpool": "max_pooling2d",
    "avgpool": "average_pooling2d",
    "dropout": "dropout",
    "flatten": "flatten",
    "gap": "global_average_pooling2d",
    "dense": "dense",
}
_TIMES = "\u00d7"
_DOT = arithmetic.DOT


class StackError(ValueError):
    """A layer stack that cannot be built, with the layer at fault.

    Attributes
    ----------
    index : int or None
        0-based position in the stack; ``len(specs)`` means the automatic
        classifier head; None for problems with the input shape or the number
        of classes. The message counts layers from 1, as people do.
    """

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack, as plain values (hashable, picklable, thread-safe).

    Only the fields of the layer's kind matter; the others keep their defaults.

    Attributes
    ----------
    kind : str
        One of :data:`LAYER_KINDS`: "conv2d", "maxpool", "avgpool",
        "dropout", "flatten", "gap" (GlobalAveragePooling2D) or "dense".
    filters : int
        Conv2D: number of kernels (output channels).
    kernel : int or (int, int)
        Conv2D: kernel height and width.
    stride : int, (int, int) or None
        Conv2D and pooling; None means 1 for Conv2D and the pool size for
        pooling (Keras' defaults).
    padding : str
        Conv2D and pooling: "valid" or "same".
    activation : str
        Conv2D and Dense: one of :data:`ACTIVATIONS` ("linear" = none).
    pool : int or (int, int)
        Pooling window.
    rate : float
        Dropout: fraction of inputs dropped while training, 0 <= rate < 1.
    units : int
        Dense: number of outputs.
    """

    kind: str
    filters: int = 32
    kernel: int | tuple[int, int] = 3
    stride: int | tuple[int, int] | None = None
    padding: str = "valid"
    activation: str = "relu"
    pool: int | tuple[int, int] = 2
    rate: float = 0.5
    units: int = 64

    @property
    def keras_class(self) -> str:
        """The Keras layer class name, e.g. "MaxPooling2D" ("?" for an unknown kind)."""
        return _KERAS_CLASS.get(self.kind, "?")

    @property
    def label(self) -> str:
        """A short description for people, e.g. "Conv2D 3×3" or "Dense 64"."""
        try:
            if self.kind == "conv2d":
                return f"Conv2D {_size(self.kernel)}"
            if self.kind in ("maxpool", "avgpool"):
                return f"{self.keras_class} {_size(self.pool)}"
        except ValueError:
            pass
        if self.kind == "dense":
            return f"Dense {self.units}"
        if self.kind == "dropout":
            return f"Dropout {self.rate}"
        return self.keras_class if self.kind in _KERAS_CLASS else repr(self.kind)

    def to_dict(self) -> dict:
        """Plain values (tuples as lists) for JSON files."""
        out = asdict(self)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in out.items()}

    @classmethod
    def from_dict(cls, data) -> LayerSpec:
        """The inverse of :meth:`to_dict`; unknown keys raise ValueError."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown layer field(s): {', '.join(sorted(map(str, unknown)))}")
        if "kind" not in data:
            raise ValueError("a layer needs a 'kind'")
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


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


# ------------------------------------------------------------------ presets
def _conv(filters, kernel=3, padding="valid"):
    return LayerSpec("conv2d", filters=filters, kernel=kernel, padding=padding)


_MAXPOOL = LayerSpec("maxpool", pool=2)
_FLATTEN = LayerSpec("flatten")


def _cifar_small(pooling: bool) -> tuple[LayerSpec, ...]:
    # Seed 002: kernel 2, "same" padding, optional 2×2 max pooling after each conv.
    out: list[LayerSpec] = []
    for filters in (16, 32, 64):
        out.append(_conv(filters, 2, "same"))
        if pooling:
            out.append(_MAXPOOL)
    return (*out, _FLATTEN, LayerSpec("dense", units=500))


_PRESETS: dict[str, tuple[LayerSpec, ...]] = {
    # Seeds 000/001 (Deep Learning with Python, 5.1).
    "mnist-convnet": (
        _conv(32), _MAXPOOL, _conv(64), _MAXPOOL, _conv(64), _FLATTEN, LayerSpec("dense", units=64),
    ),
    # Seed 003's LeNet-5 variant (3×3 kernels, no padding, max pooling).
    "lenet5": (
        _conv(6), _MAXPOOL, _conv(16), _MAXPOOL, _FLATTEN,
        LayerSpec("dense", units=120), LayerSpec("dense", units=84),
    ),
    # Seed 004 (Hands-On ML, chapter 14's Fashion-MNIST CNN).
    "fashion-cnn": (
        _conv(64, 7, "same"), _MAXPOOL,
        _conv(128, 3, "same"), _conv(128, 3, "same"), _MAXPOOL,
        _conv(256, 3, "same"), _conv(256, 3, "same"), _MAXPOOL,
        _FLATTEN,
        LayerSpec("dense", units=128), LayerSpec("dropout", rate=0.5),
        LayerSpec("dense", units=64), LayerSpec("dropout", rate=0.5),
    ),
    "cifar-small": _cifar_small(pooling=False),
    "cifar-small-pooling": _cifar_small(pooling=True),
}


def preset_layers(name: str) -> tuple[LayerSpec, ...]:
    """The layers of a named model, without the classifier head.

    ``build_model("custom", layers=preset_layers(name))`` builds the same
    network as ``build_model(name)``: a starting point for the layer editor.

    Raises
    ------
    ValueError
        If `name` is not in :data:`MODEL_NAMES`.
    """
    try:
        return _PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}: use one of {', '.join(MODEL_NAMES)} or {CUSTOM!r}") from None


def head_layer(num_classes: int) -> LayerSpec:
    """The classifier appended to every stack: Dense(num_classes, softmax)."""
    return LayerSpec("dense", units=num_classes, activation="softmax")


def _stack_for(name: str, layers) -> tuple[LayerSpec, ...]:
    # `layers` is ignored for the named models, so a stale custom stack in a
    # configuration cannot change a preset.
    return tuple(layers) if name == CUSTOM else preset_layers(name)


# ------------------------------------------------------------ the arithmetic
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
    base = _KERAS_NAME[kind]
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


def _size(value) -> str:
    h, w = arithmetic.pair(value, "size")
    return f"{h}{_TIMES}{w}"


def _check_layer(spec: LayerSpec, shape: tuple, where: str, index: int):
    """(output_shape, params, formula, shape_formula) for one layer, or StackError."""
    if spec.kind not in _KERAS_CLASS:
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
    (h, w), shape_formula = _window(shape, kernel, stride, padding, f"{_size(kernel)} kernel")
    channels = shape[2]
    return ((h, w, filters), arithmetic.conv_params(kernel, channels, filters),
            arithmetic.conv_params_formula(kernel, channels, filters), shape_formula)


def _check_pool(spec: LayerSpec, shape: tuple):
    _need_spatial(spec, shape)
    pool = arithmetic.pair(spec.pool, "pool size")
    stride = arithmetic.pair(pool if spec.stride is None else spec.stride, "stride")
    padding = _option(spec.padding, PADDINGS, "padding")
    (h, w), shape_formula = _window(shape, pool, stride, padding, f"{_size(pool)} pooling window")
    return (h, w, shape[2]), 0, "", shape_formula


def _check_dropout(spec: LayerSpec, shape: tuple):
    rate = spec.rate
    if isinstance(rate, bool) or not isinstance(rate, Real) or not 0 <= rate < 1:
        raise ValueError(f"the dropout rate must be a fraction, 0 <= rate < 1, got {rate!r}")
    return shape, 0, "", ""


def _check_flatten(spec: LayerSpec, shape: tuple):
    return (math.prod(shape),), 0, "", _flatten_formula(shape)


def _flatten_formula(shape: tuple) -> str:
    return f"{_DOT.join(map(str, shape))} = {math.prod(shape):,}" if len(shape) > 1 else ""


def _check_gap(spec: LayerSpec, shape: tuple):
    _need_spatial(spec, shape)
    return (shape[2],), 0, "", _gap_formula(shape)


def _gap_formula(shape: tuple) -> str:
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


# ------------------------------------------------------------------- Keras
def build_model(name: str, input_shape=(28, 28, 1), num_classes: int = 10, layers=()):
    """Build one of :data:`MODEL_NAMES`, or a custom stack, as an uncompiled model.

    Parameters
    ----------
    name : str
        A name of :data:`MODEL_NAMES`, or "custom" to build `layers`.
    input_shape : (height, width, channels)
        The model starts with ``keras.Input(shape=input_shape)``, so it is built.
    num_classes : int
        Units of the softmax head.
    layers : sequence of LayerSpec
        For "custom" only (ignored otherwise), without the head.

    Returns
    -------
    keras.Sequential
        Named `name`, layers named as :func:`check_stack`'s rows.

    Raises
    ------
    ValueError
        Unknown model name; :class:`StackError` if the stack does not fit the input.
    """
    specs = _stack_for(name, layers)
    rows = check_stack(specs, input_shape, num_classes)  # clear errors before Keras' own
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    built = [_keras_layer(keras, spec, row.name) for spec, row in zip((*specs, head_layer(num_classes)), rows)]
    return keras.Sequential([keras.Input(shape=tuple(int(n) for n in input_shape)), *built], name=name)


def _keras_layer(keras, spec: LayerSpec, name: str):
    layers = keras.layers
    activation = spec.activation or "linear"
    if spec.kind == "conv2d":
        return layers.Conv2D(spec.filters, arithmetic.pair(spec.kernel, "kernel"),
                             strides=arithmetic.pair(spec.stride or 1, "stride"),
                             padding=spec.padding, activation=activation, name=name)
    if spec.kind in ("maxpool", "avgpool"):
        pool_class = layers.MaxPooling2D if spec.kind == "maxpool" else layers.AveragePooling2D
        strides = None if spec.stride is None else arithmetic.pair(spec.stride, "stride")
        return pool_class(arithmetic.pair(spec.pool, "pool"), strides=strides, padding=spec.padding, name=name)
    if spec.kind == "dropout":
        return layers.Dropout(float(spec.rate), name=name)
    if spec.kind == "flatten":
        return layers.Flatten(name=name)
    if spec.kind == "gap":
        return layers.GlobalAveragePooling2D(name=name)
    return layers.Dense(spec.units, activation=activation, name=name)


# ---------------------------------------------------------------- summaries
def summarize(name_or_model, input_shape=(28, 28, 1), num_classes: int = 10, layers=()) -> tuple[SummaryRow, ...]:
    """Summary rows of a named model, a custom stack, or a built Keras model.

    For a name (or "custom" with `layers`) no TensorFlow is needed; for a
    Keras model the rows are read from its layers (`input_shape`,
    `num_classes` and `layers` are then ignored).

    Raises
    ------
    ValueError
        Unknown name, :class:`StackError`, or a Keras model that is not built.
    """
    if isinstance(name_or_model, str):
        return check_stack(_stack_for(name_or_model, layers), input_shape, num_classes)
    return _rows_from_keras(name_or_model)


def _rows_from_keras(model) -> tuple[SummaryRow, ...]:
    if not getattr(model, "built", False):
        raise ValueError("the model is not built: start it with keras.Input(shape=...)")
    rows = []
    for layer in model.layers:
        rows.append(SummaryRow(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]),
                               int(layer.count_params()), _keras_formula(layer), _keras_shape_formula(layer)))
    return tuple(rows)


def _keras_formula(layer) -> str:
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        return ""
    bias = bool(getattr(layer, "use_bias", True))
    dims = tuple(int(n) for n in kernel.shape)
    if len(dims) == 4:  # Conv2D: (kh, kw, c_in, filters)
        return arithmetic.conv_params_formula(dims[:2], dims[2], dims[3], bias)
    if len(dims) == 2:  # Dense: (inputs, units)
        params = arithmetic.dense_params(dims[0], dims[1], bias)
        return (f"({dims[0]:,} + 1){_DOT}{dims[1]} = {params:,}" if bias
                else f"{dims[0]:,}{_DOT}{dims[1]} = {params:,}")
    return ""


def _keras_shape_formula(layer) -> str:
    config = layer.get_config()
    window = config.get("kernel_size") or config.get("pool_size")
    try:
        shape = tuple(int(n) for n in layer.input.shape[1:])
        if type(layer).__name__ == "Flatten":
            return _flatten_formula(shape)
        if type(layer).__name__ == "GlobalAveragePooling2D":
            return _gap_formula(shape)
        if window is None or "strides" not in config:
            return ""
        h, w = shape[:2]
        strides = config["strides"] or window
        dilation = config.get("dilation_rate", (1, 1))
        rules = [arithmetic.output_size_formula(n, f, s, config["padding"], d)
                 for n, f, s, d in zip((h, w), window, strides, dilation)]
    except (AttributeError, TypeError, ValueError, IndexError):
        return ""
    return rules[0] if rules[0] == rules[1] else f"height {rules[0]}; width {rules[1]}"


def total_params(rows) -> int:
    """Sum of the rows' parameter counts (equals Keras' ``model.count_params()``)."""
    return sum(row.params for row in rows)


def summary_text(rows, title: str = "", shape_formulas: bool = False) -> str:
    """A readable table of summary rows, as ``model.summary()`` with the formulas.

    Parameters
    ----------
    rows : sequence of SummaryRow
    title : str
        Printed above the table when given.
    shape_formulas : bool
        Add a column explaining each output size.

    Returns
    -------
    str
        The table, then "Total params: N" and, when the network has a
        Flatten or global pooling layer, the split between the convolutional
        base and the classifier (seed 000's 55,744 for mnist-convnet).
    """
    rows = tuple(rows)
    header = ["Layer (type)", "Output shape", "Params", "Formula"] + (["Output size"] if shape_formulas else [])
    table = [header] + [
        [f"{row.name} ({row.kind})", "(None, " + ", ".join(map(str, row.output_shape)) + ")",
         f"{row.params:,}", row.formula] + ([row.shape_formula] if shape_formulas else [])
        for row in rows
    ]
    widths = [max(len(line[col]) for line in table) for col in range(len(header))]
    lines = [title] if title else []
    rule = "\u2500" * (sum(widths) + 3 * (len(widths) - 1))
    for number, line in enumerate(table):
        cells = [cell.rjust(width) if col == 2 else cell.ljust(width)
                 for col, (cell, width) in enumerate(zip(line, widths))]
        lines.append("   ".join(cells).rstrip())
        if number == 0:
            lines.append(rule)
    lines += [rule, f"Total params: {total_params(rows):,}"]
    split = _base_and_classifier(rows)
    if split:
        lines.append(f"  convolutional base (before {split[2]}): {split[0]:,}; classifier: {split[1]:,}")
    return "\n".join(lines)


def _base_and_classifier(rows):
    for index, row in enumerate(rows):
        if row.kind in ("Flatten", "GlobalAveragePooling2D"):
            return total_params(rows[:index]), total_params(rows[index:]), row.kind
    return None
