"""Benchmark: the training worker's throughput, memory and the Predictor's latency.

Run: python tests/benchmarks/bench_training.py [--data-dir ../shared/data/mnist]
                                               [--samples 12000] [--epochs 2] [--repeats 4]
                                               [--split 0.1] [--levers] [--only throughput]
The issue's figure: --samples 60000 --epochs 5 --split 0 --only throughput.

1. Throughput. mnist-convnet, batch 64, rmsprop, on the first N real MNIST
   training images: the seed's plain ``model.fit`` (verbose=0) against the
   same through :class:`Trainer` with everything on (a probe image, weight
   snapshots, throttled batch updates, a checkpoint per epoch). Both are
   timed alike, from the end of each epoch's first batch to its last (the
   Trainer's own samples/s; with several steps per call, from the end of its
   first call): compiling the step is left out of both. Each run ends with
   the test accuracy. The runs alternate after an unmeasured warm-up; the
   median of each side is compared. Target: Trainer / plain >= 1.3, test
   accuracy as plain's. --levers adds a plain fit compiled with
   ``steps_per_execution=16``: that lever alone.
2. Memory: RSS after each of 5 short epochs through the Trainer (should be
   flat), then after each of 12 short runs, each a new model: through the
   Trainer, and as a plain build/compile/fit loop for comparison (Keras 3
   keeps every traced step of the plain loop alive: tensorflow#61791).
3. Predictor latency for one 28x28 image with every layer's activations:
   ``model.predict`` vs an eager ``model(x)`` vs :class:`Predictor`, idle
   and while a Trainer runs in another thread (the drawing pad's situation),
   plus the per-update costs inside the training callback (probe, snapshot).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

import numpy as np  # noqa: E402

from explorer.core import tf_backend
from explorer.core.model.build import build_model
from explorer.core.predict.predictor import Predictor  # noqa: E402
from explorer.core.train import datasets  # noqa: E402
from explorer.core.train.config import TrainConfig  # noqa: E402
from explorer.core.train.snapshots import make_snapshot, weights_snapshot  # noqa: E402
from explorer.core.train.trainer import Trainer  # noqa: E402
from explorer.core.train.updates import BatchDone, EpochDone, Finished, RunStarted  # noqa: E402

BATCH = 64
SPLIT = 0.1


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def epoch_clock(keras, n_fit: int):
    """A callback that times fit() as the Trainer times itself: from the end of each epoch's first batch
    to the end of its last (``samples``, ``seconds`` summed over the epochs).

    It is ``async_safe``: Keras still hands batch ends to its callback thread,
    as in a plain fit without callbacks of its own, so the clock slows nothing.
    """

    class Clock(keras.callbacks.Callback):
        async_safe = True

        def __init__(self):
            super().__init__()
            self.samples, self.seconds, self._first, self._last = 0, 0.0, None, 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._first = None

        def on_train_batch_end(self, step, logs=None):
            self._last = time.perf_counter()
            if self._first is None:
                self._first = (self._last, step)

        def on_epoch_end(self, epoch, logs=None):
            start, step = self._first
            self.samples += n_fit - (step + 1) * BATCH
            self.seconds += self._last - start

    return Clock()


def plain_fit(data, epochs: int, seed: int, split: float = SPLIT, steps: int = 1) -> tuple[float, float, float]:
    """(samples/s from the end of each epoch's first batch, CPU ms per sample, test accuracy).

    The seed's own code: ``model.fit(x, y, batch_size=64, epochs=...)``
    (`steps` > 1: the same with ``compile(steps_per_execution=steps)``, one lever alone).
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = build_model("mnist-convnet", input_shape=data.input_shape, num_classes=data.num_classes)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps)
    n_fit = int(len(data.x_train) * (1 - split))
    clock = epoch_clock(keras, n_fit)
    cpu = time.process_time()
    model.fit(data.x_train, data.y_train, batch_size=BATCH, epochs=epochs, validation_split=split, verbose=0,
              callbacks=[clock])
    cpu = time.process_time() - cpu
    accuracy = model.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0, return_dict=True)["accuracy"]
    return clock.samples / clock.seconds, cpu * 1e3 / (n_fit * epochs), float(accuracy)


