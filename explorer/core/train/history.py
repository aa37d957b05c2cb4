"""Per-epoch metrics: Keras' logs as plain floats, and the curves as CSV.

No TensorFlow: the logs Keras hands its callbacks are read as numbers.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping, Sequence

from explorer.core.files import atomic_write

__all__ = ["METRIC_ORDER", "metrics_of", "history_csv", "save_history_csv"]

#: Metrics in the order people read them (others follow alphabetically).
METRIC_ORDER = ("loss", "accuracy", "val_loss", "val_accuracy")


def metrics_of(logs) -> dict[str, float]:
    """Keras' `logs` as ``{name: float}``: :data:`METRIC_ORDER` first, other numbers after, by name.

    Parameters
    ----------
    logs : mapping or None
        What Keras passes to a callback's hooks.
    """
    if not logs:
        return {}
    out = {key: float(logs[key]) for key in METRIC_ORDER if key in logs}
    for key in sorted(logs):
        if key not in out and isinstance(logs[key], (int, float)):
            out[key] = float(logs[key])
    return out


def history_csv(history: Mapping[str, Sequence[float]]) -> str:
    """The per-epoch curves as CSV text: ``epoch,loss,accuracy,...``, one row per epoch.

    Columns follow the mapping's order; a curve shorter than the others
    leaves its cells empty. Values are written with full precision.
    """
    keys = [str(key) for key in history]
    columns = [list(history[key]) for key in history]
    rows = max((len(column) for column in columns), default=0)
    lines = [",".join(["epoch", *keys])]
    for index in range(rows):
        cells = [str(index + 1)]
        for column in columns:
            cells.append(repr(float(column[index])) if index < len(column) else "")
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def save_history_csv(path: str | os.PathLike[str], history: Mapping[str, Sequence[float]]) -> pathlib.Path:
    """Write :func:`history_csv` to `path` atomically; returns the absolute path.

    Raises
    ------
    OSError
        If the folder is missing or not writable.
    """
    text = history_csv(history)

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)

    return atomic_write(path, write)
