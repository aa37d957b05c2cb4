"""settle_scene: a scene's queued bookkeeping done at once, inside the caller's slice."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from explorer.ui.widgets.scene_updates import settle_scene


def test_a_changed_item_is_processed_by_its_scene_at_once(qtbot):
    view = pg.GraphicsView()
    qtbot.addWidget(view)
    image = pg.ImageItem(np.zeros((4, 4), np.float32))
    view.addItem(image)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(20)
    changes = []
    view.scene().changed.connect(changes.append)
    image.setImage(np.ones((8, 8), np.float32))
    assert changes == []  # queued for a later pass over posted events
    settle_scene(view)
    assert changes  # done now
