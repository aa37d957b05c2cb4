"""Model summaries: rows (from a stack or a built Keras model), a text table, an HTML table.

Like Keras' ``model.summary()``, with every parameter count and output size
worked out as a formula. Rows of a named model or a custom stack come from
:func:`explorer.core.model.stack.check_stack` (no TensorFlow); rows of a
built Keras model are read from its layers.
"""

from __future__ import annotations

from explorer.core import arithmetic
from explorer.core.model.presets import stack_for
from explorer.core.model.stack import SummaryRow, check_stack, flatten_formula, gap_formula

__all__ = ["summarize", "summary_text", "summary_html", "total_params"]

_DOT = arithmetic.DOT


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
        return check_stack(stack_for(name_or_model, layers), input_shape, num_classes)
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
            return flatten_formula(shape)
        if type(layer).__name__ == "GlobalAveragePooling2D":
            return gap_formula(shape)
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


def summary_html(*, name=None, layers=(), input_shape=(28, 28, 1), num_classes=10, model=None) -> str:
    """The summary table with formulas as HTML (Qt rich text); an impossible custom stack explained.

    Parameters
    ----------
    name : str, optional
        A model name or "custom" (with `layers`), summarised without TensorFlow.
    layers, input_shape, num_classes
        As for :func:`summarize`.
    model : keras.Model, optional
        A built model, summarised from its layers instead of `name`.

    Returns
    -------
    str
        The table and its total, or a red sentence saying why the model cannot be built.
    """
    try:
        if model is not None:
            rows = summarize(model)
        else:
            rows = summarize(name, input_shape=input_shape, num_classes=num_classes, layers=layers)
    except ValueError as exc:
        return f"<span style='color:#b00020'><b>This model cannot be built:</b> {exc}</span>"
    body = "".join(
        f"<tr><td>{row.name} ({row.kind})</td><td>{'×'.join(map(str, row.output_shape))}</td>"
        f"<td align='right'>{row.params:,}</td><td>{row.formula}</td></tr>" for row in rows)
    total = sum(row.params for row in rows)
    return ("<table cellspacing='0' cellpadding='3'><tr><th align='left'>Layer</th><th align='left'>Output shape"
            "</th><th align='right'>Param #</th><th align='left'>How</th></tr>" + body +
            f"</table><p><b>Total params: {total:,}</b></p>")
