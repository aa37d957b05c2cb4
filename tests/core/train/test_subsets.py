"""Class subsets and per-class caps: relabelled, capped, repeatable, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core.train.config import TrainConfig
from explorer.core.train.datasets import Dataset, DatasetError
from explorer.core.train.subsets import parse_classes, subset_dataset
from explorer.core.train.training_data import load_data


def _dataset(train_labels, test_labels, names=tuple("abcde")) -> Dataset:
    y_train, y_test = np.array(train_labels, np.int64), np.array(test_labels, np.int64)
    # Each image remembers its row and label, so a test can tell which ones survived.
    x_train = np.stack([np.full((2, 2, 1), i + 10 * y, np.float32) for i, y in enumerate(y_train)])
    x_test = np.stack([np.full((2, 2, 1), i + 10 * y, np.float32) for i, y in enumerate(y_test)])
    return Dataset(x_train, y_train, x_test, y_test, names, (2, 2, 1), len(names), "made up")


def test_classes_are_relabelled_in_the_order_given_and_keep_their_names():
    data = _dataset([0, 1, 2, 3, 4, 3, 1], [4, 3, 0, 3])
    out = subset_dataset(data, classes=(3, 1))
    assert out.class_names == ("d", "b") and out.num_classes == 2
    assert out.y_train.tolist() == [1, 0, 0, 1]  # rows 1, 3, 5, 6 in their order: labels 1, 3, 3, 1
    assert out.x_train[:, 0, 0, 0].tolist() == [11, 33, 35, 16]
    assert out.y_test.tolist() == [0, 0] and out.x_test[:, 0, 0, 0].tolist() == [31, 33]
    assert not out.x_train.flags.writeable and not out.y_test.flags.writeable
    assert "classes d, b" in out.source


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=5, max_size=60), st.integers(1, 6), st.integers(0, 3))
def test_per_class_caps_each_class_and_is_repeatable(labels, cap, seed):
    labels = sorted(set(labels)) + labels  # every present class once first, in case
    data = _dataset(labels, [0, 1])
    out = subset_dataset(data, per_class=cap, seed=seed)
    counts = np.bincount(out.y_train, minlength=5)
    expected = np.minimum(np.bincount(labels, minlength=5), cap)
    assert counts.tolist() == expected.tolist()
    again = subset_dataset(data, per_class=cap, seed=seed)
    assert np.array_equal(out.x_train, again.x_train)
    rows = (out.x_train[:, 0, 0, 0] - 10 * out.y_train).astype(int)  # the original row of each image
    assert np.all(np.diff(rows) > 0) and np.array_equal(np.array(labels)[rows], out.y_train)
    assert np.array_equal(out.y_test, data.y_test)  # the test set is not capped


def test_unknown_class_and_empty_class_are_clear_errors():
    data = _dataset([0, 1, 2, 2], [0])
    with pytest.raises(DatasetError, match="no class 7: its classes are 0 .a., 1 .b."):
        subset_dataset(data, classes=(1, 7))
    with pytest.raises(DatasetError, match="no training images of class 4 .e."):
        subset_dataset(data, classes=(2, 4))


def test_nothing_asked_returns_the_same_dataset():
    data = _dataset([0, 1], [0])
    assert subset_dataset(data) is data


def test_load_data_applies_classes_and_per_class_to_a_real_dataset():
    data = load_data(TrainConfig(dataset="digits", classes=(5, 6, 7), per_class=4, seed=1))
    assert data.class_names == ("5", "6", "7") and data.num_classes == 3
    assert np.bincount(data.y_train).tolist() == [4, 4, 4]
    full = load_data(TrainConfig(dataset="digits", seed=1))
    assert len(data.y_test) == int(np.isin(full.y_test, (5, 6, 7)).sum())


@pytest.mark.parametrize(("text", "expected"), [("5,6,7", (5, 6, 7)), ("5-9", (5, 6, 7, 8, 9)),
                                               ("0, 2-3", (0, 2, 3)), ("9,1", (9, 1))])
def test_parse_classes(text, expected):
    assert parse_classes(text) == expected


@pytest.mark.parametrize("text", ["", "a", "5-", "9-5", "1,,2", "-1"])
def test_parse_classes_refuses_bad_text(text):
    with pytest.raises(ValueError):
        parse_classes(text)
