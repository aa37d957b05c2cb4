"""The training controller: each Trainer on its worker thread, updates in the UI thread, snapshots off it."""

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QThread

from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.train.config import TrainConfig
from explorer.core.train.updates import BatchDone, Failed, Finished, RunStarted, Stopped
from explorer.ui.training.training_worker import TrainingController


def _started(batches: int) -> RunStarted:
    return RunStarted(epochs=1, batches=batches, input_shape=(2, 2, 1), class_names=("a", "b"),
                      test_images=np.zeros((0, 2, 2, 1), np.float32), test_labels=np.zeros(0, np.int64))


class FakeTrainer:
    """Behaves like explorer.core.train.trainer.Trainer: blocking run(), thread-safe flags."""

    made: list = []

    def __init__(self, config, *, batches=200, crash=False, snapshot_every=0):
        self.config, self.batches, self.crash, self.snapshot_every = config, batches, crash, snapshot_every
        self._stop, self._go = threading.Event(), threading.Event()
        self._go.set()
        self.probes = []
        self.model = None
        self.thread = None
        FakeTrainer.made.append(self)

    def run(self, report, snapshots=None):
        self.thread = threading.current_thread()
        report(_started(self.batches))
        if self.crash:
            raise RuntimeError("boom")
        for batch in range(1, self.batches + 1):
            self._go.wait()
            if self._stop.is_set():
                report(Stopped(batch=batch))
                return
            time.sleep(0.002)
            report(BatchDone(batch=batch, batches=self.batches))
            if self.snapshot_every and batch % self.snapshot_every == 0 and snapshots is not None:
                snapshots(ModelSnapshot("fake", (), (2, 2, 1), ("a", "b"), (), f"batch {batch}"))
        self.model = "the trained model"
        report(Finished())

    def stop(self):
        self._stop.set()
        self._go.set()

    def pause(self):
        self._go.clear()

    def resume(self):
        self._go.set()

    def set_probe(self, image):
        self.probes.append(image)


@pytest.fixture
def controller(qtbot):
    FakeTrainer.made.clear()
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
    assert controller.trained_model() == "the trained model" and not controller.is_running()


def test_runs_run_on_the_worker_thread_not_the_ui_thread(qtbot, controller):
    emitted_on = []
    controller.snapshot_ready.connect(lambda s: emitted_on.append(QThread.currentThread().objectName()),
                                      Qt.DirectConnection)
    with qtbot.waitSignal(controller.running_changed, check_params_cb=lambda running: not running, timeout=10000):
        controller.start(TrainConfig(), batches=4, snapshot_every=4)
    assert FakeTrainer.made[-1].thread not in (None, threading.main_thread())
    assert emitted_on == ["training"]  # the snapshot was emitted by the run itself, on the worker thread


def test_snapshots_reach_a_direct_receiver_while_the_ui_thread_is_busy(qtbot, controller):
    """The UI thread never touches a snapshot: a directly connected receiver gets it even while the UI is blocked."""
    received, threads = [], []

    def receive(snapshot):  # thread-safe, like InferenceService.set_snapshot
        received.append(snapshot)
        threads.append(threading.current_thread())

    controller.snapshot_ready.connect(receive, Qt.DirectConnection)
    controller.start(TrainConfig(), batches=30, snapshot_every=10)
    assert controller.wait(10000)  # the UI thread blocks here: it processes no events until the run is over
    assert [s.source for s in received] == ["batch 10", "batch 20", "batch 30"]
    assert threading.main_thread() not in threads
    queued = []
    controller.snapshot_ready.connect(queued.append)  # an ordinary connection is queued to the UI thread
    controller.start(TrainConfig(), batches=10, snapshot_every=10)
    assert controller.wait(10000) and queued == []
    qtbot.waitUntil(lambda: len(queued) == 1, timeout=5000)


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
    changes, threads = [], []
    controller.running_changed.connect(changes.append)
    for _ in range(20):
        controller.start(TrainConfig(), batches=100000)
        controller.stop()
        assert controller.wait(5000)
        threads.append(threading.active_count())
    qtbot.wait(50)
    workers = controller.findChildren(QThread)
    assert len(workers) == 1 and workers[0].objectName() == "training"  # each run's thread ends with the next
    # Python may still list the last run's ended thread until its next clean-up: one at most.
    assert max(threads) <= threads[0] + 1 and threading.active_count() <= threads[0] + 1
    assert threading.active_count() < 10
    assert changes == [True, False]  # each run began before the last one's end was announced: one long run
    assert controller.shutdown(5000) and not workers[0].isRunning()


def test_a_crashing_trainer_reports_failed_and_the_thread_goes_on(qtbot, controller):
    check = lambda u: isinstance(u, Failed)  # noqa: E731
    with qtbot.waitSignal(controller.progressed, check_params_cb=check, timeout=5000) as got:
        controller.start(TrainConfig(), crash=True)
    assert "RuntimeError: boom" in got.args[0].message
    assert controller.wait(5000)
    with qtbot.waitSignal(controller.progressed, check_params_cb=lambda u: isinstance(u, Finished), timeout=5000):
        controller.start(TrainConfig(), batches=3)  # the same thread runs the next one


def test_probe_and_double_start(qtbot, controller):
    controller.start(TrainConfig(), batches=100000)
    controller.set_probe("image")
    assert FakeTrainer.made[-1].probes == ["image"]
    with pytest.raises(RuntimeError):
        controller.start(TrainConfig())


def test_no_start_after_shutdown(qtbot, controller):
    assert controller.shutdown(5000)
    with pytest.raises(RuntimeError, match="shut down"):
        controller.start(TrainConfig())
    assert controller.wait(0) and controller.shutdown()  # idempotent


def test_a_controller_holds_no_thread_until_its_first_run(qtbot):
    """One that never trains (a window closed before any run) has no thread to end."""
    idle = TrainingController(trainer_factory=FakeTrainer)
    assert idle.findChildren(QThread) == [] and idle.wait(0) and not idle.is_running()
    assert idle.shutdown(0)
    used = TrainingController(trainer_factory=FakeTrainer)
    used.start(TrainConfig(), batches=2)
    assert used.wait(5000) and len(used.findChildren(QThread)) == 1
    assert used.shutdown(5000) and not used.findChildren(QThread)[0].isRunning()