def trainer_fit(data, epochs: int, seed: int, checkpoints: str | None,
                split: float = SPLIT) -> tuple[float, float, float, dict]:
    """(samples/s as the Trainer reports them, CPU ms per sample, test accuracy, what the updates carried)."""
    config = TrainConfig(model="mnist-convnet", optimizer="rmsprop", batch_size=BATCH, epochs=epochs,
                         validation_split=split, seed=seed)
    trainer = Trainer(config, dataset=data, checkpoint_dir=checkpoints)
    trainer.set_probe(data.x_test[0])
    marks: dict = {"batch": 0, "weights": 0, "probe": 0, "batch_times": []}
    latest = []

    def report(update):
        if isinstance(update, RunStarted):  # just before fit() is called
            marks["cpu"] = time.process_time()
        elif isinstance(update, EpochDone):
            marks["cpu_end"] = time.process_time()
        elif isinstance(update, BatchDone):
            marks["batch"] += 1
            marks["weights"] += update.weights is not None
            marks["probe"] += update.probe is not None
            marks["batch_times"].append(time.perf_counter())
        latest[:] = [update]  # the UI keeps only the newest update

    trainer.run(report)
    cpu = marks["cpu_end"] - marks["cpu"]  # fit() alone, as on the plain side
    final = latest[0]
    assert isinstance(final, Finished), final.message
    marks["steps"] = trainer.steps_per_execution
    gaps = np.diff(marks["batch_times"])
    marks["updates_per_s"] = 1 / float(np.median(gaps)) if len(gaps) else float("nan")
    n_fit = int(len(data.x_train) * (1 - split))
    return final.samples_per_s, cpu * 1e3 / (n_fit * epochs), final.evaluation.test_accuracy, marks


