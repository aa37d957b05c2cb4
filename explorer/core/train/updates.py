"""What the training worker reports: :class:`TrainUpdate`, one per step of a run.

Immutable (frozen dataclasses holding tuples and read-only arrays), so an
update can cross from the worker thread to the UI thread through a queued
signal and never change under the view. No TensorFlow, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from explorer.core.predict.prediction import Prediction
from explorer.core.train.evaluation import Evaluation

UPDATE_KINDS = ("started", "batch", "epoch", "finished", "stopped", "diverged", "failed")


@dataclass(frozen=True)
class TrainUpdate:
    """One report from the training worker.

    kind is one of UPDATE_KINDS: "started" (model built, data loaded),
    "batch" (throttled, a few per second), "epoch" (after validation),
    "finished", "stopped" (by the user), "diverged" (NaN/inf loss; message
    says so) or "failed" (an error; message says what).
    """

    kind: str
    epoch: int = 0  # 1-based; 0 before the first epoch
    epochs: int = 0
    batch: int = 0  # 1-based within the epoch
    batches: int = 0  # batches per epoch
    metrics: Mapping[str, float] = field(default_factory=dict)  # loss, accuracy, val_loss, val_accuracy
    samples_per_s: float = 0.0
    eta_s: float | None = None
    history: Mapping[str, tuple[float, ...]] = field(default_factory=dict)  # per-epoch curves so far
    weights: tuple[np.ndarray, ...] | None = None  # read-only snapshot (model.get_weights order)
    probe: Prediction | None = None  # the probe image through the current weights
    evaluation: Evaluation | None = None  # with kind "finished" (and "stopped" if evaluated)
    message: str = ""
    # Sent once, with kind "started": what the UI needs to show the data and the classes.
    input_shape: tuple[int, ...] = ()
    class_names: tuple[str, ...] = ()
    test_images: np.ndarray | None = None  # (N, H, W, C) float32 in [0, 1], read-only
    test_labels: np.ndarray | None = None  # (N,) int, read-only
