"""Which layers of a model can be probed, and one flat model that returns their outputs.

``keras.Model(model.inputs, inner_layer.output)`` fails with "Graph disconnected"
when the layer sits inside a nested model (``Sequential([base, Dense])``): the
inner layer's output belongs to the base's own graph. :func:`probe` therefore
calls every layer again on one new ``keras.Input``, stepping *into* nested
Sequential and Functional models instead of calling them whole, and records
each layer's output, input and the layer that fed it. The result is one flat
graph that shares the original layers (and their weights), so a model built on
it sees weight updates at once.

Functional graphs are walked with Keras' own executor (``_run_through_graph``
with a ``call_fn``): it is the one place that knows the node order and each
node's arguments, and re-implementing it would copy Keras internals anyway.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from explorer.core.inspect.errors import InspectError

__all__ = ["Probe", "probe", "layer_names", "unit_count", "default_embedding_layer", "output_model",
           "output_layer_name", "score_model", "score_tensor", "check_image", "check_images", "check_layer",
           "pre_activation_tensor"]

#: Layers that are the identity at inference: skipped when looking for "the last hidden layer".
_PASS_THROUGH = ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Activation")

_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Probe:
    """Every probe-able layer of a model, called once more on one new input.

    Attributes
    ----------
    input : KerasTensor
        The new input, shape (None, H, W, C).
    order : tuple of str
        Layer names in call order (nested layers included, the nested models
        themselves after their layers).
    outputs, inputs : dict
        Layer name -> its output / its first input (KerasTensors of this graph).
    parents : dict
        Layer name -> the name of the layer that produced its first input ("" = the model input).
    layers : dict
        Layer name -> the layer object (shared with the model).
    containers : frozenset of str
        Names of the nested models (their output is their last layer's).
    output : str
        The name of the layer that produces the model's output.
    """

    input: object
    order: tuple[str, ...]
    outputs: dict
    inputs: dict
    parents: dict
    layers: dict
    containers: frozenset
    output: str

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(H, W, C) of one input image."""
        return tuple(int(n) for n in self.input.shape[1:])  # type: ignore[return-value]

    def shape(self, name: str) -> tuple[int, ...]:
        """Output shape of one layer without the batch axis."""
        return tuple(int(n) if n is not None else -1 for n in self.outputs[name].shape[1:])


def probe(model) -> Probe:
    """Trace `model` once (cached per model) into a flat :class:`Probe`.

    Raises
    ------
    InspectError
        If the model is not built or does not take one image input.
    """
    with _lock:
        try:
            cached = _cache.get(model)
        except TypeError:
            cached = None
        if cached is not None:
            return cached
        result = _trace_model(model)
        try:
            _cache[model] = result
        except TypeError:
            pass
        return result


def layer_names(model, *, spatial: bool = False) -> tuple[str, ...]:
    """Names of the layers whose output can be probed, nested ones included, in call order.

    Parameters
    ----------
    model : keras.Model
    spatial : bool
        Only layers with (H, W, C) feature maps.
    """
    found = probe(model)
    names = [name for name in found.order if name not in found.containers]
    if spatial:
        names = [name for name in names if len(found.shape(name)) == 3]
    return tuple(names)


def unit_count(model, layer_name: str) -> int:
    """How many units (channels of a map, or Dense values) the layer has."""
    found = probe(model)
    _check_name(found, layer_name)
    shape = found.shape(layer_name)
    if not shape:
        raise InspectError(f"layer {layer_name} outputs a single number, not units")
    return int(shape[-1])


def output_layer_name(model) -> str:
    """The name of the layer that produces the model's output."""
    return probe(model).output


def default_embedding_layer(model) -> str:
    """The last hidden layer: the one feeding the output layer (dropout and activations skipped).

    Raises
    ------
    InspectError
        If the output layer is fed by the input directly.
    """
    found = probe(model)
    name = found.output
    while name and type(found.layers[name]).__name__ in ("Softmax", "Activation"):
        name = found.parents[name]  # a separate softmax: the classifier is the layer before it
    name = found.parents.get(name, "")
    while name and type(found.layers[name]).__name__ in _PASS_THROUGH:
        name = found.parents[name]
    if not name:
        raise InspectError("the model has no hidden layer: its output layer reads the input directly")
    return name


def output_model(model, layer_names: Sequence[str]):
    """A flat model: the input -> those layers' outputs (a list, in the order asked), nested layers too.

    Raises
    ------
    InspectError
        For an unknown name; the message lists the names there are.
    """
    import keras

    found = probe(model)
    names = list(layer_names)
    if not names:
        raise InspectError("no layer asked for")
    for name in names:
        _check_name(found, name)
    return keras.Model(found.input, [found.outputs[name] for name in names])


def score_model(model, layer_name: str):
    """A flat model: the input -> the layer's score before its softmax, if it ends in one.

    For a Dense layer with a softmax activation the score is its linear part
    (x·W + b), for a Softmax (or Activation("softmax")) layer its input; any
    other layer's score is its output. Gradient methods ascend this score, as
    in Simonyan et al. 2014: the probability can also grow by lowering the
    other classes.

    Returns
    -------
    keras.Model
        One output, (None, ...) like the layer's output.
    """
    import keras

    return keras.Model(probe(model).input, score_tensor(model, layer_name))


def score_tensor(model, layer_name: str):
    """The symbolic tensor of :func:`score_model`, in the graph of ``probe(model)``."""
    import keras

    found = probe(model)
    _check_name(found, layer_name)
    layer = found.layers[layer_name]
    softmax = _is_softmax(getattr(layer, "activation", None))
    if isinstance(layer, keras.layers.Dense) and softmax:
        return _linear_part(keras, layer)(found.inputs[layer_name])
    if isinstance(layer, keras.layers.Softmax) or (isinstance(layer, keras.layers.Activation) and softmax):
        return found.inputs[layer_name]
    return found.outputs[layer_name]


def pre_activation_tensor(model, layer_name: str):
    """The linear part (before the activation) of a Dense or Conv2D layer with a non-linear activation.

    Activation maximisation also climbs it a little: a ReLU unit that is zero
    everywhere at the start has no gradient of its own.

    Returns
    -------
    KerasTensor or None
        None for other layers, a linear activation, or a softmax (:func:`score_tensor` covers that).
    """
    import keras

    found = probe(model)
    _check_name(found, layer_name)
    layer = found.layers[layer_name]
    activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
    if activation in ("linear", "softmax"):
        return None
    if type(layer) is keras.layers.Dense or (type(layer) is keras.layers.Conv2D and layer.groups == 1):
        return _linear_part(keras, layer)(found.inputs[layer_name])
    return None


def check_image(model, image):
    """`image` as a float32 (H, W, C) array of the model's input shape ((H, W) too for one channel).

    Raises
    ------
    InspectError
        Wrong shape, or NaN/infinite pixels.
    """
    import numpy as np

    shape = probe(model).input_shape
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 2 and shape[2] == 1:
        array = array[:, :, None]
    if array.shape != shape:
        raise InspectError(f"this model takes images of shape {_shape_text(shape)}, got {_shape_text(array.shape)}")
    if not np.isfinite(array).all():
        raise InspectError("the image contains NaN or infinite values")
    return array


def check_images(model, images):
    """`images` as a float32 (N, H, W, C) batch of the model's input shape (N >= 1).

    Raises
    ------
    InspectError
        Wrong shape, no images, or NaN/infinite pixels.
    """
    import numpy as np

    shape = probe(model).input_shape
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[1:] != shape:
        raise InspectError(f"this model takes images of shape (N, {_shape_text(shape)[1:-1]}), "
                           f"got {_shape_text(array.shape)}")
    if len(array) == 0:
        raise InspectError("there are no images")
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all():
        raise InspectError("the images contain NaN or infinite values")
    return array


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(int(n)) for n in shape) + ")"


