"""Garbage holding widgets is collected on the UI thread, never on a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QApplication, QWidget

from explorer.ui.services.gc_policy import FULL_EVERY, UiThreadCollector, collect_on_ui_thread, defer_full_collections


def test_automatic_collection_is_off_and_a_ui_timer_collects(qtbot):
    collect_on_ui_thread()
    assert not gc.isenabled()
    threads = []

    class Tracked(QWidget):
        def __del__(self):
            threads.append(threading.current_thread())

    widget = Tracked()
    widget.cycle = widget  # only the cycle collector can free it
    alive = weakref.ref(widget)
    del widget
    qtbot.waitUntil(lambda: alive() is None, timeout=3000)
    assert threads == [threading.main_thread()]


def test_a_window_turns_the_policy_on(open_window):
    gc.enable()
    open_window()
    assert not gc.isenabled()




def test_a_collection_first_carries_out_pending_deletions(qtbot):
    """A widget waiting for deleteLater is destroyed before the collector clears its attributes."""
    collect_on_ui_thread()
    seen = []

    class Attribute:
        def __del__(self):
            seen.append("attributes cleared")

    widget = QWidget()
    widget.cycle = widget  # garbage for the collector once the name is gone
    widget.attribute = Attribute()
    widget.destroyed.connect(lambda: seen.append("destroyed"))
    widget.deleteLater()
    del widget
    QApplication.instance().findChild(UiThreadCollector).timer.timeout.emit()  # one tick, outside any event loop
    assert seen == ["destroyed", "attributes cleared"]


def test_full_collections_wait_while_a_model_trains(qtbot, monkeypatch):
    collect_on_ui_thread()
    collector = QApplication.instance().findChild(UiThreadCollector)
    generations = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: generations.append(generation) or 0)
    defer_full_collections(True)
    try:
        for _ in range(FULL_EVERY + 1):
            collector.timer.timeout.emit()
        assert set(generations) == {1}  # only the young generations while training
    finally:
        defer_full_collections(False)
    generations.clear()
    collector.timer.timeout.emit()
    collector.timer.timeout.emit()
    assert generations == [2, 1]  # the full collection that fell due, at the first tick after


def test_the_training_controller_defers_full_collections_while_it_runs(qtbot):
    from explorer.ui.training.training_worker import TrainingController

    collect_on_ui_thread()
    collector = QApplication.instance().findChild(UiThreadCollector)
    controller = TrainingController()
    controller.running_changed.emit(True)
    assert collector.deferring
    controller.running_changed.emit(False)
    assert not collector.deferring

