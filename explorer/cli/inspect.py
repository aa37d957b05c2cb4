"""``feature-map-explorer inspect``: the Inside part without a window.

Runs one of :mod:`explorer.core.inspect`'s methods on a ``.keras`` model and
writes a picture of the result (PNG, atomically), optionally the raw array
(``--npy``) and one JSON line (``--json``). Heavy modules are imported inside
`_run`, so ``--help`` stays instant; no Qt at all.
"""

from __future__ import annotations

import argparse
import json
import os

from explorer.cli.command import CliError, Subcommand

METHODS = ("maximize", "top-images", "occlusion", "saliency", "gradcam", "embedding")

DESCRIPTION = """Look inside a trained model: what a unit wants to see, which images excite it,
where a decision looks, how a layer groups the images.

Examples:
  feature-map-explorer inspect --model mnist.keras --method maximize --layer conv2d_2 --unit 5 --out unit5.png
  feature-map-explorer inspect --model mnist.keras --method maximize --class 3 --out three.png --npy three.npy
  feature-map-explorer inspect --model mnist.keras --method top-images --layer conv2d_1 --unit 0 \\
      --dataset mnist --data-dir ~/data/mnist --count 9 --out top.png --json
  feature-map-explorer inspect --model mnist.keras --method occlusion --image digit.png --patch 7 --stride 1 --out occ.png
  feature-map-explorer inspect --model mnist.keras --method embedding --dataset mnist --count 2000 \\
      --algorithm tsne --out tsne.png --npy tsne.npy

Methods:
  maximize    synthesise the input that maximises --unit K of --layer (or --class C of the output);
              --npy: the input (H, W, C) float32 in [0, 1]; --json: layer, unit, activation
  top-images  the --count images (of --dataset's test set or --images N.npy) that excite --unit K of
              --layer most, their receptive field boxed; --json: indices, activations (strongest first);
              --npy: (count, 2) float32 rows of index, activation
  occlusion   the drop of the class probability when a --patch square slides over --image (--stride)
  saliency    the gradient of the class score w.r.t. the pixels (--smooth N: SmoothGrad over N noisy copies)
  gradcam     Grad-CAM at the last convolution
              (these three: --npy saves the (H, W) float32 map; --class defaults to the predicted class)
  embedding   PCA or t-SNE of --layer's activations (default: the last hidden layer) for --count images;
              --npy: the (N, 2) coordinates

--image is an image file (PNG, JPEG, ...; resized and converted to the model's input) or a .npy array
of exactly the model's input shape (--invert: dark ink on white paper for an MNIST model);
--images is an (N, H, W, C) float32 .npy in [0, 1]."""

#: Arrays read with --image / --images: far above the course's data (10,000 CIFAR images: 123 MB).
_MAX_NPY_BYTES = 1 * 2**30


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--model", required=True, metavar="FILE.keras", help="the model to look into")
    parser.add_argument("--method", required=True, choices=METHODS, metavar="NAME", help=", ".join(METHODS))
    parser.add_argument("--layer", metavar="NAME", help="layer name (nested layers too)")
    parser.add_argument("--unit", type=int, metavar="K", help="unit (channel) of --layer")
    parser.add_argument("--class", dest="class_index", type=int, metavar="C", help="output class")
    parser.add_argument("--image", metavar="FILE", help="image file or .npy (occlusion, saliency, gradcam)")
    parser.add_argument("--invert", action="store_true", help="use 1 - image (a dark digit on white paper)")
    parser.add_argument("--images", metavar="FILE.npy", help="(N, H, W, C) float32 images in [0, 1]")
    parser.add_argument("--dataset", metavar="NAME", help="use this dataset's test images (mnist, cifar10, ...)")
    parser.add_argument("--data-dir", metavar="DIR", help="local files for --dataset instead of a download")
    parser.add_argument("--count", type=int, metavar="N",
                        help="top-images: images shown (default 9); embedding: images embedded (default 2000)")
    parser.add_argument("--patch", type=int, default=7, metavar="P", help="occlusion square size (default 7)")
    parser.add_argument("--stride", type=int, default=1, metavar="S", help="occlusion step (default 1)")
    parser.add_argument("--smooth", type=int, default=0, metavar="N", help="saliency: SmoothGrad samples (default 0)")
    parser.add_argument("--algorithm", choices=("tsne", "pca"), default="tsne", help="embedding (default tsne)")
    parser.add_argument("--steps", type=int, metavar="N", help="maximize: gradient steps (default 96)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--npy", metavar="FILE.npy", help="also save the raw result as a NumPy array")
    parser.add_argument("--json", action="store_true", help="print one JSON line with the result")
    parser.add_argument("--out", required=True, metavar="FILE.png", help="PNG picture to write")


