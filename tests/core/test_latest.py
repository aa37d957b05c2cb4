"""The one-slot mailbox keeps only the newest item and wakes the worker once."""

import threading

from explorer.core.latest import LatestOnly


def test_newest_item_wins_and_only_first_put_wakes():
    box = LatestOnly()
    assert box.put(1) is True
    assert box.put(2) is False  # worker already scheduled
    assert box.put(3) is False
    assert box.take() == 3 and box.dropped == 2
    assert box.take() is None
    assert box.put(4) is True  # idle again: wake


def test_concurrent_producer_and_consumer_lose_nothing_but_stale_items():
    box, taken, done = LatestOnly(), [], threading.Event()

    def consumer():
        while True:
            finished = done.is_set()  # read before taking: nothing can be put after an empty take then
            item = box.take()
            if item is not None:
                taken.append(item)
            elif finished:
                return

    thread = threading.Thread(target=consumer)
    thread.start()
    for i in range(20_000):
        box.put(i)
    done.set()
    thread.join(timeout=10)
    assert taken == sorted(taken)  # in order, never an older item after a newer one
    assert taken[-1] == 19_999  # the last edit is always computed
    assert len(taken) + box.dropped == 20_000


def test_keys_keep_their_own_newest_item_and_the_first_key_is_served_first():
    box = LatestOnly(first="model")
    assert box.put("draw 1", "draw") is True
    assert box.put("probe 1", "probe") is False  # one wake-up in flight
    assert box.put("draw 2", "draw") is False and box.dropped == 1
    assert box.put("new weights", "model") is False
    assert [box.take() for _ in range(4)] == ["new weights", "draw 2", "probe 1", None]
    box.put("x", "draw")
    box.clear()
    assert box.take() is None
