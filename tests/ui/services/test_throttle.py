"""Throttle: at once after a rest, at most once per interval while pokes go on, always the last."""

from __future__ import annotations

import time

from explorer.ui.services.throttle import Throttle


def test_a_poke_after_a_rest_acts_at_once(qtbot):
    calls = []
    throttle = Throttle(50, lambda: calls.append(time.perf_counter()))
    throttle.poke()
    assert len(calls) == 1  # synchronously, no timer involved
    qtbot.wait(150)
    assert len(calls) == 1  # nothing changed meanwhile: no trailing call


def test_continuous_pokes_act_once_per_interval_and_once_more_at_the_end(qtbot):
    calls = []
    throttle = Throttle(40, lambda: calls.append(time.perf_counter()))
    start = time.perf_counter()
    while time.perf_counter() - start < 0.4:  # poke every ~5 ms for 400 ms
        throttle.poke()
        qtbot.wait(5)
    during = len(calls)
    last_poke = time.perf_counter()
    qtbot.wait(150)
    assert during >= 6, during  # a debounce would give 1 (the first poke) here
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert min(gaps) > 0.03, gaps  # never more often than the interval (with timer slack)
    assert calls[-1] >= last_poke - 0.045  # the trailing call covers the last poke
    assert len(calls) <= during + 1
