"""What one training run needs: :class:`TrainConfig` (with :class:`Augmentation`), and its check.

Plain frozen values: a configuration is remembered in the preferences, saved
in lesson files and handed to the worker thread unchanged. No TensorFlow, no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real

from explorer.core.train.distribute import check_devices

__all__ = ["OPTIMIZERS", "Augmentation", "TrainConfig", "check_config"]

OPTIMIZERS = ("rmsprop", "adam", "sgd", "nadam")


@dataclass(frozen=True)
class Augmentation:
    """Random data augmentation with Keras preprocessing layers (0 = off)."""

    rotation: float = 0.0  # fraction of a full turn, as keras.layers.RandomRotation
    translation: float = 0.0  # fraction of height/width, as RandomTranslation
    zoom: float = 0.0  # fraction, as RandomZoom

    @property
    def enabled(self) -> bool:
        return bool(self.rotation or self.translation or self.zoom)


@dataclass(frozen=True)
class TrainConfig:
    """Everything needed to start one training run."""

    model: str = "mnist-convnet"  # a name of explorer.core.model.presets.MODEL_NAMES, or "custom"
    layers: tuple = ()  # for model="custom": a tuple of explorer.core.model.specs.LayerSpec
    dataset: str = "mnist"  # a name of explorer.core.train.datasets.DATASET_NAMES
    data_dir: str | None = None  # local folder with MNIST-style IDX files, or the image folder
    optimizer: str = "rmsprop"
    learning_rate: float | None = None  # None: the optimizer's Keras default
    batch_size: int = 64
    epochs: int = 5
    validation_split: float = 0.1
    patience: int = 0  # early stopping on val_loss; 0 = off
    augmentation: Augmentation = field(default_factory=Augmentation)
    limit: int | None = None  # use only the first N training samples (tests, quick demos)
    seed: int = 0
    devices: int | str = 1  # 1, N > 1 or "all": see explorer.core.train.distribute (the batch size is global)
    # Transfer learning (explorer.core.model.transfer): start from a trained model instead of `model`.
    base: str = ""  # "" = train `model` from scratch; else a .keras file, or "keras:MobileNetV2"
    keep_up_to: str = ""  # the last kept layer of the base; "" = the convolutional base
    head: tuple = ()  # LayerSpecs between the kept layers and the new softmax Dense (always appended)
    frozen_layers: tuple[str, ...] = ()  # kept layers whose weights do not train
    warmup_epochs: int = 0  # first epochs train the new layers only, then frozen_layers at learning rate x 0.1
    reinitialise: bool = False  # the same network with fresh weights, all trainable ("from scratch")
    # Subsets of the dataset (explorer.core.train.subsets), with or without a base.
    classes: tuple[int, ...] = ()  # keep only these classes, relabelled 0..k-1 in this order; () = all
    per_class: int | None = None  # at most N training images per class


def check_config(config: TrainConfig) -> None:
    """Refuse a configuration that cannot train, before any data is loaded.

    Raises
    ------
    ValueError
        If `config` is not a TrainConfig or a field is out of range (the message names it).
    """
    def whole(value, name, low):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")

    if not isinstance(config, TrainConfig):
        raise ValueError(f"expected a TrainConfig, got {type(config).__name__}")
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {config.optimizer!r}: use one of {', '.join(OPTIMIZERS)}")
    whole(config.epochs, "epochs", 1)
    whole(config.batch_size, "batch size", 1)
    whole(config.patience, "patience", 0)
    if config.limit is not None:
        whole(config.limit, "limit", 1)
    check_devices(config.devices)
    _check_transfer(config, whole)
    rate = config.learning_rate
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, Real) or not math.isfinite(rate)
                             or rate <= 0):
        raise ValueError(f"the learning rate must be a number > 0, got {rate!r}")
    split = config.validation_split
    if isinstance(split, bool) or not isinstance(split, Real) or not 0 <= split < 1:
        raise ValueError(f"the validation split must be a fraction, 0 <= split < 1, got {split!r}")
    aug = config.augmentation
    for name, value in (("rotation", aug.rotation), ("translation", aug.translation), ("zoom", aug.zoom)):
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
            raise ValueError(f"augmentation {name} must be a fraction, 0 <= {name} < 1, got {value!r}")


def _check_transfer(config: TrainConfig, whole) -> None:
    """The transfer-learning and subset fields (their values only: layers are checked against the base)."""
    from explorer.core.model.specs import LayerSpec

    if not isinstance(config.base, str):
        raise ValueError(f"the base must be a file path or 'keras:<application>', got {config.base!r}")
    if not isinstance(config.keep_up_to, str):
        raise ValueError(f"the last kept layer must be a layer name, got {config.keep_up_to!r}")
    if not all(isinstance(spec, LayerSpec) for spec in config.head):
        raise ValueError("the new head must be a sequence of layers (LayerSpec)")
    if not all(isinstance(name, str) for name in config.frozen_layers):
        raise ValueError("the frozen layers must be layer names")
    whole(config.warmup_epochs, "warm-up epochs", 0)
    if not config.base and (config.keep_up_to or config.head or config.frozen_layers or config.warmup_epochs
                            or config.reinitialise):
        raise ValueError("the last kept layer, the new head, frozen layers, warm-up epochs and reinitialising "
                         "need a base model to start from")
    if config.warmup_epochs and config.warmup_epochs >= config.epochs:
        raise ValueError(f"the warm-up ({config.warmup_epochs} epochs) must be shorter than the run "
                         f"({config.epochs} epochs)")
    if config.reinitialise and (config.frozen_layers or config.warmup_epochs):
        raise ValueError("a reinitialised network trains every layer: it has no frozen layers or warm-up")
    for value in config.classes:
        whole(value, "a class index", 0)
    if len(set(config.classes)) != len(config.classes):
        raise ValueError(f"a class is listed twice in {tuple(config.classes)}")
    if config.classes and len(config.classes) < 2:
        raise ValueError("keep at least two classes: a classifier of one class has nothing to learn")
    if config.per_class is not None:
        whole(config.per_class, "images per class", 1)
