"""Data augmentation layers, shared by training and its preview grid.

The training studio shows what the network will see: the same Keras random
layers the trainer puts in front of the model, applied to a few images.
"""

from __future__ import annotations

import numpy as np

from explorer.core import tf_backend
from explorer.core.train.config import Augmentation


def augmentation_layers(augmentation: Augmentation, seed: int = 0) -> list:
    """Keras RandomRotation / RandomTranslation / RandomZoom layers for `augmentation` (empty if off)."""
    keras = tf_backend.load().keras
    layers = []
    if augmentation.rotation:
        layers.append(keras.layers.RandomRotation(augmentation.rotation, fill_mode="constant", seed=seed))
    if augmentation.translation:
        layers.append(keras.layers.RandomTranslation(augmentation.translation, augmentation.translation,
                                                     fill_mode="constant", seed=seed + 1))
    if augmentation.zoom:
        layers.append(keras.layers.RandomZoom(augmentation.zoom, augmentation.zoom, fill_mode="constant",
                                              seed=seed + 2))
    return layers


def preview(images: np.ndarray, augmentation: Augmentation, copies: int = 4, seed: int = 0) -> np.ndarray:
    """Each image followed by `copies` random variants, as training would draw them.

    Returns (len(images) * (copies + 1), H, W, C) float32 in [0, 1].
    """
    images = np.asarray(images, np.float32)
    rows = []
    layers = augmentation_layers(augmentation, seed)
    for image in images:
        rows.append(image)
        for _ in range(copies):
            variant = image[None]
            for layer in layers:
                variant = layer(variant, training=True)
            rows.append(np.clip(np.asarray(variant)[0], 0.0, 1.0))
    return np.stack(rows).astype(np.float32)


def with_augmentation(keras, model, augmentation: Augmentation, seed: int = 0):
    """A training-only wrapper: random layers first, then `model` (shared weights).

    The random layers live only in the wrapper, so the model that is probed,
    snapshotted, saved and evaluated is exactly
    :func:`~explorer.core.model.build.build_model`'s (and the random layers
    would be identities at inference anyway).

    Parameters
    ----------
    keras : module
        The imported ``keras``.
    model : keras.Model
        Built (it starts with ``keras.Input``).
    augmentation : Augmentation
    seed : int
    """
    layers = augmentation_layers(augmentation, int(seed))
    shape = tuple(model.inputs[0].shape[1:])
    return keras.Sequential([keras.Input(shape=shape), *layers, model], name=f"{model.name}-augmented")
