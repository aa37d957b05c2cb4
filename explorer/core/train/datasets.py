"""Training data: MNIST, Fashion-MNIST, CIFAR-10, scikit-learn digits, image folders.

Every loader returns a :class:`Dataset` of float32 NHWC images in [0, 1] and
integer labels, all read-only, so the arrays can be shared between threads.

* "mnist", "fashion-mnist", "cifar10": ``keras.datasets.<x>.load_data()``,
  which downloads once into ``~/.keras/datasets`` (``$KERAS_HOME``). Offline,
  ``data_dir`` points at local files instead: the four classic IDX files for
  MNIST / Fashion-MNIST (gzipped or not; ``mnist.npz`` also works for MNIST),
  the extracted binary version (``cifar-10-batches-bin``) for CIFAR-10.
  The standard train/test split is kept; `seed` is not used.
* "digits": scikit-learn's bundled 8×8 digits (always offline), scaled into a
  20×20 box centred in 28×28 like MNIST, white ink on black; a stratified
  80/20 train/test split drawn with `seed`.
* "folder": ``keras.utils.image_dataset_from_directory`` on ``data_dir``, one
  sub-folder per class (sub-folders without images are ignored). Grayscale
  when every image is, resized to 28×28 like MNIST; otherwise RGB at the size
  of the first image (first class folder, first file, alphabetically), scaled
  down to at most 64 pixels a side. 20% of the images, drawn with `seed`, are
  the test set.

The local files are read by :mod:`explorer.core.train.dataset_files`, which
trusts no header for its size (DatasetError, IDX_FILES and read_idx are
defined there and named here too).

TensorFlow (and scikit-learn) are imported only when a loader needs them.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core.train.dataset_files import (
    IDX_FILES,
    DatasetError,
    check_folder,
    read_cifar_dir,
    read_idx,
    read_idx_dir,
)

__all__ = [
    "DATASET_NAMES",
    "MNIST_CLASSES",
    "FASHION_CLASSES",
    "CIFAR10_CLASSES",
    "INPUT_SHAPES",
    "IDX_FILES",
    "DatasetError",
    "Dataset",
    "DOWNLOADED",
    "DATASET_LABELS",
    "read_idx",
    "load_dataset",
    "failed_download_reason",
    "local_files_text",
    "digits_to_mnist",
]

DATASET_NAMES = ("mnist", "fashion-mnist", "cifar10", "digits", "folder")
MNIST_CLASSES = tuple("0123456789")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: Image shape of each dataset, known without loading it ("folder" depends on the images).
INPUT_SHAPES = {"mnist": (28, 28, 1), "fashion-mnist": (28, 28, 1), "cifar10": (32, 32, 3), "digits": (28, 28, 1)}

#: The datasets keras.datasets downloads when no data folder is given.
DOWNLOADED = ("mnist", "fashion-mnist", "cifar10")


#: Seconds a download may stall before it fails (per socket operation, not in total).
DOWNLOAD_TIMEOUT_S = 20.0
TEST_FRACTION = 0.2  # digits and folders
FOLDER_GRAY_SIZE = (28, 28)
FOLDER_MAX_SIDE = 64
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what Keras' folder loader reads
_GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})

#: Each dataset's name for people.
DATASET_LABELS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10",
           "digits": "digits", "folder": "folder"}
_KERAS_LOADERS = {"mnist": "mnist", "fashion-mnist": "fashion_mnist", "cifar10": "cifar10"}
_CLASS_NAMES = {"mnist": MNIST_CLASSES, "fashion-mnist": FASHION_CLASSES, "cifar10": CIFAR10_CLASSES}


@dataclass(frozen=True)
class Dataset:
    """Images and labels ready for training.

    Attributes
    ----------
    x_train, x_test : np.ndarray
        (N, H, W, C) float32 in [0, 1], read-only.
    y_train, y_test : np.ndarray
        (N,) int64 class indices, read-only.
    class_names : tuple of str
    input_shape : (H, W, C)
    num_classes : int
    source : str
        Where the data came from, for people.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    input_shape: tuple[int, int, int]
    num_classes: int
    source: str


