"""What the trainer reports: one frozen dataclass per kind of step, :data:`TrainUpdate` their union.

A run reports :class:`RunStarted` (data loaded, model built), then throttled
:class:`BatchDone` updates and one :class:`EpochDone` per epoch
(:class:`Paused` while held), and ends with exactly one of
:class:`Finished`, :class:`Stopped`, :class:`Diverged` or :class:`Failed`
(:data:`RUN_ENDS`). A run refused before it starts (bad data, an impossible
model) reports only :class:`Failed`; one stopped before it began only
:class:`Stopped`. Consumers dispatch on the type (``match`` or
``isinstance``); every update during training is a :class:`Progress`.

Immutable (frozen, holding tuples, mappings nobody changes and read-only
arrays), so an update can cross from the worker thread to the UI thread
through a queued signal and never change under the view. No TensorFlow, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from explorer.core.predict.prediction import Prediction
from explorer.core.train.evaluation import Evaluation

__all__ = [
    "TrainUpdate", "RUN_ENDS", "RunStarted", "Progress", "BatchDone", "Paused", "EpochDone", "Finished", "Stopped",
    "Diverged", "Failed",
]


@dataclass(frozen=True, kw_only=True)
class RunStarted:
    """The data is loaded and the model built: what the UI needs to show the data and the classes."""

    epochs: int
    batches: int  # batches per epoch
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    test_images: np.ndarray  # (N, H, W, C) float32 in [0, 1], read-only
    test_labels: np.ndarray  # (N,) int, read-only
    message: str = ""  # for people: the model, the data and how it is split


@dataclass(frozen=True, kw_only=True)
class Progress:
    """Where a run is: the fields every update during and after training shares."""

    epoch: int = 0  # 1-based; 0 before the first epoch
    epochs: int = 0
    batch: int = 0  # 1-based within the epoch, the last one trained
    batches: int = 0  # batches per epoch
    metrics: Mapping[str, float] = field(default_factory=dict)  # loss, accuracy (, val_*, test_*)
    history: Mapping[str, tuple[float, ...]] = field(default_factory=dict)  # per-epoch curves so far


@dataclass(frozen=True, kw_only=True)
class BatchDone(Progress):
    """A batch was trained (throttled: a few a second, and the first batch of every epoch)."""

    samples_per_s: float = 0.0
    eta_s: float | None = None  # None until there is a pace to go by
    weights: tuple[np.ndarray, ...] | None = None  # read-only (model.get_weights order), now and then
    probe: Prediction | None = None  # the probe image through the current weights, now and then


@dataclass(frozen=True, kw_only=True)
class Paused(Progress):
    """Training is held after the current batch.

    The first one of a pause carries the weights and the probe; while the
    pause lasts, each new probe image is answered by another (without weights).
    """

    weights: tuple[np.ndarray, ...] | None = None
    probe: Prediction | None = None


@dataclass(frozen=True, kw_only=True)
class EpochDone(Progress):
    """An epoch ended (after its validation); ``metrics`` and ``history`` include it."""

    samples_per_s: float = 0.0
    eta_s: float | None = None
    weights: tuple[np.ndarray, ...] | None = None
    probe: Prediction | None = None
    message: str = ""  # "" or why its checkpoint could not be written


@dataclass(frozen=True, kw_only=True)
class _Ended(Progress):
    """The fields of a run that ended with a model worth evaluating."""

    samples_per_s: float = 0.0  # the pace of the whole run
    weights: tuple[np.ndarray, ...] | None = None
    probe: Prediction | None = None
    evaluation: Evaluation | None = None  # None: not evaluated (``message`` says why)
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class Finished(_Ended):
    """Every epoch was trained (or early stopping ended the run); then the test set was evaluated."""


@dataclass(frozen=True, kw_only=True)
class Stopped(_Ended):
    """The user stopped the run; evaluated if there is a model and that takes a few seconds at most."""


@dataclass(frozen=True, kw_only=True)
class Diverged(Progress):
    """The loss became NaN or infinite; training stopped and ``message`` says what to change."""

    samples_per_s: float = 0.0
    weights: tuple[np.ndarray, ...] | None = None
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class Failed:
    """The run could not start or go on: bad data, an impossible model, no memory, an error."""

    epochs: int = 0
    message: str = ""


#: Any one report of a run.
TrainUpdate = RunStarted | BatchDone | Paused | EpochDone | Finished | Stopped | Diverged | Failed
#: The updates that end a run: exactly one of these comes last.
RUN_ENDS = (Finished, Stopped, Diverged, Failed)
