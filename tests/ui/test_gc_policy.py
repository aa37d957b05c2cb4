"""Garbage holding widgets is collected on the UI thread, never on a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QApplication, QWidget

from explorer.ui.gc_policy import _Collector, collect_on_ui_thread


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
    QApplication.instance().findChild(_Collector)._collect()  # one tick, outside any event loop
    assert seen == ["destroyed", "attributes cleared"]
