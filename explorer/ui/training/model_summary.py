"""The model.summary() table, with the parameter formulas, as rich text."""

from __future__ import annotations


def summary_html(*, name=None, layers=(), input_shape=(28, 28, 1), num_classes=10, model=None) -> str:
    """The model.summary() table with formulas, as HTML; an impossible custom stack explained."""
    from explorer.core.model import models

    try:
        if model is not None:
            rows = models.summarize(model)
        else:
            rows = models.summarize(name, input_shape=input_shape, num_classes=num_classes, layers=layers)
    except ValueError as exc:
        return f"<span style='color:#b00020'><b>This model cannot be built:</b> {exc}</span>"
    body = "".join(
        f"<tr><td>{row.name} ({row.kind})</td><td>{'×'.join(map(str, row.output_shape))}</td>"
        f"<td align='right'>{row.params:,}</td><td>{row.formula}</td></tr>" for row in rows)
    total = sum(row.params for row in rows)
    return ("<table cellspacing='0' cellpadding='3'><tr><th align='left'>Layer</th><th align='left'>Output shape"
            "</th><th align='right'>Param #</th><th align='left'>How</th></tr>" + body +
            f"</table><p><b>Total params: {total:,}</b></p>")
