"""explorer.core.lab.kernels: centred resizing, the centre cell and preset names; bank equality."""

from __future__ import annotations

import numpy as np

from explorer.core.lab import kernels
from explorer.core.lab.kernels import centre_index, preset_name, resize_centred
from explorer.core.lab.pipeline import KernelBank

ASYMMETRIC = np.arange(1, 10, dtype=np.float32).reshape(3, 3)


def test_resize_centred_crops_symmetrically():
    k = np.arange(16, dtype=np.float32).reshape(4, 4)
    np.testing.assert_array_equal(resize_centred(k, (2, 2)), k[1:3, 1:3])
    five = np.arange(25, dtype=np.float32).reshape(5, 5)
    np.testing.assert_array_equal(resize_centred(five, (3, 3)), five[1:4, 1:4])
    np.testing.assert_array_equal(resize_centred(resize_centred(ASYMMETRIC, (6, 8)), (3, 3)), ASYMMETRIC)


def test_the_centre_of_an_even_side_is_above_and_left_of_the_middle():
    assert [centre_index(n) for n in (1, 2, 3, 4, 5, 15)] == [0, 0, 1, 1, 2, 7]


def test_growing_and_shrinking_back_loses_nothing():
    for shape in ((4, 4), (5, 5), (15, 6)):
        grown = resize_centred(ASYMMETRIC, shape)
        assert grown.dtype == np.float32 and grown.sum() == ASYMMETRIC.sum()
        np.testing.assert_array_equal(resize_centred(grown, (3, 3)), ASYMMETRIC)


def test_preset_name_recognises_presets_only():
    for name, preset in kernels.PRESETS.items():
        assert preset_name(preset) == name
    assert preset_name(ASYMMETRIC) is None
    assert preset_name(resize_centred(kernels.PRESETS["sharpen"], (5, 5))) is None  # same values, other size


def test_banks_are_equal_when_kernels_and_biases_are():
    a = KernelBank.of([ASYMMETRIC, np.zeros((3, 3))], [0.5, 0])
    assert a == KernelBank.of([ASYMMETRIC.copy(), np.zeros((3, 3))], [0.5, 0.0])
    assert a != KernelBank.of([ASYMMETRIC, np.zeros((3, 3))], [0.5, 1])
    assert a != KernelBank.of([ASYMMETRIC, np.ones((3, 3))], [0.5, 0])
    assert a != KernelBank.of([ASYMMETRIC], [0.5])
    assert KernelBank.of([np.zeros((3, 3))]) != KernelBank.of([np.zeros((3, 5))])
    assert a != "a bank"
