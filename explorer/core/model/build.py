"""Layer stacks as Keras models: :func:`build_model`.

The stack is checked first (:func:`explorer.core.model.stack.check_stack`), so
a stack that does not fit fails with the course's sentence rather than Keras'
own, and the layers get check_stack's names. TensorFlow is imported lazily,
through :mod:`explorer.core.tf_backend`.
"""

from __future__ import annotations

from explorer.core import arithmetic
from explorer.core.model.presets import stack_for
from explorer.core.model.specs import LayerSpec
from explorer.core.model.stack import check_stack, head_layer

__all__ = ["build_model", "keras_layer"]


def build_model(name: str, input_shape=(28, 28, 1), num_classes: int = 10, layers=()):
    """Build one of :data:`~explorer.core.model.presets.MODEL_NAMES`, or a custom stack, as an uncompiled model.

    Parameters
    ----------
    name : str
        A name of :data:`MODEL_NAMES`, or "custom" to build `layers`.
    input_shape : (height, width, channels)
        The model starts with ``keras.Input(shape=input_shape)``, so it is built.
    num_classes : int
        Units of the softmax head.
    layers : sequence of LayerSpec
        For "custom" only (ignored otherwise), without the head.

    Returns
    -------
    keras.Sequential
        Named `name`, layers named as :func:`check_stack`'s rows.

    Raises
    ------
    ValueError
        Unknown model name; :class:`StackError` if the stack does not fit the input.
    """
    specs = stack_for(name, layers)
    rows = check_stack(specs, input_shape, num_classes)  # clear errors before Keras' own
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    built = [keras_layer(keras, spec, row.name) for spec, row in zip((*specs, head_layer(num_classes)), rows)]
    return keras.Sequential([keras.Input(shape=tuple(int(n) for n in input_shape)), *built], name=name)


def keras_layer(keras, spec: LayerSpec, name: str | None):
    """The Keras layer of one spec (unchecked: :func:`build_model` checks the stack first).

    Parameters
    ----------
    keras : module
        The imported ``keras``.
    spec : LayerSpec
    name : str or None
        The layer's name (None: Keras numbers it).
    """
    layers = keras.layers
    activation = spec.activation or "linear"
    if spec.kind == "conv2d":
        return layers.Conv2D(spec.filters, arithmetic.pair(spec.kernel, "kernel"),
                             strides=arithmetic.pair(spec.stride or 1, "stride"),
                             padding=spec.padding, activation=activation, name=name)
    if spec.kind in ("maxpool", "avgpool"):
        pool_class = layers.MaxPooling2D if spec.kind == "maxpool" else layers.AveragePooling2D
        strides = None if spec.stride is None else arithmetic.pair(spec.stride, "stride")
        return pool_class(arithmetic.pair(spec.pool, "pool"), strides=strides, padding=spec.padding, name=name)
    if spec.kind == "dropout":
        return layers.Dropout(float(spec.rate), name=name)
    if spec.kind == "flatten":
        return layers.Flatten(name=name)
    if spec.kind == "gap":
        return layers.GlobalAveragePooling2D(name=name)
    return layers.Dense(spec.units, activation=activation, name=name)
