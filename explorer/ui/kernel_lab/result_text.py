"""What the kernel lab writes about a result: the shapes panel and the tile labels."""

from __future__ import annotations

from explorer.core.lab.pipeline import LabResult
from explorer.core.numbers import format_number

__all__ = ["depth_labels", "kernel_labels", "shapes_html"]


def kernel_labels(count: int) -> list[str]:
    """One tile label per kernel: "kernel 1", "kernel 2", ..."""
    return [f"kernel {i + 1}" for i in range(count)]


def shapes_html(result: LabResult) -> str:
    """The shapes panel's rich text: each stage's shape with its formulas, pooled values, parameters."""
    rows = []
    for stage in result.stages:
        shape = "×".join(str(v) for v in stage.shape)
        if stage.width_formula:  # a spatial stage: one formula per axis
            formulas = "<br>".join(f"&nbsp;&nbsp;{axis}: {formula}" for axis, formula in
                                   (("height", stage.formula), ("width", stage.width_formula)))
        else:  # e.g. depth-wise pooling, whose formula counts channels
            formulas = f"&nbsp;&nbsp;{stage.formula}" if stage.formula else ""
        rows.append(f"<b>{stage.name}</b> → {shape}" + (f"<br>{formulas}" if formulas else ""))
    if result.global_pooled is not None:
        values = ", ".join(format_number(v) for v in result.global_pooled[:16])
        more = f", … ({len(result.global_pooled)} in all)" if len(result.global_pooled) > 16 else ""
        rows.append(f"&nbsp;&nbsp;one number per map: {values}{more}")
    if result.params:
        rows.append(f"<b>parameters</b> (f·f·c_in + 1)·k = {result.params}")
    return "<br>".join(rows)


def depth_labels(labels, group: int) -> list[str]:
    """Tile labels after depth-wise pooling, which takes the max over groups of `group` neighbouring maps."""
    return [f"max of {labels[start]} … {labels[start + group - 1]}" if group > 1 else labels[start]
            for start in range(0, len(labels) - group + 1, group)]
