"""The training controller: a Trainer on its own thread, updates in the UI thread."""

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QThread

from explorer.core.train.config import TrainConfig
from explorer.core.train.updates import BatchDone, Failed, Finished, RunStarted, Stopped
from explorer.ui.training.training_worker import TrainingController


class FakeTrainer:
    """Behaves like explorer.core.train.trainer.Trainer: blocking run(), thread-safe flags."""

    def __init__(self, config, *, batches=200, crash=False):
        self.config, self.batches, self.crash = config, batches, crash
        self._stop, self._go = threading.Event(), threading.Event()
        self._go.set()
        self.probe = None
        self.thread = None

    def run(self, report):
        self.thread = threading.current_thread()
        report(RunStarted(epochs=1, batches=self.batches, input_shape=(2, 2, 1), class_names=("a", "b"),
                          test_images=np.zeros((0, 2, 2, 1), np.float32), test_labels=np.zeros(0, np.int64)))
        if self.crash:
            raise RuntimeError("boom")
        for batch in range(1, self.batches + 1):
            self._go.wait()
            if self._stop.is_set():
                report(Stopped(batch=batch))
                return
            time.sleep(0.002)
            report(BatchDone(batch=batch, batches=self.batches))
        report(Finished())

    def stop(self):
        self._stop.set()
        self._go.set()

    def pause(self):
        self._go.clear()

    def resume(self):
        self._go.set()

    def set_probe(self, image):
        self.probe = image


@pytest.fixture
def controller(qtbot):
    c = TrainingController(trainer_factory=FakeTrainer)
    yield c
    c.shutdown()


def test_updates_arrive_in_the_ui_thread_from_a_worker_thread(qtbot, controller):
    kinds, threads = [], []
    controller.progressed.connect(lambda u: (kinds.append(type(u)), threads.append(threading.current_thread())))
    with qtbot.waitSignal(controller.running_changed, check_params_cb=lambda running: not running, timeout=10000):
        controller.start(TrainConfig(), batches=20)
    assert kinds[0] is RunStarted and kinds[-1] is Finished and kinds.count(BatchDone) == 20
    assert set(threads) == {threading.main_thread()}
    assert controller._trainer.thread is not threading.main_thread()


def test_pause_resume_and_stop(qtbot, controller):
    batches = []
    controller.progressed.connect(lambda u: isinstance(u, BatchDone) and batches.append(u.batch))
    controller.start(TrainConfig(), batches=100000)
    qtbot.waitUntil(lambda: len(batches) > 3, timeout=5000)
    controller.pause()
    qtbot.wait(100)
    seen = len(batches)
    qtbot.wait(150)
    assert controller.is_paused() and len(batches) <= seen + 1  # at most the batch in flight
    controller.resume()
    qtbot.waitUntil(lambda: len(batches) > seen + 3, timeout=5000)
    with qtbot.waitSignal(controller.progressed, check_params_cb=lambda u: isinstance(u, Stopped), timeout=5000):
        controller.stop()
    assert controller.wait(5000) and not controller.is_running()


def test_start_stop_twenty_times_leaks_no_thread(qtbot, controller):
    for _ in range(20):
        controller.start(TrainConfig(), batches=100000)
        controller.stop()
        assert controller.wait(5000)
    qtbot.wait(50)
    live = [t for t in controller.findChildren(QThread) if t.isRunning()]
    assert live == []
    assert len(controller.findChildren(QThread)) == 1  # the last run's; the others are deleted
    assert threading.active_count() < 10


def test_a_crashing_trainer_reports_failed_and_the_thread_ends(qtbot, controller):
    with qtbot.waitSignal(controller.progressed, check_params_cb=lambda u: isinstance(u, Failed), timeout=5000) as got:
        controller.start(TrainConfig(), crash=True)
    assert "RuntimeError: boom" in got.args[0].message
    assert controller.wait(5000)


def test_probe_and_double_start(qtbot, controller):
    controller.start(TrainConfig(), batches=100000)
    controller.set_probe("image")
    assert controller._trainer.probe == "image"
    with pytest.raises(RuntimeError):
        controller.start(TrainConfig())
