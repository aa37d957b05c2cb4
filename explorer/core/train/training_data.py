"""The data of one run: loaded, checked before any model is built, and handed to ``fit``.

TensorFlow is passed in (:func:`tensor_in_slices`); nothing here imports it.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.core.train.config import TrainConfig

__all__ = ["load_data", "check_data", "tensor_in_slices", "read_only_view"]


def load_data(config: TrainConfig):
    """The dataset `config` names (its folder, limit, seed, classes and per-class cap): a ``Dataset``.

    See :class:`~explorer.core.train.datasets.Dataset`; the limit applies first, then
    :func:`~explorer.core.train.subsets.subset_dataset`.

    Raises
    ------
    DatasetError, OSError, MemoryError
        As :func:`explorer.core.train.datasets.load_dataset`; also a class the
        dataset lacks or one without training images.
    """
    from explorer.core.train import datasets
    from explorer.core.train.subsets import subset_dataset

    data = datasets.load_dataset(config.dataset, data_dir=config.data_dir, limit=config.limit, seed=config.seed)
    return subset_dataset(data, config.classes, config.per_class, config.seed)


def check_data(x_train, y_train, x_test, validation_split: float) -> None:
    """Refuse data that cannot train: mismatched labels, no images, a split that empties a side, NaN.

    Raises
    ------
    DatasetError
        With a sentence saying what is wrong.
    """
    from explorer.core.train.datasets import DatasetError

    if len(x_train) != len(y_train):
        raise DatasetError(f"{len(x_train):,} training images but {len(y_train):,} labels")
    if len(x_train) == 0:
        raise DatasetError("there are no training images")
    if validation_split:
        split_at = math.floor(len(x_train) * (1.0 - validation_split))
        if split_at == 0 or split_at == len(x_train):
            raise DatasetError(
                f"a validation split of {validation_split:g} of {len(x_train):,} training images leaves "
                f"{'no training' if split_at == 0 else 'no validation'} images: use more data or another split"
            )
    for name, images in (("training", x_train), ("test", x_test)):
        for start in range(0, len(images), 4096):  # in chunks: no image-sized temporary array
            if not np.isfinite(images[start:start + 4096]).all():
                raise DatasetError(f"the {name} images contain NaN or infinite values")


def tensor_in_slices(tf, array: np.ndarray, rows: int = 2048):
    """`array` as one tensor, copied a slice at a time.

    Given NumPy images, ``fit`` copies them into a tensor in one call that
    holds the GIL throughout: 84 ms for MNIST's 54,000 training images, a
    freeze of the window at the start of every run. A slice of 2,048 images
    holds it for ~2 ms, and the concatenation runs in TensorFlow without it.
    The price: while they are joined, the slices and the whole exist side by
    side (twice the images' size, for a moment).

    Parameters
    ----------
    tf : module
        The imported ``tensorflow``.
    array : ndarray
    rows : int
        Images per slice.
    """
    if len(array) <= rows:
        return tf.convert_to_tensor(array)
    return tf.concat([tf.convert_to_tensor(array[start:start + rows]) for start in range(0, len(array), rows)], 0)


def read_only_view(array) -> np.ndarray:
    """A read-only view of `array` (no copy): safe to hand to other threads."""
    view = np.asarray(array).view()
    view.setflags(write=False)
    return view
