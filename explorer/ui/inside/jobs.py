"""The values that travel between the Inside part and its worker: requests, model facts, results.

Frozen dataclasses holding tuples and read-only arrays, so they can cross
from the UI thread to the worker thread and back through queued signals and
never change under a view. No Qt, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Answer", "AttributionMaps", "AttributionRequest", "EmbeddingPoints", "EmbeddingRequest", "ModelFacts",
    "NO_MODEL", "Problem", "Progress", "read_only", "TestData", "TopRequest", "TopResult", "UnitGrid", "UnitsRequest",
]

def read_only(array, dtype=None) -> np.ndarray:
    """`array` itself when it is already read-only (and of `dtype`), else a read-only copy: no test set twice."""
    out = np.asarray(array, dtype=dtype)
    if out.flags.writeable:
        out = out.copy()
        out.setflags(write=False)
    return out


#: What a view says until there is a model.
NO_MODEL = "There is no model yet: train a model in the Training tab or load a .keras file."


@dataclass(frozen=True)
class TestData:
    """Test images to inspect with: the studio's run, or a dataset loaded for a .keras file."""

    images: np.ndarray  # (N, H, W, C) float32 in [0, 1], read-only
    labels: np.ndarray  # (N,) int, read-only
    class_names: tuple[str, ...]
    source: str  # for people: where they came from


@dataclass(frozen=True)
class ModelFacts:
    """What the views need to know about the model the worker holds."""

    generation: int  # bumped for every new architecture or file: results of older ones are dropped
    source: str  # for people: "training: epoch 2 of 5" or "loaded from net.keras"
    input_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    layers: tuple[str, ...]  # every layer whose output can be probed, nested ones included
    spatial: tuple[str, ...]  # those with (H, W, C) maps
    units: tuple[int, ...]  # unit count of each of `layers`
    output_layer: str
    embedding_layer: str  # the default: the last hidden layer

    def unit_count(self, layer: str) -> int:
        """Units (channels or Dense units) of `layer` (0 when unknown)."""
        try:
            return self.units[self.layers.index(layer)]
        except ValueError:
            return 0


@dataclass(frozen=True)
class UnitsRequest:
    """Activation maximisation of `units` of `layer` (the output layer: the classes)."""

    layer: str
    units: tuple[int, ...]
    steps: int
    classes: bool = False  # True: the output classes, named by the class names


@dataclass(frozen=True)
class TopRequest:
    """The test images that excite each unit of `layer` most."""

    layer: str
    data: TestData
    count: int = 9


@dataclass(frozen=True)
class AttributionRequest:
    """Grad-CAM, saliency, SmoothGrad and occlusion of one image for one class (-1: the predicted one)."""

    image: np.ndarray  # (H, W, C) float32 in [0, 1], read-only
    caption: str  # for people: "your drawing" or "test image 12 (a 7)"
    class_index: int = -1
    patch: int = 7
    stride: int = 2
    smooth_samples: int = 20


@dataclass(frozen=True)
class EmbeddingRequest:
    """A 2-D map of `layer`'s activations (and optionally of the raw pixels) for the first `count` test images."""

    layer: str
    algorithm: str  # "pca" or "tsne"
    data: TestData
    count: int = 2000
    compare_raw: bool = True


@dataclass(frozen=True)
class UnitGrid:
    """Synthesised inputs so far (a grid fills in chunk by chunk)."""

    layer: str
    units: tuple[int, ...]  # every unit asked for
    images: np.ndarray  # (done, H, W, C) float32 in [0, 1] for units[:done]
    activations: np.ndarray  # (done,)
    classes: bool
    names: tuple[str, ...]  # a caption per unit asked for


@dataclass(frozen=True)
class TopResult:
    """Every unit's strongest test images (the view shows one unit at a time without asking again)."""

    top: object  # explorer.core.inspect.top_images.TopImages
    data: TestData


@dataclass(frozen=True)
class AttributionMaps:
    image: np.ndarray
    caption: str
    class_index: int
    class_name: str
    probability: float
    grad_cam: np.ndarray | None  # (H, W) in [0, 1]; None without a convolution
    saliency: np.ndarray
    smooth: np.ndarray
    occlusion: np.ndarray
    patch: int
    stride: int
    smooth_samples: int
    note: str  # why a map is missing, else ""


@dataclass(frozen=True)
class EmbeddingPoints:
    layer: str
    algorithm: str
    points: np.ndarray  # (N, 2) float32
    raw_points: np.ndarray | None  # (N, 2) of the raw pixels, or None
    labels: np.ndarray  # (N,) true classes
    predicted: np.ndarray  # (N,) the model's guesses
    data: TestData  # points[i] is data.images[i]


@dataclass(frozen=True)
class Answer:
    """A result (``final`` False: a partial one, more follows) of request `serial` of `kind`."""

    kind: str
    serial: int
    generation: int
    value: object
    source: str  # the model that answered, for people
    final: bool = True
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class Progress:
    kind: str
    serial: int
    fraction: float
    text: str


@dataclass(frozen=True)
class Problem:
    """Request `serial` of `kind` (or "model", "data") could not be answered; `cancelled` if it was stopped."""

    kind: str
    serial: int
    message: str
    cancelled: bool = False
