"""The augmentation preview uses the trainer's random layers and changes the images."""

import numpy as np

from explorer.core.train.augment import augmentation_layers, preview
from explorer.core.train.config import Augmentation


def bar():
    image = np.zeros((28, 28, 1), np.float32)
    image[4:24, 12:16] = 1.0
    return image


def test_off_means_no_layers_and_identical_copies():
    assert augmentation_layers(Augmentation()) == []
    out = preview(bar()[None], Augmentation(), copies=3)
    assert out.shape == (4, 28, 28, 1)
    assert all(np.array_equal(out[0], out[i]) for i in range(1, 4))


def test_variants_differ_and_stay_in_range():
    out = preview(np.stack([bar(), bar()]), Augmentation(rotation=0.1, translation=0.1, zoom=0.1), copies=4, seed=3)
    assert out.shape == (10, 28, 28, 1) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert np.array_equal(out[0], bar()) and not np.array_equal(out[1], out[0])
    kinds = {type(layer).__name__ for layer in augmentation_layers(Augmentation(0.1, 0.1, 0.1))}
    assert kinds == {"RandomRotation", "RandomTranslation", "RandomZoom"}
