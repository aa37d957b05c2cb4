"""Fast single-image prediction with every layer's activations (+ saliency, Grad-CAM).

``model.predict`` costs about 44 ms for one 28×28 image and an eager call
3.3 ms; one compiled :func:`tf.function` with a fixed input signature returns
the probabilities *and* every layer's output in well under a millisecond, so
the drawing pad can classify at every stroke. :class:`Predictor` builds that
function once per model.

A Predictor runs the model it was given. The drawing pad gives it its own copy
(:meth:`Predictor.from_snapshot`, then :meth:`Predictor.set_weights` for each
new weight snapshot), so it never touches the model that is training; the
training worker itself uses one on the training model, between batches, for the
probe image.

TensorFlow is imported lazily (through :mod:`explorer.core.tf_backend`).
"""

from __future__ import annotations

import threading

import numpy as np

from explorer.core.arrays import frozen_array
from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.predict.prediction import LayerActivation, Prediction

__all__ = ["Predictor", "SUM_TOLERANCE"]

#: How far from 1 the outputs of a class distribution may sum.
SUM_TOLERANCE = 1e-3


def _is_softmax(function) -> bool:
    return getattr(function, "__name__", "") == "softmax"


class Predictor:
    """One image in, class probabilities and every layer's output out, compiled.

    Parameters
    ----------
    model : keras.Model
        A built image model with one input of shape (None, H, W, C): a
        ``keras.Sequential`` from :func:`explorer.core.model.build.build_model` or a
        model loaded from a ``.keras`` file. The Predictor uses it (and its
        variables) directly: :meth:`set_weights` changes `model`.

    Raises
    ------
    ValueError
        If the model is not built or does not take one image of fixed size.

    Notes
    -----
    Construction traces the compiled function and runs it twice (a black and a
    mid-grey image) to check the output: :attr:`output_is_distribution` is
    False, with the reason in :attr:`output_problem`, if the last layer is not
    a softmax, its output is not a vector, or the outputs do not sum to 1
    within :data:`SUM_TOLERANCE`. :meth:`predict` still works then (its
    ``probabilities`` are the raw outputs); the drawing pad shows "this model's
    output is not a class distribution".

    All methods are thread-safe (one lock); construction takes a few hundred
    milliseconds (tracing), :meth:`predict` then well under 2 ms for the
    course's convnets.
    """

    def __init__(self, model):
        from explorer.core import tf_backend

        tf = tf_backend.load()
        import keras

        if not getattr(model, "built", False) or not getattr(model, "inputs", None):
            raise ValueError("the model is not built: it must start with keras.Input(shape=(height, width, channels))")
        if len(model.inputs) != 1:
            raise ValueError(f"the model has {len(model.inputs)} inputs; Feature Map Explorer needs one image input")
        shape = tuple(model.inputs[0].shape)
        if len(shape) != 4 or any(n is None for n in shape[1:]):
            raise ValueError(
                f"the model's input has shape {_shape_text(shape)}; Feature Map Explorer needs an image "
                "input of shape (height, width, channels)"
            )
        self._tf = tf
        self._keras = keras
        self._model = model
        self._lock = threading.Lock()
        self._input_shape = tuple(int(n) for n in shape[1:])
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        if not layers:
            raise ValueError("the model has no layers")
        self._sequential = isinstance(model, keras.Sequential)
        if not self._sequential:
            # A graph model: one multi-output view of it, sharing its variables.
            kept = []
            for layer in layers:
                try:
                    layer.output  # noqa: B018  (raises for layers used more than once)
                except (AttributeError, ValueError):
                    continue
                kept.append(layer)
            if layers[-1] not in kept:
                raise ValueError("the model's last layer is used more than once; cannot show its output")
            layers = kept
            self._graph = keras.Model(model.inputs[0], [layer.output for layer in layers])
        self._layers = tuple(layers)
        self._names = tuple(layer.name for layer in layers)
        self._kinds = tuple(type(layer).__name__ for layer in layers)
        self._conv_index = max(
            (i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Conv2D)), default=None
        )
        self._score_source = self._find_score_source()

        spec = tf.TensorSpec((1, *self._input_shape), tf.float32)
        self._forward_fn = tf.function(self._forward, input_signature=[spec], reduce_retracing=True)
        self._saliency_fn = None
        self._grad_cam_fn = None
        self._grad_spec = (spec, tf.TensorSpec((), tf.int32))
        self.output_is_distribution, self.output_problem = self._check_output()

    # ------------------------------------------------------------ properties
    @property
    def model(self):
        """The Keras model this Predictor runs."""
        return self._model

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of one image."""
        return self._input_shape  # type: ignore[return-value]

    @property
    def layer_names(self) -> tuple[str, ...]:
        """The names of the layers whose outputs :meth:`predict` returns, in order."""
        return self._names

    @property
    def num_classes(self) -> int:
        """Length of the (flattened) final output."""
        return int(np.prod(self._layers[-1].output.shape[1:]))

    @property
    def has_conv(self) -> bool:
        """True if the model has a Conv2D layer (so :meth:`grad_cam` can answer)."""
        return self._conv_index is not None

    # ----------------------------------------------------------- public API
    @classmethod
    def from_snapshot(cls, snapshot: ModelSnapshot) -> Predictor:
        """Build the snapshot's architecture (a fresh model), load its weights, compile.

        The architecture is the snapshot's Keras JSON when it has one
        (deserialised in safe mode), else its model name and layers.

        Raises
        ------
        ValueError
            Unknown model name, a stack that does not fit, an architecture
            Keras cannot read (or would not in safe mode), or weights that do
            not match the architecture.
        """
        if snapshot.architecture:
            model = _from_json(snapshot.architecture)
        else:
            from explorer.core.model.build import build_model

            model = build_model(
                snapshot.model,
                input_shape=tuple(int(n) for n in snapshot.input_shape),
                num_classes=len(snapshot.class_names),
                layers=tuple(snapshot.layers),
            )
        _assign(model, snapshot.weights)
        return cls(model)

    def set_weights(self, weights) -> None:
        """Load weights (``model.get_weights()`` order, e.g. a snapshot's) into the model.

        Raises
        ------
        ValueError
            If the number or the shapes of the arrays do not match the model.
        """
        with self._lock:
            _assign(self._model, weights)

    def predict(self, image: np.ndarray) -> Prediction:
        """Classify one image and return every layer's output.

        Parameters
        ----------
        image : ndarray
            (H, W, C) float32 in the range the model was trained on ([0, 1] here);
            (H, W) is accepted for one-channel models.

        Returns
        -------
        Prediction
            ``probabilities`` (num_classes,) and one :class:`LayerActivation`
            per layer (batch axis removed), all read-only private arrays.

        Raises
        ------
        ValueError
            Wrong shape, or NaN/infinite pixels.
        """
        batch = self._batch(image)
        with self._lock:
            outputs = self._forward_fn(batch)
        arrays = [frozen_array(out.numpy()[0]) for out in outputs]
        activations = tuple(
            LayerActivation(name=name, kind=kind, output=array)
            for name, kind, array in zip(self._names, self._kinds, arrays)
        )
        probabilities = arrays[-1] if arrays[-1].ndim == 1 else frozen_array(arrays[-1].ravel())
        return Prediction(probabilities=probabilities, activations=activations)

    def saliency(self, image: np.ndarray, class_index: int) -> np.ndarray:
        """Where a small change of the image would change the class score most.

        The gradient of the class score (the pre-softmax score when the model
        ends in a softmax, as in Simonyan et al. 2014; otherwise the output)
        with respect to the input pixels: absolute value, maximum over the
        channels, scaled so that the largest value is 1 (all zeros if the
        gradient is zero everywhere).

        Returns
        -------
        ndarray
            (H, W) float32 in [0, 1], read-only.
        """
        batch = self._batch(image)
        index = self._class(class_index)
        with self._lock:
            if self._saliency_fn is None:
                self._saliency_fn = self._tf.function(
                    self._saliency, input_signature=list(self._grad_spec), reduce_retracing=True
                )
            result = self._saliency_fn(batch, index)
        return frozen_array(result.numpy())

    def grad_cam(self, image: np.ndarray, class_index: int) -> np.ndarray | None:
        """Grad-CAM (Selvaraju et al. 2017) at the last Conv2D layer, resized to the image.

        The last convolution's maps are weighted by the mean gradient of the
        class score over each map, summed, passed through ReLU, resized
        bilinearly to (H, W) and scaled to [0, 1].

        Returns
        -------
        ndarray or None
            (H, W) float32 in [0, 1], read-only; None if the model has no
            Conv2D layer.
        """
        if self._conv_index is None:
            return None
        batch = self._batch(image)
        index = self._class(class_index)
        with self._lock:
            if self._grad_cam_fn is None:
                self._grad_cam_fn = self._tf.function(
                    self._grad_cam, input_signature=list(self._grad_spec), reduce_retracing=True
                )
            result = self._grad_cam_fn(batch, index)
        return frozen_array(result.numpy())

    # ------------------------------------------------------------ internals
    def _forward(self, x):
        if self._sequential:
            outputs = []
            for layer in self._layers:
                x = layer(x, training=False)
                outputs.append(x)
            return tuple(outputs)
        outputs = self._graph(x, training=False)
        return tuple(outputs) if isinstance(outputs, (list, tuple)) else (outputs,)

    def _scores(self, x, outputs):
        """Class scores for the gradient methods: pre-softmax when it can be found."""
        kind, index = self._score_source
        if kind == "output":
            return self._tf.reshape(outputs[-1], (1, -1))
        before = x if index < 0 else outputs[index]
        if kind == "identity":  # a Softmax/Activation('softmax') layer: its input is the score
            return self._tf.reshape(before, (1, -1))
        last = self._layers[-1]  # a Dense with softmax activation: its linear part
        scores = self._tf.matmul(before, last.kernel)
        if getattr(last, "use_bias", False):
            scores = scores + last.bias
        return scores

    def _saliency(self, x, class_index):
        tf = self._tf
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = self._forward(x)
            score = self._scores(x, outputs)[0, class_index]
        gradient = tape.gradient(score, x)[0]
        strength = tf.reduce_max(tf.abs(gradient), axis=-1)
        return _unit_scale(tf, strength)

    def _grad_cam(self, x, class_index):
        tf = self._tf
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = self._forward(x)
            maps = outputs[self._conv_index]
            score = self._scores(x, outputs)[0, class_index]
        gradient = tape.gradient(score, maps)
        weights = tf.reduce_mean(gradient, axis=(1, 2), keepdims=True)  # (1, 1, 1, K)
        cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[0]  # (h, w)
        height, width = self._input_shape[:2]
        cam = tf.image.resize(cam[:, :, None], (height, width), method="bilinear")[:, :, 0]
        return _unit_scale(tf, cam)

    def _find_score_source(self):
        """("dense", i) / ("identity", i) / ("output", -1): where the pre-softmax score comes from.

        i is the index of the layer whose output feeds the last layer (-1: the input).
        """
        keras = self._keras
        last = self._layers[-1]
        if isinstance(last, keras.layers.Dense) and _is_softmax(getattr(last, "activation", None)):
            kind = "dense"
        elif isinstance(last, keras.layers.Softmax) or (
            isinstance(last, keras.layers.Activation) and _is_softmax(last.activation)
        ):
            kind = "identity"
        else:
            return ("output", -1)
        if self._sequential:
            return (kind, len(self._layers) - 2)
        try:
            feeding = last.input
        except (AttributeError, ValueError):
            return ("output", -1)
        if any(feeding is tensor for tensor in self._model.inputs):
            return (kind, -1)
        for i, layer in enumerate(self._layers[:-1]):
            if layer.output is feeding:
                return (kind, i)
        return ("output", -1)

    def _check_output(self) -> tuple[bool, str]:
        last = self._layers[-1]
        where = f"its last layer ({last.name}, {type(last).__name__})"
        rank = len(last.output.shape)
        problem = ""
        if rank != 2:
            problem = f"{where} outputs {_shape_text(tuple(last.output.shape))} values, not one vector of class scores"
        elif self._score_source[0] == "output":
            activation = getattr(getattr(last, "activation", None), "__name__", None)
            problem = f"{where} has {'a ' + activation if activation else 'no'} activation, not softmax"
        sums = []
        for value in (0.0, 0.5):  # also traces the compiled function (warm-up)
            image = np.full((1, *self._input_shape), value, np.float32)
            final = self._forward_fn(self._tf.constant(image))[-1].numpy()
            sums.append(final)
        if not problem:
            for final in sums:
                total = float(np.sum(final))
                if not np.all(np.isfinite(final)):
                    problem = f"{where} outputs NaN or infinite values"
                elif np.any(final < -SUM_TOLERANCE) or abs(total - 1.0) > SUM_TOLERANCE:
                    problem = f"{where} outputs values that sum to {total:.4g}, not 1"
                if problem:
                    break
        if problem:
            return False, f"this model's output is not a class distribution: {problem}"
        return True, ""

    def _batch(self, image):
        array = np.asarray(image, dtype=np.float32)
        if array.ndim == 2 and self._input_shape[2] == 1:
            array = array[:, :, None]
        if array.shape != self._input_shape:
            raise ValueError(
                f"this model takes images of shape {_shape_text(self._input_shape)}, got {_shape_text(array.shape)}"
            )
        if not np.isfinite(array).all():
            raise ValueError("the image contains NaN or infinite values")
        return self._tf.constant(array[None])

    def _class(self, class_index) -> object:
        index = int(class_index)
        if not 0 <= index < self.num_classes:
            raise ValueError(f"class index {index} is out of range: the model has {self.num_classes} outputs")
        return self._tf.constant(index, dtype=self._tf.int32)


def _unit_scale(tf, values):
    peak = tf.reduce_max(values)
    return tf.where(peak > 0, values / tf.maximum(peak, 1e-30), tf.zeros_like(values))


def _assign(model, weights) -> None:
    variables = model.weights
    weights = list(weights)
    if len(weights) != len(variables):
        raise ValueError(f"the weights have {len(weights)} arrays but the model has {len(variables)} variables")
    for variable, value in zip(variables, weights):
        if tuple(variable.shape) != tuple(np.shape(value)):
            raise ValueError(
                f"weight shape {_shape_text(np.shape(value))} does not match {variable.path} "
                f"{_shape_text(tuple(variable.shape))}"
            )
    for variable, value in zip(variables, weights):
        variable.assign(value)


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if n is None else str(int(n)) for n in shape) + ")"


def _from_json(architecture: str):
    """A fresh model from Keras JSON, in safe mode (no Lambda layers, no custom code)."""
    import json

    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    try:
        return keras.saving.deserialize_keras_object(json.loads(architecture), safe_mode=True)
    except Exception as exc:  # Keras raises many kinds; the caller needs one sentence
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise ValueError(f"cannot build the snapshot's model: {first[:200]}") from None
