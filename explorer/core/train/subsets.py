"""A dataset cut down to some of its classes, and to at most N training images a class.

Transfer learning's experiment in miniature: train a base on digits 0-4,
then reuse it on digits 5-9 with ten images of each. :func:`subset_dataset`
keeps the chosen classes (relabelled 0..k-1 in the order given, their names
kept) and caps the training images per class; which images stay is drawn
with the seed, so a run is repeatable. The test set keeps every image of the
chosen classes. NumPy only.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from explorer.core.train.dataset_files import DatasetError

__all__ = ["subset_dataset", "parse_classes"]


def subset_dataset(data, classes=(), per_class: int | None = None, seed: int = 0):
    """`data` with only `classes` (relabelled) and at most `per_class` training images of each.

    Parameters
    ----------
    data : Dataset
        An :class:`explorer.core.train.datasets.Dataset`.
    classes : sequence of int
        Class indices of `data` to keep, in their new order (new label i is
        ``classes[i]``); empty keeps every class, labels unchanged.
    per_class : int or None
        At most this many training images of each class, drawn with `seed`
        (in their original order); None keeps them all.
    seed : int

    Returns
    -------
    Dataset
        A new one (read-only arrays); `data` itself when nothing is asked.

    Raises
    ------
    DatasetError
        A class the dataset does not have, or a chosen class with no training images.
    """
    if not classes and per_class is None:
        return data
    names = tuple(data.class_names)
    kept = tuple(int(c) for c in classes) if classes else tuple(range(len(names)))
    unknown = [c for c in kept if not 0 <= c < len(names)]
    if unknown:
        listed = ", ".join(f"{i} ({name})" for i, name in enumerate(names))
        raise DatasetError(f"the dataset has no class {unknown[0]}: its classes are {listed}")
    y_train = np.asarray(data.y_train)
    rng = np.random.default_rng(seed)
    rows = []
    for c in kept:
        found = np.flatnonzero(y_train == c)
        if len(found) == 0 and classes:  # asked for by name; with a cap only, an absent class stays absent
            raise DatasetError(f"there are no training images of class {c} ({names[c]})")
        if per_class is not None and len(found) > per_class:
            found = np.sort(rng.choice(found, size=per_class, replace=False))
        rows.append(found)
    train_rows = np.sort(np.concatenate(rows))  # the dataset's own order: classes stay interleaved
    test_rows = np.flatnonzero(np.isin(np.asarray(data.y_test), kept))
    relabel = np.full(max(len(names), 1), -1, dtype=np.int64)
    relabel[list(kept)] = np.arange(len(kept))
    note = []
    if classes:
        note.append("classes " + ", ".join(names[c] for c in kept))
    if per_class is not None:
        note.append(f"at most {per_class:,} training images per class")
    return dataclasses.replace(
        data,
        x_train=_read_only(np.asarray(data.x_train)[train_rows]), y_train=_read_only(relabel[y_train[train_rows]]),
        x_test=_read_only(np.asarray(data.x_test)[test_rows]),
        y_test=_read_only(relabel[np.asarray(data.y_test)[test_rows]]),
        class_names=tuple(names[c] for c in kept), num_classes=len(kept),
        source=f"{data.source} ({'; '.join(note)})",
    )


def parse_classes(text: str) -> tuple[int, ...]:
    """"5,6,7" or "5-9" (or a mix: "0,2-4") as class indices, in the order written.

    Raises
    ------
    ValueError
        Text that is not such a list.
    """
    out: list[int] = []
    for part in text.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"classes must be indices like 5,6,7 or 5-9, got {text!r}")
        if dash and int(high) < int(low):
            raise ValueError(f"a range of classes must go up, got {part!r}")
        out.extend(range(int(low), int(high) + 1) if dash else (int(low),))
    return tuple(out)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array
