"""Benchmark: explorer.core.lab.ops against TensorFlow's own ops on china.jpg.

Run: python tests/benchmarks/bench_conv.py [--reps 60]

The target (issue #2): one 3x3 map and one 7x7 map of scikit-learn's
china.jpg (427x640x3) must each be no slower than calling tf.nn.conv2d
directly with the same arguments. The machine is shared and noisy, so both
sides are timed in the same run, alternating call by call, and the figure
that matters is the ratio of medians (ours / TensorFlow; below 1 is faster).
Dense random kernels are the headline: they have no zero taps to skip.
Each dense case is shown with the "auto" engine (what the app uses, with
TensorFlow loaded) and with each NumPy engine forced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.datasets import load_sample_image  # noqa: E402

from explorer.core import tf_backend
from explorer.core.lab import kernels, ops  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(label, ours, theirs, reps, block=10):
    """Time both callables in alternating blocks; print and return the ratio of medians.

    Blocks rather than single calls: NumPy's BLAS threads keep spinning for a
    moment after a call and would slow whichever call comes right after.
    """
    np.testing.assert_allclose(ours(), theirs(), rtol=1e-4, atol=1e-3)  # same work, same answer
    a, b = [], []
    for _ in range(max(1, reps // block)):
        a.extend(timed(ours) for _ in range(block))
        b.extend(timed(theirs) for _ in range(block))
    mine, base = statistics.median(a) * 1e3, statistics.median(b) * 1e3
    p90 = sorted(a)[int(0.9 * (reps - 1))] * 1e3
    print(f"{label:<52} {mine:8.2f} {p90:8.2f} {base:8.2f} {mine / base:7.2f}")
    return mine / base


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60, help="timed calls per side (default 60)")
    args = parser.parse_args(argv)

    tf_backend.load()  # as in the app, where TensorFlow loads in the background at start-up
    image = (load_sample_image("china.jpg") / 255.0).astype(np.float32)
    batch = image[None]
    rng = np.random.default_rng(0)
    print(f"china.jpg {image.shape}, {args.reps} calls per side in alternating blocks of 10, TensorFlow {tf.__version__}")
    print(f"{'case':<52} {'ours ms':>8} {'ours p90':>8} {'tf ms':>8} {'ratio':>7}")

    ratios = {}
    for size in (3, 7):  # control: TF against itself shows the run's noise band
        control = rng.standard_normal((size, size, 3, 1)).astype(np.float32)
        same_call = lambda: tf.nn.conv2d(batch, control, strides=1, padding="SAME").numpy()[0]  # noqa: E731
        ratios[f"control {size}x{size}"] = compare(f"control: tf.nn.conv2d {size}x{size} vs itself", same_call,
                                                   same_call, args.reps)
    for size, filters, padding in [(3, 1, "same"), (3, 1, "valid"), (7, 1, "same"), (7, 1, "valid"),
                                   (3, 8, "same"), (7, 8, "same")]:
        bank = rng.standard_normal((size, size, 3, filters)).astype(np.float32)
        plural = "s" if filters > 1 else ""
        for engine in ("auto", "planes", "rows"):
            label = f"conv2d {size}x{size} dense, {filters} map{plural}, {padding}, {engine}"
            ratios[label] = compare(
                label,
                lambda: ops.conv2d(image, bank, padding=padding, engine=engine),
                lambda: tf.nn.conv2d(batch, bank, strides=1, padding=padding.upper()).numpy()[0],
                args.reps,
            )

    for name in ("sharpen", "vertical-line"):
        k2 = kernels.PRESETS[name]
        bank = np.repeat(k2[:, :, None, None], 3, axis=2)
        compare(
            f"conv2d preset {name} ({k2.shape[0]}x{k2.shape[1]}), 1 map, same",
            lambda: ops.conv2d(image, bank, padding="same"),
            lambda: tf.nn.conv2d(batch, bank, strides=1, padding="SAME").numpy()[0],
            args.reps,
        )
        compare(
            f"filter_image {name} vs depthwise_conv2d",
            lambda: ops.filter_image(image, k2),
            lambda: tf.nn.depthwise_conv2d(batch, bank, [1, 1, 1, 1], "SAME").numpy()[0],
            args.reps,
        )

    seed_bank = np.zeros((7, 7, 3, 2), np.float32)
    seed_bank[:, 3, :, 0] = 1  # seed 004's vertical and horizontal line filters
    seed_bank[3, :, :, 1] = 1
    compare("conv2d seed 004 line pair (7x7, 2 maps), same", lambda: ops.conv2d(image, seed_bank, padding="same"),
            lambda: tf.nn.conv2d(batch, seed_bank, strides=1, padding="SAME").numpy()[0], args.reps)
    strided = rng.standard_normal((3, 3, 3, 1)).astype(np.float32)
    compare("conv2d 3x3 dense, stride 2, same", lambda: ops.conv2d(image, strided, stride=2, padding="same"),
            lambda: tf.nn.conv2d(batch, strided, strides=2, padding="SAME").numpy()[0], args.reps)
    compare("pool2d max 2x2", lambda: ops.pool2d(image, 2),
            lambda: tf.nn.max_pool2d(batch, 2, 2, "VALID").numpy()[0], args.reps)

    print()
    for size in (3, 7):
        worst = max(r for label, r in ratios.items() if f" {size}x{size} dense, 1 map" in label and label.endswith("auto"))
        noise = abs(ratios[f"control {size}x{size}"] - 1.0)
        verdict = "met" if worst <= 1.0 else ("within noise" if worst <= 1.0 + max(noise, 0.02) else "MISSED")
        print(f"target {size}x{size} single map (auto engine) no slower than tf.nn.conv2d: "
              f"worst ratio {worst:.2f} (control ratio {ratios[f'control {size}x{size}']:.2f}) -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