def throughput(data, epochs: int, repeats: int, split: float, levers: bool) -> None:
    n_fit = int(len(data.x_train) * (1 - split))
    print(f"\n1. throughput: mnist-convnet, batch {BATCH}, rmsprop, {len(data.x_train):,} MNIST images "
          f"({n_fit:,} trained per epoch, {len(data.x_train) - n_fit:,} validation), {epochs} epochs per run; "
          "samples/s from the end of each epoch's first batch (the Trainer: of its first call)")
    sides = {"plain": [], "trainer": []} | ({"plain+spe16": []} if levers else {})
    with tempfile.TemporaryDirectory() as checkpoints:
        # Warm-up on a slice: TensorFlow's first-use costs go to neither side.
        warm = dataclasses.replace(data, x_train=data.x_train[:2000], y_train=data.y_train[:2000],
                                   x_test=data.x_test[:500], y_test=data.y_test[:500])
        plain_fit(warm, 1, 99, split)
        trainer_fit(warm, 1, 99, checkpoints, split)
        names = list(sides)
        for r in range(repeats):  # alternate, so that the machine's noise falls on every side
            for which in names if r % 2 == 0 else names[::-1]:
                if which == "trainer":
                    rate, cpu, accuracy, marks = trainer_fit(data, epochs, 0, checkpoints, split)
                    extra = (f"; {marks['steps']} steps per call, {marks['batch']} batch updates "
                             f"({marks['updates_per_s']:.2f}/s), {marks['weights']} weight snapshots, "
                             f"{marks['probe']} probes, {epochs} checkpoints")
                else:
                    rate, cpu, accuracy = plain_fit(data, epochs, 0, split, 16 if which == "plain+spe16" else 1)
                    extra = ""
                sides[which].append((rate, cpu, accuracy))
                print(f"   {which:12s} {rate:6.0f} samples/s, CPU {cpu:.3f} ms/sample, test accuracy "
                      f"{accuracy:.4f}{extra}", flush=True)
    plain = statistics.median(r for r, _, _ in sides["plain"])
    for which, runs in sides.items():
        rate = statistics.median(r for r, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        plain_cpu = statistics.median(c for _, c, _ in sides["plain"])
        accuracy = min(a for _, _, a in runs)
        print(f"   median {which:12s} {rate:6.0f} samples/s -> ratio to plain {rate / plain:.3f}; CPU time per "
              f"sample ratio plain/this {plain_cpu / cpu:.3f}; lowest test accuracy {accuracy:.4f}")
    ratio = statistics.median(r for r, _, _ in sides["trainer"]) / plain
    pairs = [t[0] / p[0] for t, p in zip(sides["trainer"], sides["plain"])]
    print(f"   Trainer / plain model.fit: {ratio:.3f} (target >= 1.3) {'OK' if ratio >= 1.3 else 'BELOW TARGET'}; "
          f"pairwise {', '.join(f'{p:.2f}' for p in pairs)}")


def memory(data) -> None:
    print("\n2. memory: RSS after each epoch (5 epochs of 5,400 images, probe + snapshots + checkpoints on)")
    config = TrainConfig(model="mnist-convnet", batch_size=BATCH, epochs=5, validation_split=SPLIT, limit=6000)
    with tempfile.TemporaryDirectory() as checkpoints:
        for label in ("first run in this process", "second run (allocators warm)"):
            readings = []
            trainer = Trainer(config, dataset=data, checkpoint_dir=checkpoints)
            trainer.set_probe(data.x_test[0])

            def report(update):
                if isinstance(update, EpochDone):
                    readings.append(rss_mb())

            trainer.run(report)
            del trainer
            print(f"   {label:30s} RSS MB: " + ", ".join(f"{r:.0f}" for r in readings)
                  + f"   (epoch 1 -> 5: {readings[-1] - readings[0]:+.1f} MB)")
    runs_config = TrainConfig(model="mnist-convnet", batch_size=BATCH, epochs=1, validation_split=0.0, limit=1000)

    def trainer_run():
        Trainer(runs_config, dataset=data, checkpoint_dir=None).run(lambda update: None)

    def plain_run():
        model = build_model("mnist-convnet", data.input_shape, data.num_classes)
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(data.x_train[:1000], data.y_train[:1000], batch_size=BATCH, epochs=1, verbose=0)

    for label, run in (("12 Trainer runs", trainer_run), ("12 plain fit loops", plain_run)):
        readings = []
        for _ in range(12):
            run()
            gc.collect()
            readings.append(rss_mb())
        print(f"   {label:30s} RSS MB: " + ", ".join(f"{r:.0f}" for r in readings)
              + f"   (runs 4 -> 12: {(readings[-1] - readings[3]) / 8:+.1f} MB a run)")


def timed(function, count: int) -> tuple[float, float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def latency(data) -> None:
    import keras

    print("\n3. one 28x28 image + every layer's activations (median / p95 ms)")
    keras.utils.set_random_seed(0)
    model = build_model("mnist-convnet")
    image = np.array(data.x_test[0])
    batch = image[None]
    layer_model = keras.Model(model.inputs[0], [layer.output for layer in model.layers])
    predictor = Predictor(model)
    for _ in range(3):
        layer_model.predict(batch, verbose=0)
        layer_model(batch)
        predictor.predict(image)
    rows = [
        ("model.predict (all layers)", lambda: layer_model.predict(batch, verbose=0), 30),
        ("eager call (all layers)", lambda: layer_model(batch), 200),
        ("Predictor.predict", lambda: predictor.predict(image), 1000),
    ]
    for name, function, count in rows:
        median, p95 = timed(function, count)
        print(f"   idle            {name:28s} {median:7.2f} / {p95:7.2f}")
    median, p95 = timed(lambda: weights_snapshot(model), 200)
    print(f"   callback costs  weight snapshot (read-only copies) {median:.2f} / {p95:.2f}")
    median, p95 = timed(lambda: predictor.saliency(image, 3), 200)
    print(f"   idle            {'Predictor.saliency':28s} {median:7.2f} / {p95:7.2f}")
    median, p95 = timed(lambda: predictor.grad_cam(image, 3), 200)
    print(f"   idle            {'Predictor.grad_cam':28s} {median:7.2f} / {p95:7.2f}")

    # While a Trainer runs: the drawing pad's own copy follows the training weights.
    config = TrainConfig(model="mnist-convnet", batch_size=BATCH, epochs=100, validation_split=0.0)
    trainer = Trainer(config, dataset=data, checkpoint_dir=None)
    trainer.set_probe(image)
    started, snapshots, rates = [], [], []

    def report(update):
        if isinstance(update, RunStarted):
            started.append(update)
        if getattr(update, "weights", None) is not None:
            snapshots.append(update.weights)
        if isinstance(update, BatchDone) and update.batch > 1:
            rates.append(update.samples_per_s)

    worker = threading.Thread(target=trainer.run, args=(report,))
    worker.start()
    while not snapshots:
        time.sleep(0.05)
    time.sleep(1.0)
    pad = Predictor.from_snapshot(make_snapshot(config, started[0], snapshots[-1], "training"))
    rate_before = rates[-1]
    results = {}
    for name, function, count in (("Predictor.predict", lambda: pad.predict(image), 1500),
                                  ("Predictor.set_weights", lambda: pad.set_weights(snapshots[-1]), 200),
                                  ("eager call (all layers)", lambda: layer_model(batch), 200)):
        results[name] = timed(function, count)
    rate_during = rates[-1]
    trainer.stop()
    worker.join()
    for name, (median, p95) in results.items():
        print(f"   while training  {name:28s} {median:7.2f} / {p95:7.2f}")
    print(f"   (training ran at {rate_before:.0f} samples/s before and {rate_during:.0f} while being queried "
          f"non-stop)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"))
    parser.add_argument("--samples", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--split", type=float, default=SPLIT, help="validation split of the throughput runs")
    parser.add_argument("--levers", action="store_true",
                        help="also time a plain fit with steps_per_execution=16 (that lever alone)")
    parser.add_argument("--only", choices=("throughput", "memory", "latency"))
    args = parser.parse_args()
    tf = tf_backend.load()
    data = datasets.load_dataset("mnist", data_dir=args.data_dir, limit=args.samples)
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, "
          f"oneDNN {'off' if os.environ.get('TF_ENABLE_ONEDNN_OPTS') == '0' else 'on (default)'}; {data.source}")
    if args.only in (None, "throughput"):
        throughput(data, args.epochs, args.repeats, args.split, args.levers)
    if args.only in (None, "memory"):
        memory(data)
    if args.only in (None, "latency"):
        latency(data)


if __name__ == "__main__":
    main()
