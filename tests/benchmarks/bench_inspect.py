"""Benchmark: the Inside part's computations on mnist-convnet and the MNIST test set.

Run: python tests/benchmarks/bench_inspect.py [--data-dir /work/shared/data/mnist] [--epochs 1]
     [--pictures DIR]

mnist-convnet is trained briefly (--epochs over the first 20,000 training
images) so that the units mean something, then:

* activation maximisation of one unit of the last conv layer (target <= 2 s),
  the first call (which traces the compiled loop) and again;
* top-9 test images for every unit of a layer, all 10,000 test images in one
  batched pass (target <= 3 s), for the first and the last conv layer;
* occlusion of one 28×28 image, 7×7 patch, stride 1: 484 copies, batched (target <= 1 s);
* PCA and t-SNE of 2,000 images' last hidden layer (t-SNE target <= 15 s).

Each figure is printed with its ratio to a plain baseline measured in the same
run: ``model.predict`` over the same images (one image for the maximisation).
--pictures DIR also writes the maximised inputs of every unit of the last conv
layer and of every class, to look at.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from explorer.core import tf_backend  # noqa: E402
from explorer.core.inspect.attribution import occlusion  # noqa: E402
from explorer.core.inspect.embedding import embed, layer_features  # noqa: E402
from explorer.core.inspect.layers import default_embedding_layer, layer_names, output_layer_name  # noqa: E402
from explorer.core.inspect.maximize import maximize  # noqa: E402
from explorer.core.inspect.top_images import top_images  # noqa: E402
from explorer.core.model.build import build_model  # noqa: E402
from explorer.core.train.datasets import load_dataset  # noqa: E402

_cpu = [0.0]  # CPU seconds of the last timed call


def timed(function, *args, **kwargs):
    start, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    _cpu[0] = time.process_time() - cpu
    return time.perf_counter() - start, result


def report(name: str, seconds: float, baseline: float, target: float | None = None) -> None:
    """One line: wall time, its ratio to the baseline, the process's CPU time (what a machine to itself would need
    at most, per core used), and the target."""
    verdict = "" if target is None else ("  ok" if seconds <= target else f"  OVER the {target:g} s target")
    print(f"{name:58s} {seconds * 1000:9.1f} ms   {seconds / baseline:6.2f}× baseline ({baseline * 1000:.1f} ms)"
          f"   cpu {_cpu[0]:6.2f} s{verdict}", flush=True)


def predict_time(model, images) -> float:
    model.predict(images[:8], verbose=0)  # its own warm-up
    return min(timed(model.predict, images, batch_size=256, verbose=0)[0] for _ in range(2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/work/shared/data/mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--pictures", metavar="DIR")
    args = parser.parse_args()

    tf_backend.load()
    import keras

    keras.utils.set_random_seed(0)
    data = load_dataset("mnist", data_dir=args.data_dir, limit=20000)
    model = build_model("mnist-convnet", input_shape=(28, 28, 1), num_classes=10)
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    seconds, history = timed(model.fit, data.x_train, data.y_train, epochs=args.epochs, batch_size=128, verbose=0)
    accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)[1]
    print(f"mnist-convnet trained {args.epochs} epoch(s) on 20,000 images in {seconds:.1f} s; "
          f"test accuracy {accuracy:.3f}; CPU cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}",
          flush=True)
    convs = [name for name in layer_names(model, spatial=True) if name.startswith("conv")]
    last_conv, first_conv = convs[-1], convs[0]
    test = np.asarray(data.x_test, np.float32)

    one_image = predict_time(model, test[:1])
    cold, result = timed(maximize, model, last_conv, [0])
    report(f"maximize 1 unit of {last_conv}, first call (traces)", cold, one_image, 2.0)
    warm, _ = timed(maximize, model, last_conv, [1])
    report(f"maximize 1 unit of {last_conv}, again", warm, one_image, 2.0)
    units = model.get_layer(last_conv).output.shape[-1]
    every, every_result = timed(maximize, model, last_conv, list(range(units)))
    report(f"maximize all {units} units of {last_conv} together", every, one_image)

    full = predict_time(model, test)
    for layer in (first_conv, last_conv):
        top_images(model, layer, test[:256], count=9)  # trace once, as the window would have
        seconds, ranked = timed(top_images, model, layer, test, count=9)
        report(f"top-9 of 10,000 test images, every unit of {layer}", seconds, full, 3.0)

    copies = predict_time(model, np.repeat(test[:1], 485, axis=0))
    occlusion(model, test[0], int(data.y_test[0]), patch=7, stride=1)  # trace
    seconds, heat = timed(occlusion, model, test[0], int(data.y_test[0]), patch=7, stride=1)
    report("occlusion 28×28, patch 7, stride 1 (484 copies)", seconds, copies, 1.0)

    layer = default_embedding_layer(model)
    two_thousand = predict_time(model, test[:2000])
    features_time, features = timed(layer_features, model, layer, test[:2000])
    report(f"features of {layer} for 2,000 images", features_time, two_thousand)
    stages = []
    pca_time, _ = timed(embed, features, "pca")
    report("PCA of 2,000 points", pca_time, two_thousand)
    start = time.perf_counter()
    tsne_time, points = timed(embed, features, "tsne", progress=lambda f: stages.append((f, time.perf_counter() - start)))
    report("t-SNE of 2,000 points (PCA to 50 first)", tsne_time, two_thousand, 15.0)
    print("  t-SNE progress: " + ", ".join(f"{f:.2f} at {t:.1f} s" for f, t in stages))
    labels = data.y_test[:2000]
    centres = np.array([points[labels == k].mean(axis=0) for k in range(10)])
    nearest = np.argmin(((points[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    print(f"  t-SNE points nearest their own class centre: {np.mean(nearest == labels):.3f}")

    if args.pictures:
        write_pictures(Path(args.pictures), model, every_result, data.class_names)
    return 0


def write_pictures(folder: Path, model, units, class_names) -> None:
    from PIL import Image

    from explorer.core.inspect.pictures import image_grid

    folder.mkdir(parents=True, exist_ok=True)
    classes = maximize(model, output_layer_name(model), list(range(len(class_names))))
    for name, result in (("units", units), ("classes", classes)):
        Image.fromarray(image_grid(result.images)).save(folder / f"maximize_{name}.png")
        values = " ".join(f"{v:.2f}" for v in result.activations)
        print(f"  {name}: activations {values} -> {folder / f'maximize_{name}.png'}")


if __name__ == "__main__":
    sys.exit(main())
