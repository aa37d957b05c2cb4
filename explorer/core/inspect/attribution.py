"""Which pixels a class decision depends on: saliency, SmoothGrad, occlusion, Grad-CAM.

All three take any built image model (nested ones too, through
:func:`explorer.core.inspect.layers.probe`) and one (H, W, C) image, and answer
with an (H, W) float32 map at the input's resolution. Gradient methods use the
class score before the softmax; occlusion uses the probability (the output).
"""

from __future__ import annotations

import numpy as np

from explorer.core.inspect.compiled import cached
from explorer.core.inspect.errors import InspectError, check_stop
from explorer.core.inspect.layers import (
    check_image,
    layer_names,
    output_layer_name,
    output_model,
    probe,
    score_tensor,
)

__all__ = ["saliency", "occlusion", "grad_cam", "grad_cam_layer", "OCCLUSION_BATCH"]

#: Occluded copies per forward pass.
OCCLUSION_BATCH = 256
_SMOOTH_BATCH = 32
_CONV_KINDS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose")


def saliency(model, image, class_index: int, *, smooth_samples: int = 0, noise: float = 0.15,
             seed: int = 0) -> np.ndarray:
    """Gradient of the class score with respect to the pixels (Simonyan et al. 2014), or SmoothGrad.

    Parameters
    ----------
    model : keras.Model
    image : ndarray
        (H, W, C) (or (H, W) for one channel) in the model's input range.
    class_index : int
    smooth_samples : int
        0: the plain gradient. N > 0: SmoothGrad (Smilkov et al. 2017), the mean
        gradient over N copies with Gaussian noise added.
    noise : float
        SmoothGrad's noise standard deviation as a fraction of the input range [0, 1].
    seed : int

    Returns
    -------
    ndarray
        (H, W) float32 >= 0: absolute (mean) gradient, maximum over the channels.
    """
    array = check_image(model, image)
    index = _class_index(model, class_index)
    if smooth_samples < 0 or not np.isfinite(noise) or noise < 0:
        raise InspectError("smooth_samples and noise must be 0 or more")
    gradient_fn = cached(model, ("saliency",), lambda: _gradient_function(model))
    if smooth_samples == 0:
        gradient = gradient_fn(array[None], np.int32(index)).numpy()[0]
    else:
        rng = np.random.default_rng(seed)
        total = np.zeros(array.shape, np.float64)
        for start in range(0, smooth_samples, _SMOOTH_BATCH):
            n = min(_SMOOTH_BATCH, smooth_samples - start)
            noisy = (array[None] + rng.normal(0.0, noise, (n, *array.shape))).astype(np.float32)
            total += gradient_fn(noisy, np.int32(index)).numpy().sum(axis=0)
        gradient = total / smooth_samples
    return np.abs(gradient).max(axis=-1).astype(np.float32)


def occlusion(model, image, class_index: int, *, patch: int = 7, stride: int = 1, fill: float = 0.5,
              progress=None, should_stop=None) -> np.ndarray:
    """Occlusion sensitivity (Zeiler & Fergus 2014): how much the class probability drops under a grey patch.

    Every position of a `patch` × `patch` square, `stride` apart (the last one
    flush with the edge), is filled with `fill` in one copy of the image; the
    copies run in batches of :data:`OCCLUSION_BATCH`.

    Returns
    -------
    ndarray
        (H, W) float32: each pixel is the mean drop (original − occluded
        probability) over the patches that cover it; negative where hiding the
        pixel makes the class more likely.
    """
    array = check_image(model, image)
    index = _class_index(model, class_index)
    height, width = array.shape[:2]
    if patch < 1 or stride < 1 or patch > min(height, width):
        raise InspectError(f"patch must be 1..{min(height, width)} and stride at least 1, got {patch} and {stride}")
    corners = [(top, left) for top in _starts(height, patch, stride) for left in _starts(width, patch, stride)]
    forward = cached(model, ("probabilities",), lambda: _forward_function(model))
    total = np.zeros((height, width), np.float64)
    count = np.zeros((height, width), np.int64)
    for start in range(0, len(corners), OCCLUSION_BATCH):
        check_stop(should_stop)
        chunk = corners[start:start + OCCLUSION_BATCH]
        # Row 0 is the untouched image, in the same pass: the drop is then exactly 0 where
        # the patch does not matter, whatever the batch size does to the arithmetic.
        batch = np.repeat(array[None], len(chunk) + 1, axis=0)
        for row, (top, left) in enumerate(chunk, start=1):
            batch[row, top:top + patch, left:left + patch] = fill
        scores = np.asarray(forward(batch)).reshape(len(batch), -1)[:, index].astype(np.float64)
        for (top, left), drop in zip(chunk, scores[0] - scores[1:]):
            total[top:top + patch, left:left + patch] += drop
            count[top:top + patch, left:left + patch] += 1
        if progress is not None:
            progress(min(1.0, (start + len(chunk)) / len(corners)))
    return np.where(count > 0, total / np.maximum(count, 1), 0.0).astype(np.float32)


