"""Layer stacks as plain values: :class:`LayerSpec`, its kinds and options, :class:`StackError`.

A model here is a stack of LayerSpecs followed by the classifier head
``Dense(num_classes, softmax)``. The specs are hashable and picklable, so they
travel in configurations, lesson files and across threads; two consumers turn
them into numbers or networks: :func:`explorer.core.model.stack.check_stack`
(shapes and parameter counts, no TensorFlow) and
:func:`explorer.core.model.build.build_model` (Keras).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from explorer.core import arithmetic

__all__ = ["LAYER_KINDS", "ACTIVATIONS", "PADDINGS", "KERAS_CLASSES", "KERAS_NAMES", "LayerSpec", "StackError",
           "size_text"]

LAYER_KINDS = ("conv2d", "maxpool", "avgpool", "dropout", "flatten", "gap", "dense")
ACTIVATIONS = ("relu", "linear", "sigmoid", "tanh", "elu", "gelu", "swish", "softmax")
PADDINGS = ("valid", "same")

#: The Keras layer class of each kind.
KERAS_CLASSES = {
    "conv2d": "Conv2D",
    "maxpool": "MaxPooling2D",
    "avgpool": "AveragePooling2D",
    "dropout": "Dropout",
    "flatten": "Flatten",
    "gap": "GlobalAveragePooling2D",
    "dense": "Dense",
}
#: The name Keras gives the first layer of each kind in a session ("conv2d", then "conv2d_1", ...).
KERAS_NAMES = {
    "conv2d": "conv2d",
    "maxpool": "max_pooling2d",
    "avgpool": "average_pooling2d",
    "dropout": "dropout",
    "flatten": "flatten",
    "gap": "global_average_pooling2d",
    "dense": "dense",
}
_TIMES = "\u00d7"


def size_text(value) -> str:
    """A window size for people: 3 or (3, 3) -> "3×3" (ValueError if it is not a size)."""
    h, w = arithmetic.pair(value, "size")
    return f"{h}{_TIMES}{w}"



class StackError(ValueError):
    """A layer stack that cannot be built, with the layer at fault.

    Attributes
    ----------
    index : int or None
        0-based position in the stack; ``len(specs)`` means the automatic
        classifier head; None for problems with the input shape or the number
        of classes. The message counts layers from 1, as people do.
    """

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack, as plain values (hashable, picklable, thread-safe).

    Only the fields of the layer's kind matter; the others keep their defaults.

    Attributes
    ----------
    kind : str
        One of :data:`LAYER_KINDS`: "conv2d", "maxpool", "avgpool",
        "dropout", "flatten", "gap" (GlobalAveragePooling2D) or "dense".
    filters : int
        Conv2D: number of kernels (output channels).
    kernel : int or (int, int)
        Conv2D: kernel height and width.
    stride : int, (int, int) or None
        Conv2D and pooling; None means 1 for Conv2D and the pool size for
        pooling (Keras' defaults).
    padding : str
        Conv2D and pooling: "valid" or "same".
    activation : str
        Conv2D and Dense: one of :data:`ACTIVATIONS` ("linear" = none).
    pool : int or (int, int)
        Pooling window.
    rate : float
        Dropout: fraction of inputs dropped while training, 0 <= rate < 1.
    units : int
        Dense: number of outputs.
    """

    kind: str
    filters: int = 32
    kernel: int | tuple[int, int] = 3
    stride: int | tuple[int, int] | None = None
    padding: str = "valid"
    activation: str = "relu"
    pool: int | tuple[int, int] = 2
    rate: float = 0.5
    units: int = 64

    @property
    def keras_class(self) -> str:
        """The Keras layer class name, e.g. "MaxPooling2D" ("?" for an unknown kind)."""
        return KERAS_CLASSES.get(self.kind, "?")

    @property
    def label(self) -> str:
        """A short description for people, e.g. "Conv2D 3×3" or "Dense 64"."""
        try:
            if self.kind == "conv2d":
                return f"Conv2D {size_text(self.kernel)}"
            if self.kind in ("maxpool", "avgpool"):
                return f"{self.keras_class} {size_text(self.pool)}"
        except ValueError:
            pass
        if self.kind == "dense":
            return f"Dense {self.units}"
        if self.kind == "dropout":
            return f"Dropout {self.rate}"
        return self.keras_class if self.kind in KERAS_CLASSES else repr(self.kind)

    def to_dict(self) -> dict:
        """Plain values (tuples as lists) for JSON files."""
        out = asdict(self)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in out.items()}

    @classmethod
    def from_dict(cls, data) -> LayerSpec:
        """The inverse of :meth:`to_dict`; unknown keys raise ValueError."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown layer field(s): {', '.join(sorted(map(str, unknown)))}")
        if "kind" not in data:
            raise ValueError("a layer needs a 'kind'")
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})