def _run(args: argparse.Namespace) -> int:
    _check_paths(args)
    from explorer.core.inspect.errors import InspectError
    from explorer.core.model.model_files import ModelFileError, load_model

    try:
        model = load_model(args.model)
    except ModelFileError as exc:
        raise CliError(str(exc)) from None
    try:
        pixels, array, record = _METHODS[args.method](model, args)
    except InspectError as exc:
        raise CliError(str(exc)) from None
    written = _write(args, pixels, array)
    if args.json:
        print(json.dumps(record))
    else:
        print(", ".join(f"{key}: {value}" for key, value in record.items() if not isinstance(value, list)))
        print(written)
    return 0


def _check_paths(args: argparse.Namespace) -> None:
    if not args.out.lower().endswith(".png"):
        raise CliError(f"--out must name a .png file, got {args.out!r}")
    if args.npy and not args.npy.lower().endswith(".npy"):
        raise CliError(f"--npy must name a .npy file, got {args.npy!r}")
    for path in (args.out, args.npy):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise CliError(f"cannot write {path}: its folder does not exist")
    if args.count is not None and args.count < 1:
        raise CliError(f"--count must be at least 1, got {args.count}")


def _write(args, pixels, array):
    from PIL import Image

    from explorer.core.files import atomic_write, save_npy

    try:
        written = atomic_write(args.out, lambda tmp: Image.fromarray(pixels).save(tmp, format="PNG"))
        if args.npy:
            save_npy(args.npy, array)
    except OSError as exc:
        raise CliError(f"cannot write the output: {exc.strerror or exc}") from None
    return written


# ------------------------------------------------------------------ methods
def _maximize(model, args):
    import numpy as np

    from explorer.core.inspect.layers import output_layer_name
    from explorer.core.inspect.maximize import DEFAULT_STEPS, maximize
    from explorer.core.inspect.pictures import image_grid

    if (args.unit is None) == (args.class_index is None):
        raise CliError("--method maximize needs --unit K (with --layer) or --class C, not both")
    if args.class_index is not None:
        output = output_layer_name(model)
        if args.layer and args.layer != output:
            raise CliError(f"--class maximises the output layer ({output}); use --unit for layer {args.layer}")
        layer, unit = output, args.class_index
    else:
        layer, unit = _need(args.layer, "--layer"), args.unit
    steps = DEFAULT_STEPS if args.steps is None else args.steps
    result = maximize(model, layer, [unit], steps=steps, seed=args.seed)
    image = np.ascontiguousarray(result.images[0], np.float32)
    record = {"layer": layer, "unit": unit, "activation": float(result.activations[0])}
    if args.class_index is not None:
        record["class"] = unit
    return image_grid(result.images), image, record


def _top_images(model, args):
    import numpy as np

    from explorer.core.inspect.layers import unit_count
    from explorer.core.inspect.pictures import image_grid
    from explorer.core.inspect.top_images import top_images

    layer, unit = _need(args.layer, "--layer"), _need(args.unit, "--unit")
    units = unit_count(model, layer)
    if not 0 <= unit < units:
        raise CliError(f"unit {unit} is out of range: layer {layer} has {units} units (0..{units - 1})")
    images, _, _ = _image_set(model, args)
    result = top_images(model, layer, images, count=args.count or 9)
    indices, positions = result.indices[unit], result.positions[unit]
    boxes = None if result.field is None else [result.field.box(*p) for p in positions]
    record = {"layer": layer, "unit": unit, "indices": [int(i) for i in indices],
              "activations": [float(a) for a in result.activations[unit]]}
    if result.field is not None:
        record["receptive_field"] = list(result.field.size)
    array = np.stack([indices.astype(np.float32), result.activations[unit]], axis=1)
    return image_grid(images[indices], boxes=boxes), array, record


def _attribution(model, args):
    import numpy as np

    from explorer.core.inspect import attribution
    from explorer.core.inspect.layers import output_model, probe
    from explorer.core.inspect.pictures import heat_picture

    image = _input_image(model, _need(args.image, "--image"))
    if args.invert:
        image = 1.0 - image
    found = probe(model)
    probabilities = np.asarray(output_model(model, [found.output])(image[None], training=False)).reshape(-1)
    predicted = int(np.argmax(probabilities))
    index = predicted if args.class_index is None else args.class_index
    if args.method == "occlusion":
        heat = attribution.occlusion(model, image, index, patch=args.patch, stride=args.stride)
    elif args.method == "saliency":
        if args.smooth < 0:
            raise CliError(f"--smooth must be 0 or more, got {args.smooth}")
        heat = attribution.saliency(model, image, index, smooth_samples=args.smooth, seed=args.seed)
    else:
        heat = attribution.grad_cam(model, image, index)
    record = {"method": args.method, "class": index, "predicted": predicted,
              "probability": float(probabilities[index]), "min": float(heat.min()), "max": float(heat.max())}
    return heat_picture(image, heat, signed=args.method == "occlusion"), heat.astype(np.float32), record


