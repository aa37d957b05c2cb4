"""RunControl: the flags other threads set, the probe slot, the report cadences."""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from explorer.core.train.run_control import Cadence, RunControl


def test_pause_resume_and_stop():
    control = RunControl()
    assert not control.paused() and control.running() and not control.stop_requested()
    control.pause()
    assert control.paused() and not control.running() and not control.wait_for_resume(0.01)
    control.resume()
    assert not control.paused() and control.wait_for_resume(0.01)
    control.pause()
    control.stop()  # also ends the pause
    assert control.stop_requested() and not control.paused() and control.wait_for_resume(0.01)
    control.pause()  # a pause after a stop never holds the run
    assert not control.paused() and control.wait_for_resume(0)


def test_a_waiting_run_wakes_at_once_on_resume_or_stop():
    for release in ("resume", "stop"):
        control = RunControl()
        control.pause()
        woke = []
        waiter = threading.Thread(target=lambda: woke.append(control.wait_for_resume(10)))
        waiter.start()
        time.sleep(0.05)
        start = time.perf_counter()
        getattr(control, release)()
        waiter.join(5)
        assert woke == [True] and time.perf_counter() - start < 1, release


def test_pauses_racing_with_a_stop_never_leave_the_run_paused():
    """Many threads pause while one stops: once stop() has returned, nothing is paused for good."""
    for _ in range(20):
        control = RunControl()
        go = threading.Barrier(5)

        def pauser():
            go.wait()
            for _ in range(200):
                control.pause()
                control.resume()
            control.pause()

        threads = [threading.Thread(target=pauser) for _ in range(4)]
        for thread in threads:
            thread.start()
        go.wait()
        control.stop()
        for thread in threads:
            thread.join(10)
        assert control.stop_requested() and not control.paused() and control.wait_for_resume(0)


def test_the_probe_slot_keeps_a_private_read_only_copy_and_the_latest_wins():
    control = RunControl(probe_interval_s=10.0)
    assert control.probe_changed() and control.probe_due(0.0)  # nothing taken yet: due, even without an image
    assert control.take_probe(0.0) is None and not control.probe_due(1.0)  # answered: the throttle holds
    image = np.zeros((4, 4, 1), np.float32)
    control.set_probe(image)
    control.set_probe(image + 1)
    image[:] = 5  # the caller's array may change: the slot holds a copy
    assert control.probe_changed() and control.probe_due(1.0)  # a new image is due at once
    taken = control.take_probe(1.0)
    assert float(taken.max()) == 1.0 and not taken.flags.writeable
    assert not control.probe_changed() and not control.probe_due(5.0) and control.probe_due(11.0)
    control.set_probe(None)
    assert control.probe_due(2.0) and control.take_probe(2.0) is None


def test_probes_set_from_many_threads_are_never_lost():
    control = RunControl()
    threads = [threading.Thread(target=control.set_probe, args=(np.full((2, 2), i, np.float32),)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert control.probe_changed() and control.take_probe(0.0) is not None and not control.probe_changed()


def test_throttles():
    throttle = Cadence(0.5)
    assert throttle.due(-1e9)  # open at first
    throttle.passed(10.0)
    assert not throttle.due(10.49) and throttle.due(10.5)
    throttle.open()
    assert throttle.due(10.0)
    throttle.passed(10.0)
    throttle.open(12.0)
    assert not throttle.due(11.9) and throttle.due(12.0)
    assert Cadence(0).due(-math.inf)
    control = RunControl(batch_interval_s=1, weights_interval_s=2, probe_interval_s=3, snapshot_interval_s=4)
    assert [t.interval for t in (control.batch_updates, control.weights, control.probes, control.snapshots)] == \
        [1, 2, 3, 4]


def test_kept_holds_a_steady_rate_when_the_clock_is_read_only_every_so_often():
    """Read every 0.1 s, a 1/3 s cadence still fires 3 times a second (passed() would give 2.5)."""
    interval = 1 / 3
    steady, plain = Cadence(interval), Cadence(interval)
    fired = {"kept": [], "passed": []}
    for tick in range(1, 301):  # 30 s of calls 0.1 s apart
        now = tick * 0.1
        if steady.due(now):
            steady.kept(now)
            fired["kept"].append(now)
        if plain.due(now):
            plain.passed(now)
            fired["passed"].append(now)
    assert len(fired["kept"]) == 90  # 30 s x 3, to the update
    assert len(fired["passed"]) == 75
    assert min(np.diff(fired["kept"])) >= interval / 2 - 1e-9  # never a burst


def test_kept_long_overdue_or_open_counts_from_now():
    cadence = Cadence(1.0)
    cadence.kept(5.0)  # open: as passed(5.0)
    assert not cadence.due(5.99) and cadence.due(6.0)
    cadence.kept(6.2)  # a little late: the next is still due on the beat (7.0)
    assert cadence.due(7.0) and not cadence.due(6.99)
    cadence.kept(20.0)  # long overdue: no catching up with a burst
    assert not cadence.due(20.99) and cadence.due(21.0)
    cadence.kept(21.0)
    cadence.open(30.0)  # after a pause: on the beat from there
    cadence.kept(30.05)
    assert not cadence.due(30.99) and cadence.due(31.0)
