"""A run's data: checked before any model is built, copied to a tensor a slice at a time."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.train.datasets import DatasetError
from explorer.core.train.training_data import check_data, read_only_view, tensor_in_slices


@pytest.mark.parametrize("n, rows", [(1, 4), (4, 4), (5, 4), (11, 4), (2049, 2048)])
def test_training_images_are_copied_to_one_tensor_slice_by_slice(n, rows):
    from explorer.core import tf_backend

    images = np.random.default_rng(n).random((n, 3, 2, 1), dtype=np.float32)
    tensor = tensor_in_slices(tf_backend.load(), images, rows=rows)
    assert tensor.dtype.name == "float32" and tuple(tensor.shape) == images.shape
    np.testing.assert_array_equal(tensor.numpy(), images)


def test_data_that_cannot_train_is_refused_with_a_sentence():
    images = np.zeros((10, 4, 4, 1), np.float32)
    with pytest.raises(DatasetError, match="10 training images but 9 labels"):
        check_data(images, np.zeros(9), images, 0.0)
    with pytest.raises(DatasetError, match="no training images"):
        check_data(images[:0], np.zeros(0), images, 0.0)
    with pytest.raises(DatasetError, match="leaves no training images"):
        check_data(images[:1], np.zeros(1), images, 0.5)
    with pytest.raises(DatasetError, match="leaves no validation images"):
        check_data(images, np.zeros(10), images, 1e-17)
    broken = images.copy()
    broken[3, 0, 0, 0] = np.inf
    with pytest.raises(DatasetError, match="the test images contain NaN or infinite values"):
        check_data(images, np.zeros(10), broken, 0.1)
    check_data(images, np.zeros(10), images, 0.1)  # fine


def test_read_only_views_share_the_data():
    array = np.arange(6.0)
    view = read_only_view(array)
    assert not view.flags.writeable and np.shares_memory(view, array) and array.flags.writeable
