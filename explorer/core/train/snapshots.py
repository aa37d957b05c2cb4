"""Read-only copies of a training model's weights, and :class:`ModelSnapshot`s made from them.

Copies, because the training thread goes on changing the model's own arrays;
read-only, so that every thread may share one copy without locks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.train.config import TrainConfig

__all__ = ["weights_snapshot", "make_snapshot", "with_architecture"]


def weights_snapshot(model) -> tuple[np.ndarray, ...]:
    """``model.get_weights()`` as read-only copies.

    Parameters
    ----------
    model : keras.Model
    """
    out = []
    for weight in model.get_weights():
        copy = np.array(weight, copy=True)
        copy.setflags(write=False)
        out.append(copy)
    return tuple(out)


def make_snapshot(config: TrainConfig, started, weights, source: str, final: bool = False,
                  architecture: str = "") -> ModelSnapshot:
    """A :class:`ModelSnapshot` for the drawing pad from a run's config, its start and weights.

    Parameters
    ----------
    config : TrainConfig
        The run's configuration (model name and custom layers).
    started : RunStarted
        The run's first update (input shape and class names).
    weights : sequence of ndarray
        ``model.get_weights()`` order, e.g. an update's ``weights``; arrays
        that are not read-only are copied.
    source : str
        For people, e.g. "training: epoch 2 of 5, batch 300".
    final : bool
        True once training has finished.
    architecture : str
        The model's Keras JSON, for models that the config's name and layers
        do not describe (transfer learning); "" otherwise.
    """
    frozen = []
    for weight in weights:
        if isinstance(weight, np.ndarray) and not weight.flags.writeable:
            frozen.append(weight)
        else:
            copy = np.array(weight, copy=True)
            copy.setflags(write=False)
            frozen.append(copy)
    return ModelSnapshot(
        model=config.model, layers=tuple(config.layers), input_shape=tuple(started.input_shape),
        class_names=tuple(started.class_names), weights=tuple(frozen), source=source, final=final,
        architecture=architecture,
    )


def with_architecture(snapshots: Callable[[ModelSnapshot], None] | None,
                      architecture: str) -> Callable[[ModelSnapshot], None] | None:
    """`snapshots`, handed each snapshot with `architecture` filled in (unchanged when "" or None).

    The trainer wraps its snapshot receiver so that every snapshot of a
    transfer run, however it was made, says how to build the model.
    """
    if snapshots is None or not architecture:
        return snapshots

    def forward(snapshot: ModelSnapshot) -> None:
        snapshots(dataclasses.replace(snapshot, architecture=architecture))

    return forward
