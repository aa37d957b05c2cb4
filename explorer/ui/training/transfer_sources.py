"""Where a transfer starts: the choices of "Start from", and the files behind them.

`TrainConfig.base` is "" (from scratch), a ``.keras`` path (the model just
trained, saved to :func:`just_trained_path`; a checkpoint of an earlier run; a
file the user picked) or ``"keras:MobileNetV2"``. This module turns a base
back into its choice, lists the newest run's checkpoints, and says how many
training images a class of each dataset has (for the four cases' advice).
"""

from __future__ import annotations

import os
import pathlib
import re

__all__ = ["CHECKPOINT", "CHOICES", "FILE", "JUST_TRAINED", "KERAS", "KERAS_BASE", "SCRATCH", "checkpoint_root",
           "choice_of", "images_per_class", "just_trained_path", "newest_checkpoints"]

SCRATCH, JUST_TRAINED, CHECKPOINT, FILE, KERAS = "scratch", "trained", "checkpoint", "file", "keras"
KERAS_BASE = "keras:MobileNetV2"
#: (key, text) of the "Start from" box, in its order.
CHOICES = (
    (SCRATCH, "from scratch (a new network)"),
    (JUST_TRAINED, "the model just trained"),
    (CHECKPOINT, "a checkpoint of an earlier run"),
    (FILE, "a .keras file…"),
    (KERAS, "MobileNetV2, ImageNet weights (download)"),
)
#: Training images per class of the built-in datasets (the digits: 80 % of 1,797 in ten classes).
TRAIN_IMAGES_PER_CLASS = {"mnist": 6000, "fashion-mnist": 6000, "cifar10": 5000, "digits": 143}
_EPOCH_FILE = re.compile(r"epoch-(\d+)\.keras")
_MAX_FILES = 200_000  # counting a huge folder's images stops here: the advice only needs "many"


def just_trained_path() -> pathlib.Path:
    """``<user data folder>/transfer/just-trained.keras``: the studio's last model, saved to start from it."""
    from explorer.paths import user_data_dir

    return user_data_dir(create=False) / "transfer" / "just-trained.keras"


def checkpoint_root() -> pathlib.Path:
    """The folder the trainer writes checkpoints to (one sub-folder per run)."""
    from explorer.core.train.checkpoints import default_checkpoint_dir

    return default_checkpoint_dir()


def newest_checkpoints(root=None) -> tuple[tuple[str, str], ...]:
    """(text, path) of the newest run's ``epoch-NN.keras`` files, last epoch first; () if none.

    Run folders are named by their start time, so the newest sorts last.
    """
    root = pathlib.Path(root) if root is not None else checkpoint_root()
    try:
        runs = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    except OSError:
        return ()
    for run in reversed(runs):
        files = []
        try:
            for entry in run.iterdir():
                match = _EPOCH_FILE.fullmatch(entry.name)
                if match and entry.is_file():
                    files.append((int(match.group(1)), entry))
        except OSError:
            continue
        if files:
            files.sort(reverse=True)
            return tuple((f"run {run.name} · epoch {epoch}", str(path)) for epoch, path in files)
    return ()


def choice_of(base: str) -> str:
    """The "Start from" choice that `base` (a TrainConfig.base) stands for."""
    if not base:
        return SCRATCH
    if base.startswith("keras:"):
        return KERAS
    path = pathlib.Path(base)
    if path == just_trained_path():
        return JUST_TRAINED
    try:
        if path.resolve().parent.parent == checkpoint_root().resolve():
            return CHECKPOINT
    except OSError:
        pass
    return FILE


def images_per_class(dataset: str, *, data_dir=None, limit=None, per_class=None, classes=0) -> int:
    """About how many training images each class has with these settings (for the advice).

    Parameters
    ----------
    dataset : str
        A name of ``DATASET_NAMES``.
    data_dir, limit, per_class
        As in TrainConfig.
    classes : int
        How many classes are kept (0: all of them).
    """
    if dataset == "folder":
        total, count = _folder_counts(data_dir)
    else:
        count = 10
        total = TRAIN_IMAGES_PER_CLASS.get(dataset, 0) * count
    count = classes or count
    each = total // max(count, 1) if total else 0
    if limit:
        each = min(each, limit // max(count, 1)) if each else limit // max(count, 1)
    if per_class:
        each = min(each, per_class) if each else per_class
    return each


def _folder_counts(data_dir) -> tuple[int, int]:
    """(images, classes) of an image folder, 80 % of its images counted as training; (0, 0) if unreadable."""
    if not data_dir:
        return 0, 0
    total, classes = 0, 0
    try:
        with os.scandir(data_dir) as entries:
            folders = [entry.path for entry in entries if entry.is_dir()]
        for folder in folders:
            classes += 1
            with os.scandir(folder) as files:
                for _entry in files:
                    total += 1
                    if total >= _MAX_FILES:
                        break
    except OSError:
        return 0, 0
    return int(total * 0.8), classes