def check_layer(model, layer_name: str) -> None:
    """Raise :class:`InspectError` (listing the names there are) unless the model has `layer_name`."""
    _check_name(probe(model), layer_name)


# ------------------------------------------------------------------ internals
def _is_softmax(function) -> bool:
    return getattr(function, "__name__", "") == "softmax"


def _check_name(found: Probe, name: str) -> None:
    if name not in found.outputs:
        names = [n for n in found.order if n not in found.containers]
        shown = ", ".join(names[:30]) + (", ..." if len(names) > 30 else "")
        raise InspectError(f"unknown layer {name!r}: the model has {shown}")


def _trace_model(model) -> Probe:
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    inputs = getattr(model, "inputs", None) if getattr(model, "built", False) else None
    if not inputs or len(inputs) != 1 or len(inputs[0].shape) != 4 or None in tuple(inputs[0].shape)[1:]:
        raise InspectError("the model must be built with one image input of shape (height, width, channels)")
    start = keras.Input(shape=tuple(int(n) for n in inputs[0].shape[1:]), dtype=inputs[0].dtype)
    record = _Record()
    record.producer[id(start)] = ""
    final = _trace(keras, model, start, record)
    output = record.producer.get(id(keras.tree.flatten(final)[0]), "")
    if not output:
        raise InspectError("the model's output does not come from any layer")
    return Probe(input=start, order=tuple(record.outputs), outputs=record.outputs, inputs=record.inputs,
                 parents=record.parents, layers=record.layers, containers=frozenset(record.containers),
                 output=output)


