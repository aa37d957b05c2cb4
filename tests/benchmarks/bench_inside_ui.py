"""How long the window stalls while the Inside part works in the background.

Run: python tests/benchmarks/bench_inside_ui.py

The seed convnet (random weights; the computation costs the same) in the real
Inside part: a 5 ms QTimer on the UI thread records its gaps while (1) nothing
runs (the baseline, same run), (2) 32 units of the last convolution are
maximised, (3) a t-SNE of 2,000 generated 28x28 images is computed. The
figure is the longest gap between ticks (the longest the window could not
react) and its ratio to the baseline; the target is under 33 ms (two frames).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402

from explorer.core.arrays import frozen_array  # noqa: E402
from explorer.core.model.snapshot import ModelSnapshot  # noqa: E402
from explorer.ui.inside.inside_part import InsidePart  # noqa: E402
from explorer.ui.inside.jobs import TestData  # noqa: E402
from explorer.ui.shell.application import create_application  # noqa: E402


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def gaps_while(part: InsidePart, start=None, idle_s: float = 0.0) -> tuple[np.ndarray, float]:
    ticks = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    began = time.perf_counter()
    if start is None:
        pump(idle_s)
    else:
        start()
        pump(0.05)
        while part.worker.is_busy() or part.progress.isVisible():
            pump(0.02)
    timer.stop()
    return np.diff(ticks) * 1e3, time.perf_counter() - began


def main() -> int:
    import keras

    from explorer.core.model.build import build_model

    app = create_application()  # the app's settings (its GIL switch interval among them)
    keras.utils.set_random_seed(0)
    model = build_model("mnist-convnet")
    snapshot = ModelSnapshot("mnist-convnet", (), (28, 28, 1), tuple(str(i) for i in range(10)),
                             tuple(frozen_array(w) for w in model.get_weights()), "seed convnet, random weights")
    rng = np.random.default_rng(0)
    data = TestData(frozen_array(rng.random((2000, 28, 28, 1), dtype=np.float32)),
                    frozen_array(np.arange(2000) % 10), snapshot.class_names, "generated")
    part = InsidePart()
    part.resize(1200, 800)
    part.show()
    part.build()
    part.set_snapshot(snapshot)
    part.set_test_data(data)
    while part.facts() is None:
        pump(0.05)
    baseline, _ = gaps_while(part, idle_s=3.0)
    units = part.units
    units.first.setValue(32)

    def maximise():
        units.request()

    def tsne():
        view = part.embedding
        view.algorithm.setCurrentIndex(view.algorithm.findData("tsne"))
        view.count.setValue(2000)
        view.compare.setChecked(False)
        view.request()

    base = baseline.max()
    print(f"idle baseline: longest gap {base:.1f} ms (p99 {np.percentile(baseline, 99):.1f} ms)")
    for name, start in (("maximise 32 units of conv2d_2", maximise), ("t-SNE of 2,000 images", tsne)):
        reports = []
        part.worker.progressed.connect(reports.append)
        gaps, took = gaps_while(part, start)
        part.worker.progressed.disconnect(reports.append)
        print(f"  {len(reports)} progress reports;", end=" ")
        print(f"{name}: {took:.1f} s; longest UI gap {gaps.max():.1f} ms (p99 {np.percentile(gaps, 99):.1f} ms), "
              f"{gaps.max() / base:.2f}x the idle baseline; {part.status.text()}")
    part.shutdown()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
