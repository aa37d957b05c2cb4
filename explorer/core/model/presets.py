"""The course notes' convnets as layer stacks, and which stack a model name means.

Each named model is a tuple of :class:`~explorer.core.model.specs.LayerSpec`
without the classifier head (appended by :func:`explorer.core.model.stack.check_stack`
and :func:`explorer.core.model.build.build_model`); "custom" means the stack
a configuration carries.
"""

from __future__ import annotations

from explorer.core.model.specs import LayerSpec

__all__ = ["MODEL_NAMES", "CUSTOM", "NATIVE_INPUT_SHAPES", "preset_layers", "stack_for"]

MODEL_NAMES = ("mnist-convnet", "lenet5", "fashion-cnn", "cifar-small", "cifar-small-pooling")
CUSTOM = "custom"

#: The input each model was written for in the course notes (build_model's
#: default stays 28×28×1 for all; the CLI uses these).
NATIVE_INPUT_SHAPES = {
    "mnist-convnet": (28, 28, 1),
    "lenet5": (28, 28, 1),
    "fashion-cnn": (28, 28, 1),
    "cifar-small": (32, 32, 3),
    "cifar-small-pooling": (32, 32, 3),
}


def _conv(filters, kernel=3, padding="valid"):
    return LayerSpec("conv2d", filters=filters, kernel=kernel, padding=padding)


_MAXPOOL = LayerSpec("maxpool", pool=2)
_FLATTEN = LayerSpec("flatten")


def _cifar_small(pooling: bool) -> tuple[LayerSpec, ...]:
    # Seed 002: kernel 2, "same" padding, optional 2×2 max pooling after each conv.
    out: list[LayerSpec] = []
    for filters in (16, 32, 64):
        out.append(_conv(filters, 2, "same"))
        if pooling:
            out.append(_MAXPOOL)
    return (*out, _FLATTEN, LayerSpec("dense", units=500))


_PRESETS: dict[str, tuple[LayerSpec, ...]] = {
    # Seeds 000/001 (Deep Learning with Python, 5.1).
    "mnist-convnet": (
        _conv(32), _MAXPOOL, _conv(64), _MAXPOOL, _conv(64), _FLATTEN, LayerSpec("dense", units=64),
    ),
    # Seed 003's LeNet-5 variant (3×3 kernels, no padding, max pooling).
    "lenet5": (
        _conv(6), _MAXPOOL, _conv(16), _MAXPOOL, _FLATTEN,
        LayerSpec("dense", units=120), LayerSpec("dense", units=84),
    ),
    # Seed 004 (Hands-On ML, chapter 14's Fashion-MNIST CNN).
    "fashion-cnn": (
        _conv(64, 7, "same"), _MAXPOOL,
        _conv(128, 3, "same"), _conv(128, 3, "same"), _MAXPOOL,
        _conv(256, 3, "same"), _conv(256, 3, "same"), _MAXPOOL,
        _FLATTEN,
        LayerSpec("dense", units=128), LayerSpec("dropout", rate=0.5),
        LayerSpec("dense", units=64), LayerSpec("dropout", rate=0.5),
    ),
    "cifar-small": _cifar_small(pooling=False),
    "cifar-small-pooling": _cifar_small(pooling=True),
}


def preset_layers(name: str) -> tuple[LayerSpec, ...]:
    """The layers of a named model, without the classifier head.

    ``build_model("custom", layers=preset_layers(name))`` builds the same
    network as ``build_model(name)``: a starting point for the layer editor.

    Raises
    ------
    ValueError
        If `name` is not in :data:`MODEL_NAMES`.
    """
    try:
        return _PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}: use one of {', '.join(MODEL_NAMES)} or {CUSTOM!r}") from None



def stack_for(name: str, layers=()) -> tuple[LayerSpec, ...]:
    """The layers `name` stands for: `layers` for "custom", else the preset's (`layers` ignored).

    Ignoring `layers` for the named models means a stale custom stack left in
    a configuration cannot change a preset.

    Raises
    ------
    ValueError
        If `name` is neither "custom" nor in :data:`MODEL_NAMES`.
    """
    return tuple(layers) if name == CUSTOM else preset_layers(name)
