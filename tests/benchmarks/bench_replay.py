"""Benchmark: scrubbing the training studio's timeline, from a slider step to every view redrawn.

Run: python tests/benchmarks/bench_replay.py [--epochs 30] [--limit 600] [--steps 40] [--data-dir DIR]

Trains mnist-convnet in the real window (the offline digits, or MNIST from
--data-dir) and, while it trains and after it was stopped, moves the
timeline's slider from moment to moment as a hand would, each step at least
one scrub interval after the last (so the throttle hands it on at once): the
time from the slider's step until the curves and filters show that moment
and the probe's activations, recomputed from its weights on the replay
thread, are drawn. Target: at most 100 ms per step. Baseline measured in the
same run: one ``Predictor.predict`` of the probe (a copy of the model,
compiled), the least any step must do.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402

from explorer.core.train.config import TrainConfig  # noqa: E402
from explorer.ui.shell.application import create_application  # noqa: E402
from explorer.ui.shell.main_window import MainWindow  # noqa: E402
from explorer.ui.training.timeline import SCRUB_INTERVAL_MS  # noqa: E402

TARGET_MS = 100.0


def pump(predicate, timeout=120.0):
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)


def settle(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)


def scrub(studio, steps: int) -> list[float]:
    """Milliseconds per slider step until curves, filters and the probe's activations show the moment."""
    timeline, replay = studio.replay.timeline, studio.replay
    times = []
    for step in range(steps):
        count = len(timeline.moments())
        if count < 2:
            break
        index = (timeline.slider.value() + 1 + step % 2) % count  # never the moment shown
        if index == timeline.slider.value():
            index = (index + 1) % count
        settle(SCRUB_INTERVAL_MS / 1e3 * 1.2)  # a hand's pace: the throttle hands this step on at once
        before = replay.probe_prediction
        start = time.perf_counter()
        timeline.go_to(index)
        pump(lambda: replay.probe_prediction is not before and not studio.activations.is_drawing())
        QCoreApplication.processEvents()  # the paints the step asked for
        times.append((time.perf_counter() - start) * 1e3)
    return times


def report(name: str, times: list[float], baseline_ms: float) -> None:
    if not times:
        print(f"{name}: no steps (fewer than two moments)")
        return
    median = statistics.median(times)
    print(f"{name}: median {median:.1f} ms, 90th percentile {sorted(times)[int(0.9 * (len(times) - 1))]:.1f} ms, "
          f"max {max(times):.1f} ms over {len(times)} steps; {median / baseline_ms:.1f}x the baseline; "
          f"target <= {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--limit", type=int, default=600)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    dataset = "mnist" if args.data_dir else "digits"
    config = TrainConfig(model="mnist-convnet", dataset=dataset, data_dir=args.data_dir or None, epochs=args.epochs,
                         batch_size=32, limit=args.limit, validation_split=0.1)

    app = create_application([])
    window = MainWindow(auto_load_tf=False)
    window.resize(1280, 800)
    window.show()
    window.select_part("training")
    assert window.wait_until_ready()
    studio = window.training
    studio.tabs.setCurrentWidget(studio.activations)
    replayed = []
    studio.replayed.connect(replayed.append)
    # One run (a second in the same window is not needed): scrubbed while it trains, then after it stopped.
    assert studio.start(config, checkpoint_dir=None)
    pump(lambda: len(studio.replay.moments()) >= 3, timeout=600)

    # The first replay builds the replay thread's own model (once per architecture): not a step.
    start = time.perf_counter()
    studio.replay.timeline.go_to(0)
    pump(lambda: studio.replay.probe_prediction is not None)
    print(f"first replay (builds and compiles the replay thread's model): {(time.perf_counter() - start) * 1e3:.0f} ms")
    during = scrub(studio, args.steps // 2)
    studio.replay.end()
    studio.controller.stop()
    pump(lambda: not studio.is_running(), timeout=600)
    settle(0.5)  # the run's last updates, queued to this thread before it ended
    print(f"{len(studio.replay.moments())} moments kept of the run on {dataset}: "
          + ", ".join(m.label for m in studio.replay.moments()))

    from explorer.core.predict.predictor import Predictor

    probe = studio.probe_image()
    predictor = Predictor.from_snapshot(replayed[-1])  # a copy of the model, as the replay thread has
    predictor.predict(probe)
    calls = []
    for _ in range(50):
        start = time.perf_counter()
        predictor.predict(probe)
        calls.append((time.perf_counter() - start) * 1e3)
    baseline = statistics.median(calls)
    print(f"baseline: one Predictor.predict of the probe: {baseline:.2f} ms (median of 50)")
    report("replay step while the run trains", during, baseline)
    report("replay step after the run", scrub(studio, args.steps), baseline)
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
