"""The images a unit responds to most, each cropped to the unit's receptive field where it fires hardest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core.inspect.compiled import cached
from explorer.core.inspect.errors import InspectError, check_stop
from explorer.core.inspect.layers import check_images, check_layer, layer_names, output_model, probe
from explorer.core.inspect.receptive_field import ReceptiveField, receptive_field

__all__ = ["TopImages", "top_images", "crop", "unit_responses", "MAX_RESPONSE_BYTES"]

#: The (N, units) responses and positions kept while scanning the images.
MAX_RESPONSE_BYTES = 2 * 2**30


@dataclass(frozen=True)
class TopImages:
    """The strongest images of every unit of one layer.

    Attributes
    ----------
    layer : str
    indices : ndarray
        (U, k) int64 indices into the images, strongest first, per unit.
    activations : ndarray
        (U, k) float32: the unit's response (mean of its map; a Dense unit's value).
    positions : ndarray
        (U, k, 2) int64 (row, col) of the unit's strongest position in its map; (0, 0) for Dense.
    field : ReceptiveField or None
        None for a layer without (H, W, C) maps.
    """

    layer: str
    indices: np.ndarray
    activations: np.ndarray
    positions: np.ndarray
    field: ReceptiveField | None


def top_images(model, layer_name: str, images, *, count: int = 9, batch_size: int = 256, progress=None,
               should_stop=None) -> TopImages:
    """Rank `images` for every unit of `layer_name` in one batched pass over them.

    Parameters
    ----------
    images : ndarray
        (N, H, W, C) float32 in the model's input range.
    count : int
        How many images per unit (at most N). Ties keep the lower index first.

    Raises
    ------
    InspectError
        Unknown layer, images of the wrong shape, bad count.
    Cancelled
        When `should_stop` turned true (checked between batches).
    """
    if count < 1 or batch_size < 1:
        raise InspectError(f"count and batch size must be at least 1, got {count} and {batch_size}")
    means, flat_positions = unit_responses(model, layer_name, images, batch_size=batch_size, progress=progress,
                                           should_stop=should_stop)
    k = min(count, len(means))
    # Stable sort of the negated responses: strongest first, ties by index (as a plain ranking would).
    order = np.argsort(-means.T, axis=1, kind="stable")[:, :k]
    units = np.arange(means.shape[1])[:, None]
    activations = means.T[units, order].astype(np.float32)
    flat = flat_positions.T[units, order]
    spatial = layer_name in layer_names(model, spatial=True)
    width = probe(model).shape(layer_name)[1] if spatial else 1
    positions = np.stack([flat // width, flat % width], axis=-1).astype(np.int64)
    field = receptive_field(model, layer_name) if spatial else None
    if field is None:
        positions[:] = 0
    return TopImages(layer=layer_name, indices=order.astype(np.int64), activations=activations,
                     positions=positions, field=field)


def unit_responses(model, layer_name: str, images, *, batch_size: int = 256, progress=None,
                   should_stop=None) -> tuple[np.ndarray, np.ndarray]:
    """Every image's response of every unit, and where in the map each is strongest.

    Returns
    -------
    (ndarray, ndarray)
        (N, U) float32 means of each unit's map (Dense: the values) and
        (N, U) int64 flat index of the strongest position (row · width + col).
    """
    check_layer(model, layer_name)
    batch = check_images(model, images)
    shape = probe(model).shape(layer_name)
    units = shape[-1] if shape else 1
    if len(batch) * units * 12 > MAX_RESPONSE_BYTES:
        raise InspectError(f"{len(batch)} images × {units} units is too many to rank at once")
    forward = cached(model, ("responses", layer_name), lambda: _response_function(model, layer_name))
    means = np.empty((len(batch), units), np.float32)
    where = np.empty((len(batch), units), np.int64)
    for start in range(0, len(batch), batch_size):
        check_stop(should_stop)
        mean, argmax = forward(batch[start:start + batch_size])
        means[start:start + batch_size] = mean.numpy()
        where[start:start + batch_size] = argmax.numpy()
        if progress is not None:
            progress(min(len(batch), start + batch_size) / len(batch))
    return means, where


def crop(image, field: ReceptiveField | None, position) -> np.ndarray:
    """The part of `image` that the unit at `position` (row, col) sees; the whole image when `field` is None."""
    array = np.asarray(image)
    if field is None:
        return array
    top, left, bottom, right = field.box(int(position[0]), int(position[1]))
    return array[top:bottom, left:right]


def _response_function(model, layer_name):
    from explorer.core import tf_backend

    tf = tf_backend.load()
    flat = output_model(model, [layer_name])

    def forward(x):
        out = flat(x, training=False)
        out = out[0] if isinstance(out, (list, tuple)) else out
        out = tf.reshape(out, (tf.shape(out)[0], -1, tf.shape(out)[-1]))  # (B, positions, units)
        return tf.reduce_mean(out, axis=1), tf.argmax(out, axis=1, output_type=tf.int64)

    spec = tf.TensorSpec((None, *probe(model).input_shape), tf.float32)
    return tf.function(forward, input_signature=[spec])
