"""Output sizes, parameter counts, and the formulas as text.

The shape rule of the course notes, generalised to dilation, is
``floor((n + 2p - d(f-1) - 1)/s) + 1``; "same" padding follows TensorFlow
(output ``ceil(n/s)``, the odd padding pixel going to the bottom/right).
The ``*_formula`` functions return the same computation with the numbers
filled in, for the window's labels.
"""

from __future__ import annotations

from numbers import Integral

MINUS = "\u2212"  # the typographic minus sign reads better than a hyphen
DOT = "\u00b7"


def _whole(value, name: str) -> int:
    if type(value) is int:  # the common case, without the slow ABC check below
        return value
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def _positive_int(value, name: str) -> int:
    value = _whole(value, name)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def pair(value, name: str) -> tuple[int, int]:
    """Normalise an int or an (h, w) pair of positive ints, as Keras does.

    Raises
    ------
    ValueError
        If the value is not one or two whole numbers >= 1.
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or an (height, width) pair, got {value!r}")
        return _positive_int(value[0], name), _positive_int(value[1], name)
    number = _positive_int(value, name)
    return number, number


def _non_negative_int(value, name: str = "padding") -> int:
    value = _whole(value, name)
    if value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return value


def same_padding(n: int, f: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """TensorFlow's "same" padding for one axis: (before, after).

    The output has ``ceil(n/s)`` positions; when the total padding is odd
    the extra pixel goes after (bottom/right), as in ``tf.nn.conv2d``.
    """
    out = -(-n // s)
    total = max((out - 1) * s + d * (f - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def axis_padding(padding, n: int, f: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """Resolve a one-axis padding spec to (before, after) pixel counts.

    `padding` is "valid", "same" (any case), an int p (p on both sides) or a
    (before, after) pair.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0
        if mode == "same":
            return same_padding(n, f, s, d)
        raise ValueError(f"padding must be 'valid', 'same' or a number of pixels, got {padding!r}")
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(f"padding for one axis must be (before, after), got {padding!r}")
        return _non_negative_int(padding[0]), _non_negative_int(padding[1])
    p = _non_negative_int(padding)
    return p, p


def padding_2d(padding) -> str | tuple[tuple[int, int], tuple[int, int]]:
    """Normalise a 2-D padding spec as Keras' ZeroPadding2D reads it.

    Returns "valid" / "same", or ((top, bottom), (left, right)). Accepts an
    int, a (symmetric_height, symmetric_width) pair, or a pair of pairs.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid', 'same' or a number of pixels, got {padding!r}")
        return mode
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(f"padding must be an int, (h, w) or ((top, bottom), (left, right)), got {padding!r}")
        if any(isinstance(p, str) for p in padding):
            raise ValueError(f"padding pairs must hold numbers of pixels, got {padding!r}")
        return tuple(axis_padding(p, 0, 1) for p in padding)  # type: ignore[return-value]
    p = _non_negative_int(padding)
    return (p, p), (p, p)


def span(f: int, d: int = 1) -> int:
    """Extent in pixels of a kernel of size f with dilation d: d(f-1) + 1."""
    return d * (f - 1) + 1


def output_size(n: int, kernel: int, stride: int = 1, padding="valid", dilation: int = 1) -> int:
    """Number of output positions along one axis.

    ``floor((n + p_before + p_after - d(f-1) - 1)/s) + 1``.

    Raises
    ------
    ValueError
        If an argument is out of range or the (dilated) kernel is larger
        than the padded input, so that no output position exists.
    """
    n = _positive_int(n, "input size")
    f = _positive_int(kernel, "kernel size")
    s = _positive_int(stride, "stride")
    d = _positive_int(dilation, "dilation")
    before, after = axis_padding(padding, n, f, s, d)
    padded = n + before + after
    if span(f, d) > padded:
        raise ValueError(
            f"kernel size {f}" + (f" (dilated to {span(f, d)})" if d > 1 else "")
            + f" is larger than the padded input ({padded} pixels)"
        )
    return (padded - span(f, d)) // s + 1


def output_size_formula(n: int, kernel: int, stride: int = 1, padding="valid", dilation: int = 1) -> str:
    """The output size computation with the numbers filled in.

    >>> output_size_formula(28, 3)
    '⌊(28 + 2·0 − 3)/1⌋ + 1 = 26'

    Raises ValueError exactly when :func:`output_size` does.
    """
    size = output_size(n, kernel, stride, padding, dilation)  # validates every argument
    f, s, d = int(kernel), int(stride), int(dilation)
    before, after = axis_padding(padding, int(n), f, s, d)
    pad = f"2{DOT}{before}" if before == after else f"{before} + {after}"
    extent = f"{MINUS} {f}" if d == 1 else f"{MINUS} {d}{DOT}({f} {MINUS} 1) {MINUS} 1"
    return f"\u230a({n} + {pad} {extent})/{s}\u230b + 1 = {size}"


def conv_params(kernel, in_channels: int, filters: int, bias: bool = True) -> int:
    """Trainable parameters of a Conv2D layer: (kh*kw*c_in + 1)*k with bias."""
    kh, kw = pair(kernel, "kernel size")
    c = _positive_int(in_channels, "input channels")
    k = _positive_int(filters, "filters")
    return (kh * kw * c + (1 if bias else 0)) * k


def conv_params_formula(kernel, in_channels: int, filters: int, bias: bool = True) -> str:
    """The parameter count with the numbers filled in.

    >>> conv_params_formula(3, 1, 32)
    '(3·3·1 + 1)·32 = 320'
    """
    kh, kw = pair(kernel, "kernel size")
    weights = f"{kh}{DOT}{kw}{DOT}{in_channels}"
    text = f"({weights} + 1){DOT}{filters}" if bias else f"{weights}{DOT}{filters}"
    return f"{text} = {conv_params((kh, kw), in_channels, filters, bias):,}"


def dense_params(inputs: int, units: int, bias: bool = True) -> int:
    """Trainable parameters of a Dense layer: (inputs + 1)*units with bias."""
    return (_positive_int(inputs, "inputs") + (1 if bias else 0)) * _positive_int(units, "units")
