"""Benchmark: transfer learning on few images, against the same network from scratch; frozen-base speed.

Run: python tests/benchmarks/bench_transfer.py [--data-dir /work/shared/data/mnist]
         [--cache-dir DIR] [--seeds 3] [--epochs 30] [--per-class 10 30 100]

1. A base: mnist-convnet trained through the app's :class:`Trainer` on MNIST
   digits 0-4 (3 epochs; cached as ``base04.keras`` in the cache folder, by
   default under the temp folder).
2. Digits 5-9 with N training images a class (drawn with the seed): the
   "feature extraction" preset (the conv base, every layer up to Flatten,
   frozen; a new softmax Dense) against the same network reinitialised
   ("from scratch", everything trainable), same images, same epochs, test
   accuracy on every MNIST test image of 5-9; the mean and range over the
   seeds, and the ratio transfer / scratch. At the smallest N the same
   feature extraction written in plain Keras is measured too (the baseline
   of the app's own path), and the cut after the Dense 64 instead of the conv
   base (the brief's measurement: 0.39-0.51). Reference, plain Keras: 0.80-0.83 against
   0.67-0.76 at 10 a class; the gap narrows as N grows.
3. Speed: samples/s of the frozen-base model against the same model fully
   trainable (5,000 images, 2 epochs each, the Trainer's own rate).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

import numpy as np  # noqa: E402

from explorer.core.model import transfer  # noqa: E402
from explorer.core.model.model_files import load_model, save_model  # noqa: E402
from explorer.core.train import datasets  # noqa: E402
from explorer.core.train.config import TrainConfig  # noqa: E402
from explorer.core.train.subsets import subset_dataset  # noqa: E402
from explorer.core.train.trainer import Trainer  # noqa: E402
from explorer.core.train.updates import Finished  # noqa: E402

OLD, NEW = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
BATCH = 32


def run(config: TrainConfig, data) -> Finished:
    ended = []
    Trainer(config, dataset=data, checkpoint_dir=None).run(ended.append)
    final = ended[-1]
    if not isinstance(final, Finished):
        raise SystemExit(f"run failed: {final.message}")
    return final


def base_file(mnist, cache_dir: Path) -> Path:
    path = cache_dir / "base04.keras"
    if path.exists():
        print(f"base: cached {path}")
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    trainer = Trainer(TrainConfig(model="mnist-convnet", epochs=3, batch_size=64, seed=0),
                      dataset=subset_dataset(mnist, OLD), checkpoint_dir=None)
    ended = []
    trainer.run(ended.append)
    save_model(trainer.model, path)
    print(f"base: mnist-convnet on digits 0-4, 3 epochs, {ended[-1].evaluation.test_accuracy:.4f} test accuracy "
          f"on 0-4 ({time.perf_counter() - start:.0f} s) -> {path}")
    return path


def plain_keras_feature_extraction(base_path: Path, data, epochs: int, seed: int) -> float:
    """The same experiment without the app: Keras layers of the loaded base, frozen, and a new Dense."""
    import keras

    keras.utils.set_random_seed(seed)
    base = load_model(base_path)
    conv_base = keras.Model(base.inputs, base.get_layer("flatten").output)
    conv_base.trainable = False
    model = keras.Sequential([keras.Input((28, 28, 1)), conv_base, keras.layers.Dense(5, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.asarray(data.x_train), np.asarray(data.y_train), batch_size=BATCH, epochs=epochs, verbose=0)
    return float(model.evaluate(np.asarray(data.x_test), np.asarray(data.y_test), verbose=0)[1])


def spread(values) -> str:
    return f"{statistics.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/work/shared/data/mnist")
    parser.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "fme-bench-transfer"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--per-class", type=int, nargs="+", default=[10, 30, 100])
    args = parser.parse_args()

    mnist = datasets.load_dataset("mnist", data_dir=args.data_dir)
    path = base_file(mnist, Path(args.cache_dir))
    base = load_model(path)
    kept = transfer.kept_layer_names(base)
    frozen, _ = transfer.preset_frozen_layers(base, "", "feature extraction")
    print(f"kept (the conv base): {', '.join(kept)}")
    common = dict(base=str(path), epochs=args.epochs, batch_size=BATCH, validation_split=0.0)
    for n in args.per_class:
        rows = {"transfer": [], "scratch": [], "plain keras": [], "dense cut": []}
        start = time.perf_counter()
        for seed in range(args.seeds):
            data = subset_dataset(mnist, NEW, per_class=n, seed=seed)
            rows["transfer"].append(run(TrainConfig(**common, frozen_layers=frozen, seed=seed), data)
                                    .evaluation.test_accuracy)
            rows["scratch"].append(run(TrainConfig(**common, reinitialise=True, seed=seed), data)
                                   .evaluation.test_accuracy)
            if n == min(args.per_class):
                rows["plain keras"].append(plain_keras_feature_extraction(path, data, args.epochs, seed))
                # Why the default cut is the conv base: keeping the Dense 64 too transfers badly.
                dense_frozen, _ = transfer.preset_frozen_layers(base, "dense", "feature extraction")
                rows["dense cut"].append(run(TrainConfig(**common, keep_up_to="dense", frozen_layers=dense_frozen,
                                                         seed=seed), data).evaluation.test_accuracy)
        test_count = len(subset_dataset(mnist, NEW).y_test)
        print(f"\n{n} images a class ({5 * n} in all), {args.epochs} epochs, {args.seeds} seeds, "
              f"test accuracy on {test_count:,} test images of 5-9 ({time.perf_counter() - start:.0f} s):")
        print(f"  feature extraction (app): {spread(rows['transfer'])}")
        print(f"  from scratch (same net):  {spread(rows['scratch'])}")
        if rows["plain keras"]:
            print(f"  feature extraction (plain Keras baseline): {spread(rows['plain keras'])}; "
                  f"app / plain = {statistics.mean(rows['transfer']) / statistics.mean(rows['plain keras']):.3f}")
        if rows["dense cut"]:
            print(f"  feature extraction keeping the Dense 64 too: {spread(rows['dense cut'])}")
        gap = statistics.mean(rows["transfer"]) - statistics.mean(rows["scratch"])
        print(f"  transfer / scratch = {statistics.mean(rows['transfer']) / statistics.mean(rows['scratch']):.3f} "
              f"(gap {gap:+.3f})")

    data = subset_dataset(mnist, NEW, per_class=1000, seed=0)
    speed = {}
    for label, extra in (("frozen base", dict(frozen_layers=frozen)), ("all trainable", {})):
        speed[label] = run(TrainConfig(**{**common, "epochs": 2, "batch_size": 64}, **extra), data).samples_per_s
    print(f"\nspeed on {len(data.y_train):,} images, batch 64: frozen base {speed['frozen base']:,.0f} samples/s, "
          f"fully trainable {speed['all trainable']:,.0f} samples/s, "
          f"ratio {speed['frozen base'] / speed['all trainable']:.2f}")


if __name__ == "__main__":
    main()