def load_dataset(name: str, *, data_dir=None, limit: int | None = None, seed: int = 0) -> Dataset:
    """Load one of :data:`DATASET_NAMES` (see the module docstring for each).

    Parameters
    ----------
    name : str
    data_dir : str or Path, optional
        Local files instead of a download (mnist, fashion-mnist, cifar10), or
        the image folder ("folder", required). Ignored by "digits".
    limit : int, optional
        Keep only the first `limit` training samples (tests, quick demos).
    seed : int
        Train/test split of "digits" and "folder".

    Raises
    ------
    DatasetError
        Unknown name, failed download, missing or damaged files, unusable folder.
    """
    if name not in DATASET_NAMES:
        raise DatasetError(f"unknown dataset {name!r}: use one of {', '.join(DATASET_NAMES)}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise DatasetError(f"limit must be a whole number >= 1, got {limit!r}")
    if name == "digits":
        return _digits(limit, seed)
    if name == "folder":
        return _folder(data_dir, limit, seed)
    if data_dir is None:
        arrays, source = _download(name), f"{DATASET_LABELS[name]} via keras.datasets (cached in ~/.keras/datasets)"
    elif name == "cifar10":
        arrays, source = read_cifar_dir(Path(data_dir)), f"CIFAR-10 binary files in {data_dir}"
    else:
        label = DATASET_LABELS[name]
        arrays, source = read_idx_dir(Path(data_dir), label, npz=name == "mnist"), f"{label} IDX files in {data_dir}"
    (x_train, y_train), (x_test, y_test) = arrays
    return _make(x_train[:limit], y_train[:limit], x_test, y_test, _CLASS_NAMES[name], source)


# --------------------------------------------------------------- the result
def _make(x_train, y_train, x_test, y_test, class_names, source) -> Dataset:
    """A Dataset from uint8 (0..255) or float ([0, 1]) images, NHW or NHWC."""
    x_train, x_test = _images(x_train), _images(x_test)
    return Dataset(x_train, _labels(y_train), x_test, _labels(y_test), tuple(class_names),
                   tuple(int(n) for n in x_train.shape[1:]), len(class_names), source)


def _images(x) -> np.ndarray:
    x = np.asarray(x)
    out = x.astype(np.float32) / np.float32(255) if x.dtype == np.uint8 else np.array(x, dtype=np.float32)
    if out.ndim == 3:
        out = out[..., np.newaxis]
    out.setflags(write=False)
    return out


def _labels(y) -> np.ndarray:
    out = np.array(y, dtype=np.int64).reshape(-1)
    out.setflags(write=False)
    return out


# ---------------------------------------------------------------- downloads
def _download(name: str):
    """keras.datasets.<name>.load_data(), with a stall timeout and a clear error."""
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    loader = getattr(keras.datasets, _KERAS_LOADERS[name])
    # urllib (behind keras.utils.get_file) waits forever on a stalled
    # connection unless a default timeout is set; don't override one the
    # application chose.
    previous = socket.getdefaulttimeout()
    if previous is None:
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        return loader.load_data()
    except Exception as exc:  # noqa: BLE001 - network, HTTP, a damaged cache file: all the same to the user
        raise DatasetError(_download_advice(name, exc)) from exc
    finally:
        if previous is None:
            socket.setdefaulttimeout(None)


def failed_download_reason(message: str) -> str | None:
    """The reason in a failed download's message, as :func:`load_dataset` words it; None for any other message.

    A run reports a DatasetError as its text only (a ``Failed`` update); the
    training studio uses this to tell a failed download, which the offline
    datasets can replace, from damaged files.

    Parameters
    ----------
    message : str

    Returns
    -------
    str or None
        E.g. ``"URL fetch failure on https://…: None -- [Errno -3] Temporary failure in name resolution"``.
    """
    match = re.match(r"could not download [^(]+ \((.*)\)\. Without internet, ", message)
    return match.group(1) if match else None


def _download_advice(name: str, exc: Exception) -> str:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if len(reason) > 160:
        reason = reason[:157] + "..."
    return (f"could not download {DATASET_LABELS[name]} ({reason}). Without internet, point --data-dir (or the "
            f"Data folder setting) at a folder with {local_files_text(name)}, or use the offline 'digits' dataset.")


def local_files_text(name: str) -> str:
    """What a local folder must hold to replace dataset `name`'s download, for people."""
    if name == "cifar10":
        return "the extracted CIFAR-10 binary version (cifar-10-batches-bin)"
    return f"the four IDX files ({', '.join(IDX_FILES)}, .gz or not)"


# ------------------------------------------------------------------- digits
def _digits(limit: int | None, seed: int) -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = digits_to_mnist(bunch.images)
    x_train, x_test, y_train, y_test = train_test_split(
        images, bunch.target, test_size=TEST_FRACTION, stratify=bunch.target, random_state=seed)
    source = (f"scikit-learn digits ({len(images):,} 8×8 images scaled to 28×28, offline), "
              f"stratified {1 - TEST_FRACTION:.0%}/{TEST_FRACTION:.0%} split with seed {seed}")
    return _make(x_train[:limit], y_train[:limit], x_test, y_test, MNIST_CLASSES, source)


def digits_to_mnist(images) -> np.ndarray:
    """scikit-learn digits (N, 8, 8) in 0..16 -> (N, 28, 28) float32 in [0, 1], MNIST-like.

    Bilinear upscaling to 20×20 (pixel centres aligned, as image resizers do),
    centred with a 4-pixel black border, as MNIST's digits sit in a 20×20 box.
    """
    images = np.asarray(images, dtype=np.float64) / 16.0
    rows = _bilinear_matrix(images.shape[1], 20)
    cols = _bilinear_matrix(images.shape[2], 20)
    scaled = np.einsum("ij,njk,lk->nil", rows, images, cols)
    out = np.zeros((len(images), 28, 28), dtype=np.float32)
    out[:, 4:24, 4:24] = np.clip(scaled, 0.0, 1.0)
    return out


def _bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of 1-D linear interpolation with aligned pixel centres."""
    centres = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, n_in - 1)
    frac = centres - low
    weights = np.zeros((n_out, n_in))
    np.add.at(weights, (np.arange(n_out), low), 1 - frac)
    np.add.at(weights, (np.arange(n_out), high), frac)
    return weights


# ------------------------------------------------------------------ folders
def _folder(data_dir, limit: int | None, seed: int) -> Dataset:
    if data_dir is None:
        raise DatasetError("the folder dataset needs a folder of images: set --data-dir (or the Data folder "
                           "setting) to a folder with one sub-folder per class")
    root = Path(data_dir)
    check_folder(root, "folder dataset")
    files = _class_files(root)
    classes = sorted(name for name, paths in files.items() if paths)
    if len(classes) < 2:
        raise DatasetError(f"{root} has {len(classes)} class folder(s) with images; classification needs at "
                           f"least 2 (one sub-folder per class, holding {', '.join(IMAGE_EXTENSIONS)} files)")
    total = sum(len(files[name]) for name in classes)
    if int(total * TEST_FRACTION) < 1:
        raise DatasetError(f"{root} has only {total} images; at least {math.ceil(1 / TEST_FRACTION)} are needed so "
                           f"that one is kept for testing")
    grayscale, size = _folder_format([files[name] for name in classes])
    x_train, y_train, x_test, y_test = _keras_folder(root, classes, grayscale, size, seed)
    colour = "grayscale" if grayscale else "RGB"
    source = (f"folder {root}: {len(classes)} classes, {total:,} images ({colour}, {size[0]}×{size[1]}), "
              f"{TEST_FRACTION:.0%} for testing (seed {seed})")
    return _make(x_train[:limit], y_train[:limit], x_test, y_test, classes, source)


def _class_files(root: Path) -> dict[str, list[Path]]:
    """Image files per visible sub-folder, found as Keras finds them (recursive, no symlinked folders)."""
    out = {}
    for entry in sorted(root.iterdir()):
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        found = []
        for dirpath, dirnames, filenames in os.walk(entry):
            dirnames.sort()
            found += [Path(dirpath, f) for f in sorted(filenames) if f.lower().endswith(IMAGE_EXTENSIONS)]
        out[entry.name] = found
    return out


def _folder_format(per_class: list[list[Path]]) -> tuple[bool, tuple[int, int]]:
    """(all grayscale?, (height, width)) from the images' headers."""
    from PIL import Image

    first_size = None
    for paths in per_class:
        for path in paths:
            try:
                with Image.open(path) as image:  # reads the header only
                    mode, size = image.mode, image.size
            except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for damaged files
                raise DatasetError(f"cannot read the image {path}: {exc}") from None
            first_size = first_size or size
            if mode not in _GRAY_MODES:
                return False, _capped(first_size)
    return True, FOLDER_GRAY_SIZE


def _capped(size: tuple[int, int]) -> tuple[int, int]:
    """PIL's (width, height) -> (height, width), the longer side at most FOLDER_MAX_SIDE."""
    width, height = size
    scale = min(1.0, FOLDER_MAX_SIDE / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _keras_folder(root: Path, classes: list[str], grayscale: bool, size: tuple[int, int], seed: int):
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    try:
        # Keras prints "Using N files for training." whatever `verbose` says.
        with contextlib.redirect_stdout(io.StringIO()):
            train, test = keras.utils.image_dataset_from_directory(
                str(root), labels="inferred", label_mode="int", class_names=classes,
                color_mode="grayscale" if grayscale else "rgb", batch_size=256, image_size=size,
                shuffle=True, seed=seed, validation_split=TEST_FRACTION, subset="both", verbose=False)
            return (*_to_arrays(train), *_to_arrays(test))
    except Exception as exc:  # noqa: BLE001 - TF reports undecodable images with its own error types
        reason = " ".join(str(exc).split())[:200]
        raise DatasetError(f"cannot load the images in {root}: {reason}") from None


def _to_arrays(dataset):
    xs, ys = [], []
    for images, labels in dataset:
        xs.append(images.numpy())
        ys.append(labels.numpy())
    return np.concatenate(xs) / np.float32(255), np.concatenate(ys)
