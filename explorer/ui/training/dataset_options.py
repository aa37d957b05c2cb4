"""The dataset options "Classes" and "Per class" as text and back, checked against the dataset's classes.

Small data on purpose: "5-9" keeps digits 5 to 9 (relabelled 0..4, their
names kept); "Per class" caps the training images of each class. The classes
are typed as indices, ranges or, where the dataset names them, names
("cat, dog" for CIFAR-10); the order written is the new labels' order.
"""

from __future__ import annotations

import os
import re

from explorer.core.train.datasets import CIFAR10_CLASSES, FASHION_CLASSES, MNIST_CLASSES

__all__ = ["class_names_of", "classes_from_text", "classes_text"]

_NAMES = {"mnist": MNIST_CLASSES, "digits": MNIST_CLASSES, "fashion-mnist": FASHION_CLASSES,
          "cifar10": CIFAR10_CLASSES}
_RANGE = re.compile(r"(\d+)\s*[-\u2013]\s*(\d+)")


def class_names_of(dataset: str, data_dir=None) -> tuple[str, ...] | None:
    """The dataset's class names in label order; a folder's sub-folders (sorted); None when unknown."""
    if dataset in _NAMES:
        return _NAMES[dataset]
    if dataset == "folder" and data_dir:
        try:
            with os.scandir(data_dir) as entries:
                return tuple(sorted(e.name for e in entries if e.is_dir() and not e.name.startswith(".")))
        except OSError:
            return None
    return None


def classes_from_text(text: str, names: tuple[str, ...] | None) -> tuple[int, ...]:
    """Parse "5,6,7", "5-9", "0, 2-4" or class names into indices (() for empty text).

    Raises
    ------
    ValueError
        With a sentence: an unknown class, a class listed twice, a single class.
    """
    out: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        match = _RANGE.fullmatch(part)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if high < low:
                raise ValueError(f"the range of classes “{part}” must go up, e.g. 5-9")
            out.extend(range(low, high + 1))
        else:
            out.append(_one_class(part, names))
    if names is not None:
        unknown = [c for c in out if c >= len(names)]
        if unknown:
            raise ValueError(f"there is no class {unknown[0]}: the classes are 0 to {len(names) - 1}")
    doubled = sorted({c for c in out if out.count(c) > 1})
    if doubled:
        raise ValueError(f"class {doubled[0]} is listed twice")
    if len(out) == 1:
        raise ValueError("keep at least two classes: a classifier of one class has nothing to learn")
    return tuple(out)


def _one_class(word: str, names: tuple[str, ...] | None) -> int:
    if word.isdigit():
        return int(word)
    folded = [name.casefold() for name in names or ()]
    if word.casefold() in folded:
        return folded.index(word.casefold())
    known = f": use indices or one of {', '.join(names)}" if names else ": use indices such as 5,6,7 or 5-9"
    raise ValueError(f"unknown class “{word}”{known}")


def classes_text(classes) -> str:
    """The text form of `classes`: runs of three or more going up by one written as ranges ("5-9")."""
    parts, index, values = [], 0, [int(c) for c in classes]
    while index < len(values):
        end = index
        while end + 1 < len(values) and values[end + 1] == values[end] + 1:
            end += 1
        if end - index >= 2:
            parts.append(f"{values[index]}-{values[end]}")
        else:
            parts.extend(str(v) for v in values[index:end + 1])
        index = end + 1
    return ", ".join(parts)
