"""The values the training worker, the training studio and the drawing pad exchange.

Everything here is immutable (frozen dataclasses holding tuples and read-only
arrays), so a snapshot can cross from the worker thread to the UI thread
through a queued signal and never change under the view. No TensorFlow, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

OPTIMIZERS = ("rmsprop", "adam", "sgd", "nadam")
UPDATE_KINDS = ("started", "batch", "epoch", "finished", "stopped", "diverged", "failed")


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


@dataclass(frozen=True)
class LayerActivation:
    """One layer's output for one image."""

    name: str  # the Keras layer name, e.g. "conv2d"
    kind: str  # the Keras class name, e.g. "Conv2D", "MaxPooling2D", "Dense"
    output: np.ndarray  # (H, W, C) for spatial layers, (N,) for flat ones; read-only


@dataclass(frozen=True)
class Prediction:
    """A model's answer for one image, with every layer's view of it."""

    probabilities: np.ndarray  # (num_classes,), read-only
    activations: tuple[LayerActivation, ...]

    @property
    def label(self) -> int:
        return int(np.argmax(self.probabilities))


@dataclass(frozen=True)
class Evaluation:
    """After training: how the model does on the test set."""

    test_loss: float
    test_accuracy: float
    confusion: np.ndarray  # (K, K) counts, rows = true class, read-only
    misclassified: tuple[int, ...]  # test-set indices, most confident mistakes first
    predicted: np.ndarray  # (N_test,) predicted class per test image, read-only


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


@dataclass(frozen=True)
class ModelSnapshot:
    """A model as the drawing pad needs it: how to build it, and its current weights.

    The training studio makes one from the "started" update and each weight
    snapshot, so the drawing pad can classify with the model while it trains
    (on its own copy: the training model is never touched).
    """

    model: str  # a name of MODEL_NAMES or "custom"
    layers: tuple  # LayerSpecs for "custom"
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    weights: tuple[np.ndarray, ...]  # read-only, model.get_weights() order
    source: str  # for people: "training: epoch 2 of 5, batch 300" or "trained: 99.1% test accuracy"
    final: bool = False  # True once training has finished
