"""MailboxWorker: one thread, latest item per key, failures reported, clean shutdown."""

from __future__ import annotations

import threading

import pytest

from explorer.ui.services.workers import MailboxWorker


@pytest.fixture
def make_worker(qtbot):
    made = []

    def make(handle, **options):
        worker = MailboxWorker("test-worker", handle, **options)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.shutdown()


def test_items_are_handled_on_the_worker_thread(make_worker):
    threads = []
    worker = make_worker(lambda item: threads.append((item, threading.current_thread().name)))
    worker.submit(1)
    assert worker.wait_idle(5000)
    assert [item for item, _ in threads] == [1]
    assert threads[0][1] != threading.main_thread().name
    assert worker.worker_thread().objectName() == "test-worker"


def test_a_burst_keeps_only_the_newest_item_per_key(make_worker):
    gate = threading.Event()
    seen = []

    def handle(item):
        gate.wait(5)
        seen.append(item)

    worker = make_worker(handle)
    worker.submit("first")  # handled at once: it blocks on the gate
    for n in range(50):
        worker.submit(("a", n), key="a")
        worker.submit(("b", n), key="b")
    gate.set()
    assert worker.wait_idle(5000)
    assert seen[0] == "first"
    assert sorted(seen[1:]) == [("a", 49), ("b", 49)]
    assert worker.mailbox.dropped == 98


def _blocking_handler(seen):
    """A handler that says when it has started and waits for the gate."""
    started, gate = threading.Event(), threading.Event()

    def handle(item):
        started.set()
        gate.wait(5)
        seen.append(item)

    return handle, started, gate


def test_the_first_key_is_handled_before_the_others(make_worker):
    seen = []
    handle, started, gate = _blocking_handler(seen)
    worker = make_worker(handle, first="model")
    worker.submit("warm-up")
    assert started.wait(5)
    worker.submit("request", key="draw")
    worker.submit("new model", key="model")
    gate.set()
    assert worker.wait_idle(5000)
    assert seen == ["warm-up", "new model", "request"]


def test_an_exception_is_reported_and_the_thread_goes_on(make_worker, qtbot):
    seen = []

    def handle(item):
        if item == "bad":
            raise KeyError("no such thing")
        seen.append(item)

    worker = make_worker(handle)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.submit("bad")
    assert blocker.args == ["bad", "KeyError: 'no such thing'"]
    worker.submit("good")
    assert worker.wait_idle(5000) and seen == ["good"]


def test_busy_until_handled_then_idle(make_worker):
    gate = threading.Event()
    worker = make_worker(lambda item: gate.wait(5))
    assert not worker.is_busy()
    worker.submit(1)
    assert worker.is_busy()
    assert not worker.wait_idle(50)
    gate.set()
    assert worker.wait_idle(5000) and not worker.is_busy()


def test_shutdown_drops_what_waits_and_is_idempotent(make_worker):
    seen = []
    handle, started, gate = _blocking_handler(seen)
    worker = make_worker(handle)
    worker.submit("running")
    assert started.wait(5)
    worker.submit("waiting")
    threading.Timer(0.1, gate.set).start()  # the running item ends while shutdown waits
    assert worker.shutdown(5000)
    assert seen == ["running"]
    assert worker.shutdown(5000)
    assert not worker.worker_thread().isRunning() and not worker.is_busy()


def test_one_python_thread_state_serves_every_item(make_worker):
    # A threading.local lives in the Python thread state: it survives from one
    # item to the next only if the thread keeps one state (TensorFlow's pybind11
    # remembers that state; a fresh one per item crashed the second training run).
    local = threading.local()
    seen = []

    def handle(item):
        seen.append(getattr(local, "first", None))
        local.first = item

    worker = make_worker(handle)
    for item in (1, 2, 3):
        worker.submit(item)
        assert worker.wait_idle(5000)
    assert seen == [None, 1, 2]
