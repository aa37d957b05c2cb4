"""AugmentationPreview: a near-square grid of variants."""

from __future__ import annotations

import numpy as np

from explorer.ui.training.augmentation_preview import AugmentationPreview
from tests.ui.network_samples import explains_a_concept, show


def test_augmentation_preview(qtbot):
    view = AugmentationPreview()
    qtbot.addWidget(view)
    explains_a_concept(view)
    assert view.tile_count() == 0 and view.message_label.isVisibleTo(view)
    base = np.zeros((28, 28), np.float32)
    base[6:22, 12:16] = 1.0
    images = np.stack([np.roll(base, (i % 4 - 2, i // 4 - 2), (0, 1)) for i in range(16)])[..., None]
    copy = images.copy()
    view.set_images(images)
    assert view.tile_count() == 16
    assert (view.layout_info.rows, view.layout_info.cols) == (4, 4)
    np.testing.assert_array_equal(images, copy)
    mosaic = view.canvas.image_item.image
    top, left = view.layout_info.positions[5]
    np.testing.assert_allclose(mosaic[top:top + 28, left:left + 28], images[5, :, :, 0])
    show(qtbot, view, (360, 380))
    view.grab().save("/tmp/nv_augmentation.png")
    view.set_images(np.random.default_rng(0).random((9, 32, 32, 3)).astype(np.float32))
    assert view.tile_count() == 9 and view.canvas.image_item.image.ndim == 3
    view.clear("Augmentation is off.")
    assert view.tile_count() == 0 and view.message_label.text() == "Augmentation is off."
