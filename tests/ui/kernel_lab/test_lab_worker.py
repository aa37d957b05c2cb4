"""The kernel-lab worker computes off the UI thread and the latest request wins."""

import threading

import numpy as np
import pytest

from explorer.core.lab import kernels
from explorer.core.lab import pipeline as lab
from explorer.ui.kernel_lab.lab_worker import LabComputer

IMAGE = np.random.default_rng(0).random((200, 300, 3)).astype(np.float32)


@pytest.fixture
def computer(qtbot):
    c = LabComputer()
    yield c
    c.shutdown()


def request(serial, kernel="sharpen", **settings):
    return lab.LabRequest(IMAGE, lab.KernelBank.of([kernels.PRESETS[kernel]]), lab.LabSettings(**settings), serial)


def test_result_arrives_in_ui_thread_and_matches_compute(qtbot, computer):
    seen_threads = []
    computer.finished.connect(lambda req, res, frames: seen_threads.append(threading.current_thread()))
    with qtbot.waitSignal(computer.finished, timeout=5000) as blocker:
        computer.submit(request(1, stride=2))
    req, res, frames = blocker.args
    assert frames is None  # no spec: nothing to draw
    assert res.serial == 1 and res.maps.shape == (100, 150, 3)
    np.testing.assert_array_equal(res.maps, lab.compute(req).maps)
    assert seen_threads == [threading.main_thread()]


def test_a_burst_of_edits_ends_with_the_last_one_and_drops_stale_ones(qtbot, computer):
    results = []
    computer.finished.connect(lambda req, res, frames: results.append(res.serial))
    for serial in range(1, 101):
        computer.submit(request(serial, kernel="vertical-line" if serial % 2 else "box-blur"))
    qtbot.waitUntil(lambda: bool(results) and results[-1] == 100, timeout=10000)
    assert results == sorted(results)
    assert len(results) < 100 and computer.mailbox.dropped > 0  # never a backlog


def test_impossible_request_reports_a_message_and_keeps_working(qtbot, computer):
    tiny = lab.LabRequest(np.ones((3, 3, 1), np.float32), lab.KernelBank.of([np.ones((7, 7))]),
                          lab.LabSettings(padding="valid"), 7)
    with qtbot.waitSignal(computer.errored, timeout=5000) as blocker:
        computer.submit(tiny)
    assert blocker.args[0].serial == 7 and "larger than the padded input" in blocker.args[1]
    with qtbot.waitSignal(computer.finished, timeout=5000):
        computer.submit(request(8))
