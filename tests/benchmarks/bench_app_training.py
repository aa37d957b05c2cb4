"""Benchmark: training inside the real window, with the live view on.

Run: python tests/benchmarks/bench_app_training.py [--data-dir ../shared/data/mnist] [--samples 20000]

1. Throughput: a plain ``model.fit`` of mnist-convnet (batch 64, rmsprop) on N
   training images, then the same model, data and batch size trained by the
   app's worker thread while the window draws curves, filters and the probe's
   activations. Alternated twice; the ratio of samples/s is the figure
   (target >= 0.95).
2. Responsiveness: a 5 ms QTimer in the UI thread records the largest gap
   between its ticks during the in-app runs (target: no stall above 33 ms).
3. Closing the window mid-training: time until the worker has stopped and
   the window's shutdown has returned (target: the process exits within 2 s).
Uses the real MNIST IDX files if --data-dir has them, else the bundled digits.
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
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402

from explorer.core import tf_backend  # noqa: E402
from explorer.core.datasets import load_dataset  # noqa: E402
from explorer.core.models import build_model  # noqa: E402
from explorer.core.train_types import TrainConfig  # noqa: E402
from explorer.ui.application import create_application  # noqa: E402
from explorer.ui.main_window import MainWindow  # noqa: E402


class StallMeter:
    """Largest gap between ticks of a 5 ms timer: how long the UI thread was unresponsive."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = None
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append((now - self._last) * 1e3)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


def plain_fit(dataset, samples: int, batch: int, epochs: int) -> float:
    tf_backend.load()
    model = build_model("mnist-convnet", dataset.input_shape, dataset.num_classes)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = dataset.x_train[:samples], dataset.y_train[:samples]
    model.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)  # build and trace first
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    return samples * epochs / (time.perf_counter() - start)


def app_fit(window, dataset, config: TrainConfig, meter: StallMeter | None) -> float:
    """Train through the studio; samples/s over the fit (from the worker's own epoch timing)."""
    studio = window.training
    rates = []
    studio.controller.progressed.connect(lambda u: u.kind == "epoch" and rates.append(u.samples_per_s))
    loop = QEventLoop()  # block in Qt's event loop as the app does (a processEvents spin would steal a core)
    studio.running_changed.connect(lambda running: running or loop.quit())
    if meter is not None:
        meter.start()
    studio.start(config, dataset=dataset, checkpoint_dir=None)
    loop.exec()
    if meter is not None:
        meter.stop()
    return statistics.mean(rates) if rates else float("nan")


def close_while_training(dataset) -> float:
    window = MainWindow(auto_load_tf=False)
    window.resize(1280, 800)
    window.show()
    window.select_part("training")
    window.wait_until_ready()
    studio = window.training
    batches = []
    studio.controller.progressed.connect(lambda u: u.kind == "batch" and batches.append(u.batch))
    studio.start(TrainConfig(model="mnist-convnet", dataset="mnist", epochs=50, batch_size=64), dataset=dataset,
                 checkpoint_dir=None)
    while len(batches) < 3:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    start = time.perf_counter()
    window.close()  # closeEvent: stop the worker and wait for it
    elapsed = time.perf_counter() - start
    assert not studio.controller.is_running()
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--samples", type=int, default=20000, help="training images per run (default 20000)")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args(argv)
    create_application()
    tf_backend.load()
    tf_backend.warm_up()  # as the app's loader thread does at start-up
    try:
        dataset = load_dataset("mnist", data_dir=args.data_dir, limit=args.samples)
    except Exception as exc:  # no MNIST here: the bundled digits still measure the ratio
        print(f"MNIST not available ({exc}); using the bundled digits")
        dataset = load_dataset("digits")
    samples = len(dataset.x_train)
    batch = 64
    print(f"{dataset.source}: {samples} training images, batch {batch}, {args.epochs} epoch(s) per run")
    window = MainWindow(auto_load_tf=False)
    window.resize(1280, 800)
    window.show()
    window.select_part("training")
    window.wait_until_ready()
    config = TrainConfig(model="mnist-convnet", dataset="mnist", epochs=args.epochs, batch_size=batch,
                         validation_split=0.0)
    meter = StallMeter()
    plain, app, stalls = [], [], []
    for _ in range(2):  # alternate to share the machine's noise fairly
        plain.append(plain_fit(dataset, samples, batch, args.epochs))
        app.append(app_fit(window, dataset, config, None))
    # A separate run for responsiveness: the 5 ms timer itself wakes the UI thread 200 times a second.
    app_fit(window, dataset, config, meter)
    stalls.extend(meter.gaps)
    window.close()
    ratio = statistics.mean(app) / statistics.mean(plain)
    print(f"plain model.fit: {', '.join(f'{r:,.0f}' for r in plain)} samples/s")
    print(f"in the app (live view on): {', '.join(f'{r:,.0f}' for r in app)} samples/s")
    print(f"throughput ratio app / plain: {ratio:.3f} (target >= 0.95) -> {'met' if ratio >= 0.95 else 'MISSED'}")
    stalls.sort()
    worst = stalls[-1] if stalls else float("nan")
    p99 = stalls[int(0.99 * (len(stalls) - 1))] if stalls else float("nan")
    print(f"UI event loop during training: {len(stalls)} ticks of a 5 ms timer, median gap "
          f"{statistics.median(stalls):.1f} ms, p99 {p99:.1f} ms, largest {worst:.1f} ms (target <= 33 ms) -> "
          f"{'met' if worst <= 33 else 'MISSED'}")
    closing = close_while_training(dataset)
    print(f"closing the window mid-training: worker stopped and joined in {closing:.2f} s (target: exit within 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
