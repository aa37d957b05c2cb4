"""Throttle: at once after a rest, at most once per interval while offers go on, always the newest, the last too."""

from __future__ import annotations

import time

from explorer.ui.services.throttle import Throttle


def test_an_offer_after_a_rest_is_delivered_at_once(qtbot):
    calls = []
    throttle = Throttle(50, calls.append)
    throttle.offer("a")
    assert calls == ["a"] and not throttle.waiting()  # synchronously, no timer involved
    qtbot.wait(150)
    assert calls == ["a"]  # nothing offered meanwhile: no trailing delivery


def test_continuous_offers_deliver_once_per_interval_and_once_more_at_the_end(qtbot):
    calls = []
    throttle = Throttle(40, lambda value: calls.append((value, time.perf_counter())))
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < 0.4:  # an offer every ~5 ms for 400 ms
        n += 1
        throttle.offer(n)
        qtbot.wait(5)
    during = len(calls)
    qtbot.wait(150)
    assert during >= 6, during  # a debounce would give 1 (the first offer) here
    times = [t for _, t in calls]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) > 0.03, gaps  # never more often than the interval (with timer slack)
    assert calls[-1][0] == n  # the last value offered is delivered
    assert len(calls) <= during + 1


def test_later_offers_wait_and_merge(qtbot):
    got = []
    throttle = Throttle(200, lambda value: got.append((value, time.monotonic())),
                        merge=lambda waiting, newer: waiting + newer)
    throttle.offer([1])
    assert got[0][0] == [1]
    throttle.offer([2])
    throttle.offer([3])  # merged into the one waiting
    assert throttle.waiting()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    assert got[1][0] == [2, 3] and got[1][1] - got[0][1] >= 0.2 * 0.9 and not throttle.waiting()


def test_flush_delivers_at_once_and_counts_as_a_delivery(qtbot):
    got = []
    throttle = Throttle(300, got.append)
    throttle.flush()
    assert got == []  # nothing waiting: nothing delivered
    throttle.offer("a")  # after a rest: at once
    throttle.offer("b")
    throttle.offer("c")  # replaces "b"
    throttle.flush()
    assert got == ["a", "c"]
    flushed = time.monotonic()
    throttle.offer("d")
    qtbot.waitUntil(lambda: len(got) == 3, timeout=2000)
    assert got == ["a", "c", "d"] and time.monotonic() - flushed >= 0.3 * 0.9
    qtbot.wait(400)
    assert got == ["a", "c", "d"]  # nothing more was offered


def test_not_at_once_delivers_at_the_next_turn_merging_what_came_in_the_same_turn(qtbot):
    got = []
    throttle = Throttle(200, got.append, merge=lambda waiting, newer: waiting + newer, at_once=False)
    start = time.monotonic()
    throttle.offer([1])
    throttle.offer([2])
    assert got == [] and throttle.waiting()  # never inside offer()
    qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
    assert got == [[1, 2]] and time.monotonic() - start < 0.2