def _embedding(model, args):
    from explorer.core.inspect.embedding import embed, layer_features
    from explorer.core.inspect.layers import default_embedding_layer
    from explorer.core.inspect.pictures import scatter_picture

    layer = args.layer or default_embedding_layer(model)
    images, labels, names = _image_set(model, args)
    count = min(len(images), args.count or 2000)
    features = layer_features(model, layer, images[:count])
    points = embed(features, args.algorithm, seed=args.seed)
    labels = None if labels is None else labels[:count]
    record = {"layer": layer, "algorithm": args.algorithm, "count": count}
    return scatter_picture(points, labels, names), points, record


_METHODS = {"maximize": _maximize, "top-images": _top_images, "occlusion": _attribution,
            "saliency": _attribution, "gradcam": _attribution, "embedding": _embedding}


# ------------------------------------------------------------------ inputs
def _need(value, option):
    if value is None:
        raise CliError(f"this method needs {option}")
    return value


def _image_set(model, args):
    """(images, labels or None, class names) from --dataset or --images."""
    import numpy as np

    from explorer.core.inspect.layers import probe

    if (args.dataset is None) == (args.images is None):
        raise CliError("give the images with --dataset NAME or --images FILE.npy (one of them)")
    shape = probe(model).input_shape
    if args.images:
        images = _read_array(args.images, "--images")
        if images.ndim != 4 or images.shape[1:] != shape or images.dtype.kind != "f":
            raise CliError(f"--images must be an (N, {', '.join(map(str, shape))}) float array, "
                           f"got {images.dtype} {images.shape}")
        images = images.astype(np.float32)
        if len(images) == 0 or not np.isfinite(images).all() or images.min() < 0 or images.max() > 1:
            raise CliError("--images must hold at least one image, every value finite and in [0, 1]")
        return images, None, ()
    from explorer.core.train.datasets import DatasetError, load_dataset

    try:
        data = load_dataset(args.dataset, data_dir=args.data_dir)
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    if data.input_shape != shape:
        raise CliError(f"the model takes {shape} images but {args.dataset} has {data.input_shape}")
    return data.x_test, data.y_test, data.class_names


def _read_array(path, option):
    from explorer.core.npy_files import NpyError, read_npy

    try:
        return read_npy(path, max_bytes=_MAX_NPY_BYTES, what=f"{option} {os.path.basename(path)}")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    except NpyError as exc:
        raise CliError(f"cannot read {path}: {exc}") from None


def _input_image(model, path):
    """The --image as the model's input: a .npy of exactly its shape, or an image file resized to it."""
    import numpy as np

    from explorer.core.inspect.layers import probe

    shape = probe(model).input_shape
    if path.lower().endswith(".npy"):
        array = _read_array(path, "--image")
        if array.ndim == 4 and len(array) == 1:
            array = array[0]
        if array.ndim == 2 and shape[2] == 1:
            array = array[:, :, None]
        if array.shape != shape or array.dtype.kind not in "fiu":
            raise CliError(f"--image {os.path.basename(path)} has shape {array.shape}; this model takes "
                           f"{shape} (height, width, channels)")
        array = array.astype(np.float32)
        if not np.isfinite(array).all():
            raise CliError(f"--image {os.path.basename(path)} contains NaN or infinite values")
        return array
    from explorer.core.lab.image_files import ImageLoadError, load_image

    try:
        image = load_image(path)
    except ImageLoadError as exc:
        raise CliError(str(exc)) from None
    return _fit_image(image, shape)


def _fit_image(image, shape):
    """Convert channels (grey <-> colour) and resize bilinearly to (H, W), as the model expects."""
    import numpy as np
    from PIL import Image

    height, width, channels = shape
    if channels not in (1, 3):
        raise CliError(f"the model takes {channels}-channel images; only 1 (grey) or 3 (colour) can be made from a file")
    if image.shape[2] != channels:
        image = image.mean(axis=2, keepdims=True) if channels == 1 else np.repeat(image, 3, axis=2)
    if image.shape[:2] != (height, width):
        planes = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c], np.float32))
                             .resize((width, height), Image.BILINEAR)) for c in range(channels)]
        image = np.stack(planes, axis=2)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


COMMAND = Subcommand(name="inspect", help="look inside a model: unit images, top images, saliency, embeddings",
                     description=DESCRIPTION, add_arguments=_add_arguments, run=_run)
