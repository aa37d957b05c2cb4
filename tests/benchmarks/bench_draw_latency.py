"""Benchmark: drawing pad latency, from a stroke to the guess and every layer on screen.

Run: python tests/benchmarks/bench_draw_latency.py [--strokes 60]

For mnist-convnet: the compute of one prediction plus all activations (the
classifier thread's own timing; target <= 2 ms), and the whole path from a
changed drawing to the probabilities and activations drawn in the window
(preprocessing, thread hop, prediction, drawing), idle and while the training
studio trains another model. Baselines measured in the same run:
model.predict and an eager model(x) call with all activations.
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

import numpy as np  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402

from explorer.core import tf_backend  # noqa: E402
from explorer.core.model.build import build_model  # noqa: E402
from explorer.core.model.snapshot import ModelSnapshot  # noqa: E402
from explorer.core.predict.drawing import Stroke  # noqa: E402
from explorer.core.train.config import TrainConfig  # noqa: E402
from explorer.ui.shell.application import create_application  # noqa: E402
from explorer.ui.shell.main_window import MainWindow  # noqa: E402


def pump(predicate, timeout=30.0):
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)


def strokes(i: int):
    wobble = 0.02 * np.sin(i)
    return [Stroke(((0.3 + wobble, 0.25, 1.0), (0.7, 0.25, 1.0), (0.45 + wobble, 0.8, 1.0)), width=0.08)]


def measure(window, count: int) -> tuple[list[float], list[float]]:
    """(compute ms, stroke-to-screen ms) for `count` drawings."""
    pad = window.draw
    compute, total = [], []
    for i in range(count):
        pad.canvas.set_strokes(strokes(i))
        done = []
        loop = QEventLoop()  # block as the app does: a processEvents spin would compete for the GIL
        connection = pad.classified.connect(lambda result: (done.append(result), loop.quit()))
        start = time.perf_counter()
        pad.classify_now()  # what the 16 ms stroke timer calls
        if not done:
            loop.exec()
        pad.activations.repaint()
        pad.bars.repaint()
        total.append((time.perf_counter() - start) * 1e3)
        compute.append(done[0].elapsed_ms)
        pad.classified.disconnect(connection)
    return compute, total


def baselines(model, image, reps=50):
    tf = tf_backend.load()
    keras = tf.keras
    everything = keras.Model(model.inputs, [layer.output for layer in model.layers])
    batch = image[None]
    out = {}
    for label, call in (("model.predict", lambda: model.predict(batch, verbose=0)),
                        ("eager call, all activations", lambda: [t.numpy() for t in everything(batch)])):
        call()
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1e3)
        out[label] = statistics.median(times)
    return out


def line(label, values):
    values = sorted(values)
    return (f"{label:<44} median {statistics.median(values):6.2f} ms   p95 "
            f"{values[int(0.95 * (len(values) - 1))]:6.2f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=60)
    args = parser.parse_args(argv)
    create_application()
    tf_backend.load()
    window = MainWindow(auto_load_tf=False)
    window.resize(1280, 800)
    window.show()
    window.select_part("draw")
    window.wait_until_ready()
    model = build_model("mnist-convnet")
    snapshot = ModelSnapshot("mnist-convnet", (), (28, 28, 1), tuple("0123456789"),
                             tuple(np.array(w) for w in model.get_weights()), "benchmark weights")
    window.inference.set_snapshot(snapshot)
    pump(window.inference.has_model)
    measure(window, 5)  # warm-up: traces the compiled function
    idle_compute, idle_total = measure(window, args.strokes)

    studio = window.training
    studio.build()
    studio.start(TrainConfig(model="lenet5", dataset="digits", epochs=100, batch_size=32), checkpoint_dir=None)
    pump(lambda: studio.controller.is_running())
    time.sleep(1.0)
    busy_compute, busy_total = measure(window, args.strokes)
    studio.controller.stop()
    studio.controller.wait()

    image = window.draw._preprocessed.final
    base = baselines(model, image)
    print(f"mnist-convnet, {args.strokes} drawings each; window offscreen")
    print(line("compute (prediction + all activations), idle", idle_compute))
    print(line("compute while a model trains", busy_compute))
    print(line("drawing -> guess and layers on screen, idle", idle_total))
    print(line("drawing -> on screen, while a model trains", busy_total))
    for label, value in base.items():
        print(f"baseline {label:<35} median {value:6.2f} ms")
    worst = max(statistics.median(idle_compute), statistics.median(busy_compute))
    print(f"target compute <= 2 ms: idle {statistics.median(idle_compute):.2f} ms, while training "
          f"{statistics.median(busy_compute):.2f} ms -> {'met' if worst <= 2 else 'MISSED'}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