class _Record:
    def __init__(self):
        self.outputs: dict = {}
        self.inputs: dict = {}
        self.parents: dict = {}
        self.layers: dict = {}
        self.containers: set = set()
        self.producer: dict = {}
        # Every tensor of the trace stays alive until it ends: `producer` is keyed by id(), and a
        # freed tensor's id could come back for a new one and name the wrong producer.
        self.alive: list = []


def _trace(keras, model, x, record: _Record):
    """Call `model`'s layers on `x`, entering nested models; return its output."""
    if isinstance(model, keras.Sequential):
        for layer in model.layers:
            x = _call(keras, layer, (x,), {}, record)
        return x
    return model._run_through_graph(
        x, call_fn=lambda op, *args, **kwargs: _call(keras, op, args, kwargs, record)
    )


def _call(keras, layer, args, kwargs, record: _Record):
    first = keras.tree.flatten((args, kwargs))[0]
    nested = isinstance(layer, keras.Sequential) or (
        isinstance(layer, keras.Model) and hasattr(layer, "_run_through_graph") and len(layer.inputs) == 1
    )
    out = _trace(keras, layer, first, record) if nested else layer(*args, **kwargs)
    name = layer.name
    if name not in record.outputs:  # a layer used twice: its first use is the one probed
        record.outputs[name] = keras.tree.flatten(out)[0]
        record.inputs[name] = first
        record.parents[name] = record.producer.get(id(first), "")
        record.layers[name] = layer
        if nested:
            record.containers.add(name)
    for tensor in keras.tree.flatten(out):
        record.alive.append(tensor)
        record.producer.setdefault(id(tensor), name)
    return out


def _linear_part(keras, dense):
    """A layer computing x·W + b (Dense) or conv(x, W) + b with the layer's own variables (no copy)."""

    class LinearPart(keras.layers.Layer):
        def __init__(self, source):
            super().__init__(name=f"{source.name}_score")
            self.source = source

        def call(self, x):
            source = self.source
            if isinstance(source, keras.layers.Dense):
                y = keras.ops.matmul(x, source.kernel)
            else:
                y = keras.ops.conv(x, source.kernel, strides=source.strides, padding=source.padding,
                                   data_format=source.data_format, dilation_rate=source.dilation_rate)
            return y + source.bias if source.use_bias else y

        def compute_output_shape(self, shape):
            return self.source.compute_output_shape(shape)

    return LinearPart(dense)