def grad_cam_layer(model) -> str:
    """The layer Grad-CAM looks at: the last convolution (else the last layer with feature maps).

    Raises
    ------
    InspectError
        If the model has no layer with (H, W, C) maps.
    """
    found = probe(model)
    spatial = layer_names(model, spatial=True)
    if not spatial:
        raise InspectError("the model has no layer with feature maps, so Grad-CAM has nothing to look at")
    convs = [name for name in spatial if type(found.layers[name]).__name__ in _CONV_KINDS]
    return (convs or list(spatial))[-1]


def grad_cam(model, image, class_index: int, *, layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017) at `layer_name` (default :func:`grad_cam_layer`), at the image's size.

    The layer's maps weighted by the mean gradient of the class score over each
    map, summed, ReLU, resized bilinearly to (H, W), scaled so the peak is 1.

    Returns
    -------
    ndarray
        (H, W) float32 in [0, 1] (all zeros when nothing speaks for the class).
    """
    array = check_image(model, image)
    index = _class_index(model, class_index)
    name = layer_name or grad_cam_layer(model)
    if name not in layer_names(model, spatial=True):
        raise InspectError(f"layer {name} has no (height, width, channels) maps; Grad-CAM needs one")
    cam_fn = cached(model, ("grad_cam", name), lambda: _grad_cam_function(model, name))
    return cam_fn(array[None], np.int32(index)).numpy().astype(np.float32)


# ------------------------------------------------------------------ internals
def _starts(size: int, patch: int, stride: int) -> list[int]:
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return starts


def _class_index(model, class_index) -> int:
    found = probe(model)
    classes = int(np.prod(found.shape(found.output)))
    index = int(class_index)
    if not 0 <= index < classes:
        raise InspectError(f"class {index} is out of range: the model has {classes} outputs (0..{classes - 1})")
    return index


def _specs(model):
    from explorer.core import tf_backend

    tf = tf_backend.load()
    shape = probe(model).input_shape
    return tf, [tf.TensorSpec((None, *shape), tf.float32), tf.TensorSpec((), tf.int32)]


def _gradient_function(model):
    import keras

    tf, specs = _specs(model)
    found = probe(model)
    scorer = keras.Model(found.input, score_tensor(model, found.output))

    def gradient(x, index):
        with tf.GradientTape() as tape:
            tape.watch(x)
            scores = tf.reshape(scorer(x, training=False), (tf.shape(x)[0], -1))
            total = tf.reduce_sum(scores[:, index])
        return tape.gradient(total, x)

    return tf.function(gradient, input_signature=specs)


def _forward_function(model):
    tf, specs = _specs(model)
    flat = output_model(model, [output_layer_name(model)])

    def forward(x):
        out = flat(x, training=False)
        return out[0] if isinstance(out, (list, tuple)) else out

    return tf.function(forward, input_signature=specs[:1])


def _grad_cam_function(model, name):
    import keras

    tf, specs = _specs(model)
    found = probe(model)
    both = keras.Model(found.input, [found.outputs[name], score_tensor(model, found.output)])
    height, width = found.input_shape[:2]

    def cam(x, index):
        with tf.GradientTape() as tape:
            maps, scores = both(x, training=False)
            score = tf.reduce_sum(tf.reshape(scores, (tf.shape(x)[0], -1))[:, index])
        gradient = tape.gradient(score, maps)
        weights = tf.reduce_mean(gradient, axis=(1, 2), keepdims=True)
        heat = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[0]
        heat = tf.image.resize(heat[:, :, None], (height, width), method="bilinear")[:, :, 0]
        peak = tf.reduce_max(heat)
        return tf.where(peak > 0, heat / tf.maximum(peak, 1e-30), tf.zeros_like(heat))

    return tf.function(cam, input_signature=specs)
