"""GalleryView: at most `limit` thumbnails, each clickable."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from explorer.ui.training.gallery_view import GalleryView
from tests.ui.network_samples import explains_a_concept, show


def test_gallery_limits_and_clicks(qtbot):
    view = GalleryView(limit=60)
    qtbot.addWidget(view)
    explains_a_concept(view)
    rng = np.random.default_rng(2)
    images = rng.random((75, 28, 28, 1)).astype(np.float32)
    captions = [f"{i % 10} \u2192 {(i + 3) % 10}" for i in range(75)]
    indices = list(range(1000, 1075))
    view.set_images(images, captions, indices)
    assert view.thumbnail_count() == 60
    assert view.shown_indices() == indices[:60]
    assert view.more_label.isVisibleTo(view) and view.more_label.text().startswith("+15 more")
    assert view.list.item(3).text() == captions[3]
    assert view.list.iconSize().width() == 56            # 28 px scaled by a whole factor
    show(qtbot, view, (560, 420))
    for i in (0, 7):
        rect = view.thumbnail_rect(i)
        assert view.list.viewport().rect().contains(rect.center())
        with qtbot.waitSignal(view.image_clicked, timeout=1000) as blocker:
            QTest.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, rect.center())
        assert blocker.args == [indices[i]]
    view.grab().save("/tmp/nv_gallery.png")


def test_gallery_empty_and_few(qtbot):
    view = GalleryView()
    qtbot.addWidget(view)
    view.set_images(np.zeros((0, 28, 28, 1), np.float32), [], [])
    assert view.thumbnail_count() == 0
    assert view.message() == "No misclassified images."
    view.set_images(None, [], [])
    assert view.thumbnail_count() == 0 and view.message() == "No misclassified images."
    view.set_images(np.ones((3, 32, 32, 3), np.float32), ["a", "b", "c"], [5, 6, 7])
    assert view.thumbnail_count() == 3 and not view.more_label.isVisibleTo(view)
    assert view.message() is None
    show(qtbot, view, (400, 200))
    view.clear()
    assert view.message() == "No misclassified images."
    view.grab().save("/tmp/nv_gallery_empty.png")


def test_gallery_title_back_button_and_total(qtbot):
    view = GalleryView(limit=4)
    qtbot.addWidget(view)
    show(qtbot, view, (400, 240))
    assert not view.title_label.isVisibleTo(view) and not view.back_button.isVisibleTo(view)
    images = np.zeros((4, 28, 28, 1), np.float32)
    view.set_title("true 3, predicted 5: 12 images", back="All mistakes")
    view.set_images(images, list("abcd"), [10, 11, 12, 13], total=12)
    assert view.title() == "true 3, predicted 5: 12 images" and view.back_button.text() == "All mistakes"
    assert view.more_label.text().startswith("+8 more")
    with qtbot.waitSignal(view.back_requested, timeout=1000):
        QTest.mouseClick(view.back_button, Qt.MouseButton.LeftButton)
    view.set_title("")
    assert not view.title_label.isVisibleTo(view) and not view.back_button.isVisibleTo(view)
