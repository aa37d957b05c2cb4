"""Accuracy run: the course's MNIST convnet trained by the app's Trainer reaches the seed's figure.

Run: python tests/benchmarks/mnist_accuracy.py [--data-dir ../shared/data/mnist]
                                               [--epochs 5] [--validation-split 0] [--seed 0]

Seed 000 (Deep Learning with Python, 5.1): mnist-convnet, rmsprop, batch 64,
5 epochs on all 60,000 training images, test accuracy 0.9921. Target here:
>= 0.991 on the 10,000 test images. The run goes through
:class:`explorer.core.train.trainer.Trainer` exactly as the training studio does
(probe image and weight snapshots on), so it also checks that nothing in the
worker costs accuracy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from explorer.core import tf_backend
from explorer.core.train import datasets  # noqa: E402
from explorer.core.train.config import TrainConfig  # noqa: E402
from explorer.core.train.trainer import Trainer  # noqa: E402
from explorer.core.train.updates import RUN_ENDS, EpochDone  # noqa: E402

TARGET = 0.991
SEED_FIGURE = 0.9921


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--validation-split", type=float, default=0.0,
                        help="0 as in the seed (all 60,000 images train); the app's default is 0.1")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tf = tf_backend.load()
    data = datasets.load_dataset("mnist", data_dir=args.data_dir)
    print(f"TensorFlow {tf.__version__}; {data.source}: {len(data.x_train):,} training, "
          f"{len(data.x_test):,} test images")
    config = TrainConfig(model="mnist-convnet", dataset="mnist", optimizer="rmsprop", batch_size=64,
                         epochs=args.epochs, validation_split=args.validation_split, seed=args.seed)
    trainer = Trainer(config, dataset=data, checkpoint_dir=None)
    trainer.set_probe(data.x_test[0])
    final = []
    start = time.perf_counter()

    def report(update):
        if isinstance(update, EpochDone):
            metrics = "  ".join(f"{key} {value:.4f}" for key, value in update.metrics.items())
            print(f"epoch {update.epoch}/{update.epochs}  {metrics}  {update.samples_per_s:,.0f} samples/s",
                  flush=True)
        elif isinstance(update, RUN_ENDS):
            final.append(update)

    trainer.run(report)
    update = final[-1]
    if getattr(update, "evaluation", None) is None:
        print(f"{type(update).__name__}: {update.message}")
        return 1
    accuracy = update.evaluation.test_accuracy
    print(f"test accuracy {accuracy:.4f}  test loss {update.evaluation.test_loss:.4f}  "
          f"({time.perf_counter() - start:.0f} s; seed notebook {SEED_FIGURE}, target >= {TARGET}) "
          f"{'OK' if accuracy >= TARGET else 'BELOW TARGET'}")
    return 0 if accuracy >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
