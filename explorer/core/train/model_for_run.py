"""The model a run trains: a named or custom stack from scratch, or a transfer-learned one.

:func:`build_run_model` is what the trainer calls inside its strategy's
scope. Without ``config.base`` it is :func:`explorer.core.model.build.build_model`;
with one, the base is loaded and cut, a new head added and layers frozen by
:mod:`explorer.core.model.transfer`. Keras is passed in (imported lazily by
the caller).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from explorer.core.train.config import TrainConfig

__all__ = ["RunModel", "build_run_model", "base_label", "describe_plan"]


@dataclass(frozen=True)
class RunModel:
    """A run's model and what the trainer needs to know about it.

    Attributes
    ----------
    model : keras.Model
        Built, uncompiled; for a warm-up every kept layer is frozen.
    label : str
        For people: "mnist-convnet", or "transfer from base.keras (up to flatten, ...)".
    architecture : str
        The model's Keras JSON for snapshots ("" for a named or custom stack,
        which the snapshot's name and layers rebuild).
    plan : TransferPlan or None
        The transfer plan (None from scratch).
    """

    model: object
    label: str
    architecture: str = ""
    plan: object = None

    def unfreeze(self, config: TrainConfig) -> None:
        """After the warm-up: only ``config.frozen_layers`` stay frozen (recompile afterwards)."""
        from explorer.core.model.transfer import set_frozen

        if self.plan is not None:
            set_frozen(self.model, self.plan, config.frozen_layers)


def base_label(source: str) -> str:
    """A base for people: a file's name, or the application's ("MobileNetV2 (ImageNet)")."""
    if source.startswith("keras:"):
        return f"{source[len('keras:'):]} (ImageNet)"
    return os.path.basename(source) or source


def build_run_model(keras, config: TrainConfig, data) -> RunModel:
    """Build the model `config` asks for, for `data`'s images and classes.

    Parameters
    ----------
    keras : module
        The imported ``keras``.
    config : TrainConfig
    data : Dataset
        Its ``input_shape`` and ``num_classes`` size the model.

    Raises
    ------
    ValueError
        With one sentence: a stack that does not fit, an unreadable base, an
        unknown layer, a head that does not fit, a base whose input does not
        match the data (:class:`~explorer.core.model.transfer.TransferError`).
    """
    input_shape = tuple(int(n) for n in data.input_shape)
    num_classes = int(data.num_classes)
    if not config.base:
        from explorer.core.model.build import build_model

        try:
            model = build_model(config.model, input_shape=input_shape, num_classes=num_classes, layers=config.layers)
        except ValueError as exc:
            raise ValueError(f"cannot build the model {config.model!r}: {exc}") from None
        return RunModel(model, config.model)
    from explorer.core.model import transfer

    base = transfer.load_base(config.base, input_shape=input_shape)
    plan = transfer.plan(base, keep_up_to=config.keep_up_to, head=config.head, num_classes=num_classes,
                         frozen_layers=config.frozen_layers, input_shape=input_shape,
                         reinitialise=config.reinitialise)
    model = transfer.build(base, plan)
    if config.warmup_epochs:
        transfer.set_frozen(model, plan, plan.kept_names)
    del base  # the copies hold what training needs
    return RunModel(model, describe_plan(config, plan), model.to_json(), plan)


def describe_plan(config: TrainConfig, plan) -> str:
    """One phrase for the run's start: the base, the cut, what trains."""
    kept = plan.kept_names
    if config.reinitialise:
        how = "reinitialised, every layer trains"
    elif len(plan.frozen_layers) == len(kept):
        how = "every kept layer frozen"
    elif plan.frozen_layers:
        how = f"{len(plan.frozen_layers)} of {len(kept)} kept layers frozen"
    else:
        how = "every layer trains"
    if config.warmup_epochs:
        how += f", after {config.warmup_epochs} warm-up epoch{'s' if config.warmup_epochs != 1 else ''} of the head alone"
    return (f"transfer from {base_label(config.base)} (layers up to {plan.keep_up_to}, {how}; "
            f"{plan.trainable_params:,} trainable, {plan.non_trainable_params:,} non-trainable parameters)")
