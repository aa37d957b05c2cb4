"""The window's fourth part, Inside the network, and how the shell wires it to the others."""

from __future__ import annotations

import threading

import numpy as np

from explorer.ui.inside.inside_part import InsidePart
from tests.ui.inside.inside_models import tiny_data, tiny_snapshot


def test_the_inside_tab_shows_what_to_do_without_a_model(open_window):
    window = open_window("inside")
    assert isinstance(window.inside, InsidePart) and window.tabs.currentWidget() is window.inside
    assert window.inside.is_ready()
    assert "train a model in the Training tab" in window.inside.units.message()
    assert window.part_actions["inside"].shortcut().toString() == "Ctrl+4"


def test_the_studio_feeds_the_inside_part(qtbot, open_window):
    window = open_window("inside")
    inside, studio = window.inside, window.training
    data = tiny_data(20)
    studio.test_data_ready.emit((data.images, data.labels, data.class_names))
    assert inside.test_images().images.shape == (20, 12, 12, 1)
    assert "20 (the training run's test set)" in inside.data_label.text()
    # Snapshots come from the training thread, not the UI thread.
    sender = threading.Thread(target=studio.snapshot_ready.emit, args=(tiny_snapshot(),))
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: inside.facts() is not None, timeout=60000)
    assert inside.facts().source == "tiny net, seed 0"


def test_a_loaded_model_file_reaches_the_inside_part(qtbot, open_window, tmp_path):
    from tests.ui.inside.inside_models import nested_model_file

    window = open_window("inside")
    window.training.model_file_loaded.emit(nested_model_file(tmp_path))
    qtbot.waitUntil(lambda: window.inside.facts() is not None, timeout=60000)
    assert "base_conv" in window.inside.facts().layers


def test_the_drawing_and_the_probe_travel_between_the_parts(open_window):
    window = open_window("training")
    studio, inside = window.training, window.inside
    inside.build()
    drawing = np.zeros((12, 12, 1), np.float32)
    window.draw.drawing_ready.emit(drawing)
    assert inside.attribution.drawing is not None and np.array_equal(inside.attribution.drawing, drawing)
    studio.follow_drawing.setChecked(True)
    probe = np.ones((12, 12, 1), np.float32)
    inside.probe_chosen.emit(probe)
    assert studio.probe_image() is probe


def test_a_replayed_moment_of_the_run_is_inspected(qtbot, open_window):
    window = open_window("inside")
    window.training.replayed.emit(tiny_snapshot(source="replay: epoch 1 of 3"))
    qtbot.waitUntil(lambda: window.inside.facts() is not None, timeout=60000)
    assert window.inside.facts().source == "replay: epoch 1 of 3"
