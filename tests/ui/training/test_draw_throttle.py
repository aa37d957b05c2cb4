"""LatestThrottle: the newest value, at once after a quiet spell, then at most once per interval."""

import time

from explorer.ui.training.draw_throttle import LatestThrottle


def test_the_first_value_goes_at_the_next_turn_and_later_ones_wait_and_merge(qtbot):
    got = []
    throttle = LatestThrottle(200, lambda value: got.append((value, time.monotonic())),
                              merge=lambda waiting, newer: waiting + newer)
    start = time.monotonic()
    throttle.offer([1])
    assert got == [] and throttle.waiting()  # never inside offer()
    qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
    assert got[0][0] == [1] and got[0][1] - start < 0.2
    throttle.offer([2])
    throttle.offer([3])  # merged into the one waiting
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    assert got[1][0] == [2, 3] and got[1][1] - got[0][1] >= 0.2 * 0.9 and not throttle.waiting()


def test_flush_delivers_at_once_and_counts_as_a_delivery(qtbot):
    got = []
    throttle = LatestThrottle(300, got.append)
    throttle.flush()
    assert got == []  # nothing waiting: nothing delivered
    throttle.offer("a")
    throttle.offer("b")  # replaces "a"
    throttle.flush()
    assert got == ["b"]
    flushed = time.monotonic()
    throttle.offer("c")
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    assert got == ["b", "c"] and time.monotonic() - flushed >= 0.3 * 0.9
    qtbot.wait(400)
    assert got == ["b", "c"]  # nothing more was offered
