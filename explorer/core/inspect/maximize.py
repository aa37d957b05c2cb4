"""What a unit wants to see: activation maximisation by regularised gradient ascent on the input.

Plain gradient ascent on a small net's input gives high-frequency noise that
excites the unit but means nothing to a person. The recipe here is the
well-known one (Keras blog "How convolutional neural networks see the world",
Lucid's transformation robustness), kept small enough for the course's nets:

* start from mid-grey with a little noise, at half the input size;
* each step, roll the image by a random jitter of up to ``jitter`` pixels, so
  the pattern must work at neighbouring positions too;
* normalise the gradient (mean absolute value 1 per image) and step;
* decay towards grey (L2 decay) and blur every few steps (a frequency penalty);
* clip to the input range [0, 1];
* continue at larger scales (octaves): the image is upsampled and refined.

A unit's response is the mean of its feature map (a Dense unit: its value);
for a layer that ends in a softmax, the score before the softmax. All units
asked for are optimised together, one image each, in one compiled loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core.inspect.compiled import cached
from explorer.core.inspect.errors import InspectError, check_stop
from explorer.core.inspect.layers import pre_activation_tensor, probe, score_tensor, unit_count

__all__ = ["Maximized", "maximize", "unit_response", "DEFAULT_STEPS", "SCALES"]

DEFAULT_STEPS = 96
#: The octaves: fractions of the input size, smallest first.
SCALES = (0.5, 0.75, 1.0)
_CHUNK = 8  # steps per compiled call: progress and cancellation in between
_PRE_ACTIVATION_WEIGHT = 0.01


@dataclass(frozen=True)
class Maximized:
    """The synthesised inputs for some units of one layer.

    Attributes
    ----------
    layer : str
    units : tuple of int
    images : ndarray
        (K, H, W, C) float32 in [0, 1], one per unit.
    activations : ndarray
        (K,) float32: each unit's response to its image.
    """

    layer: str
    units: tuple[int, ...]
    images: np.ndarray
    activations: np.ndarray


def maximize(model, layer_name: str, units: Sequence[int], *, steps: int = DEFAULT_STEPS, seed: int = 0,
             learning_rate: float = 0.05, jitter: int = 2, decay: float = 0.01, blur_every: int = 4,
             scales: Sequence[float] = SCALES, progress=None, should_stop=None) -> Maximized:
    """Synthesise, for each unit, an input in [0, 1] that makes it respond strongly.

    Parameters
    ----------
    model : keras.Model
        Sequential, Functional or with a nested base model.
    layer_name : str
        Any probe-able layer (nested ones too); the output layer's name
        maximises classes (the pre-softmax score when there is one).
    units : sequence of int
        Channels of a map, Dense units, or classes.
    steps : int
        Gradient steps in all, shared between the `scales`.
    seed : int
        Start noise and jitter; the same seed gives the same images.
    learning_rate, jitter, decay, blur_every, scales
        The regularisation (see the module docstring).
    progress : callable, optional
        ``progress(fraction)`` after every few steps.
    should_stop : callable, optional
        Checked between steps; raises :class:`Cancelled` when true.

    Raises
    ------
    InspectError
        Unknown layer or unit, no units, bad settings.
    Cancelled
        When `should_stop` turned true.
    """
    from explorer.core import tf_backend

    tf = tf_backend.load()
    found = probe(model)
    chosen = _check_units(model, layer_name, units)
    if steps < len(scales) or not scales or learning_rate <= 0 or jitter < 0 or not 0 <= decay < 1 or blur_every < 1:
        raise InspectError("steps must cover every scale; learning rate > 0, jitter >= 0, 0 <= decay < 1")
    height, width, channels = found.input_shape
    rng = np.random.default_rng(seed)
    sizes = [(max(2, round(height * s)), max(2, round(width * s))) for s in scales]
    image = 0.5 + rng.uniform(-0.1, 0.1, (len(chosen), *sizes[0], channels)).astype(np.float32)
    fns = cached(model, ("maximize", layer_name), lambda: _functions(model, layer_name))
    shares = [steps // len(sizes)] * len(sizes)
    shares[-1] += steps - sum(shares)
    unit_tensor = tf.constant(chosen, tf.int32)
    settings = tuple(tf.constant(v, tf.float32) for v in (learning_rate, decay)) + (
        tf.constant(jitter, tf.int32), tf.constant(blur_every, tf.int32))
    done = 0
    activations = None
    for size, share in zip(sizes, shares):
        var = tf.image.resize(tf.constant(image), size, method="bilinear")
        for start in range(0, share, _CHUNK):
            check_stop(should_stop)
            count = min(_CHUNK, share - start)
            var, activations = fns.run(var, unit_tensor, tf.constant(seed, tf.int32), tf.constant(done, tf.int32),
                                       tf.constant(count, tf.int32), *settings)
            done += count
            if progress is not None:
                progress(done / steps)
        image = var.numpy()
    # The last scale is the input size (resized anyway, should a scale list end below 1).
    final = np.clip(tf.image.resize(image, (height, width), method="bilinear").numpy(), 0.0, 1.0)
    final = final.astype(np.float32)
    if final.shape[1:3] != image.shape[1:3]:
        activations = fns.response(tf.constant(final), unit_tensor)
    activations = np.asarray(activations, np.float32)
    return Maximized(layer=layer_name, units=tuple(chosen), images=final, activations=activations)


def unit_response(model, layer_name: str, images, units: Sequence[int]) -> np.ndarray:
    """Each image's response of its unit (image k, unit ``units[k]``), as :func:`maximize` measures it.

    Returns
    -------
    ndarray
        (K,) float32.
    """
    from explorer.core import tf_backend

    tf = tf_backend.load()
    chosen = _check_units(model, layer_name, units)
    batch = np.asarray(images, np.float32)
    if len(batch) != len(chosen):
        raise InspectError(f"{len(batch)} images for {len(chosen)} units")
    fns = cached(model, ("maximize", layer_name), lambda: _functions(model, layer_name))
    return fns.response(tf.constant(batch), tf.constant(chosen, tf.int32)).numpy().astype(np.float32)


# ------------------------------------------------------------------ internals
def _check_units(model, layer_name, units) -> list[int]:
    total = unit_count(model, layer_name)
    chosen = [int(u) for u in units]
    if not chosen:
        raise InspectError("no unit asked for")
    bad = [u for u in chosen if not 0 <= u < total]
    if bad:
        raise InspectError(f"unit {bad[0]} is out of range: layer {layer_name} has {total} units (0..{total - 1})")
    return chosen


class _LazyFunction:
    """A tf.function traced on its first call only (tracing costs a second; many callers never need it)."""

    def __init__(self, build):
        self._build = build
        self._function = None

    def __call__(self, *args):
        if self._function is None:
            self._function = self._build()
        return self._function(*args)


@dataclass(frozen=True)
class _Functions:
    run: object
    response: object


def _functions(model, layer_name) -> _Functions:
    import keras

    from explorer.core import tf_backend

    tf = tf_backend.load()
    found = probe(model)
    scorer = keras.Model(found.input, score_tensor(model, layer_name))
    pre = pre_activation_tensor(model, layer_name)
    linear = keras.Model(found.input, pre) if pre is not None else None
    height, width, channels = found.input_shape
    taps = np.array([1.0, 2.0, 1.0]) / 4.0
    blur_kernel = tf.constant(np.tile(np.outer(taps, taps)[:, :, None, None], (1, 1, channels, 1)), tf.float32)

    def response(x, units, source=scorer):
        out = source(x, training=False)
        out = tf.reshape(out, (tf.shape(out)[0], -1, tf.shape(out)[-1]))  # (K, positions, units)
        return tf.gather(tf.reduce_mean(out, axis=1), units, batch_dims=1)

    def objective(x, units):
        if linear is None:
            return tf.reduce_sum(response(x, units))
        # A little of the pre-activation: a unit dead at the start still has a way up.
        return tf.reduce_sum(response(x, units) + _PRE_ACTIVATION_WEIGHT * response(x, units, linear))

    def blur(v):
        padded = tf.pad(v, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
        return tf.nn.depthwise_conv2d(padded, blur_kernel, [1, 1, 1, 1], "VALID")

    def run(var, units, seed, start, count, learning_rate, decay, jitter, blur_every):
        def body(i, v):
            step = start + i
            shift = tf.random.stateless_uniform([2], seed=tf.stack([seed, step]), minval=-jitter,
                                                maxval=jitter + 1, dtype=tf.int32)
            with tf.GradientTape() as tape:
                tape.watch(v)
                x = tf.roll(tf.image.resize(v, (height, width), method="bilinear"), shift, axis=[1, 2])
                total = objective(x, units)
            gradient = tape.gradient(total, v)
            gradient = gradient / (tf.reduce_mean(tf.abs(gradient), axis=[1, 2, 3], keepdims=True) + 1e-8)
            v = 0.5 + (v + learning_rate * gradient - 0.5) * (1.0 - decay)
            v = tf.cond(tf.equal(step % blur_every, blur_every - 1), lambda: blur(v), lambda: v)
            return i + 1, tf.clip_by_value(v, 0.0, 1.0)

        var = tf.while_loop(lambda i, v: i < count, body, [tf.constant(0), var])[1]
        # The response to the image as it stands (full size, no jitter): one traced function, not two.
        return var, response(tf.image.resize(var, (height, width), method="bilinear"), units)

    image_spec = tf.TensorSpec((None, None, None, channels), tf.float32)
    unit_spec = tf.TensorSpec((None,), tf.int32)
    scalar = tf.TensorSpec((), tf.int32)
    real = tf.TensorSpec((), tf.float32)
    return _Functions(
        run=tf.function(run, input_signature=[image_spec, unit_spec, scalar, scalar, scalar, real, real, scalar,
                                              scalar]),
        response=_LazyFunction(lambda: tf.function(
            lambda x, units: response(x, units),
            input_signature=[tf.TensorSpec((None, height, width, channels), tf.float32), unit_spec])),
    )
