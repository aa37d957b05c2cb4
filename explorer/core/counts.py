"""Counts as words, the way captions and tooltips write them: "1 image", "1,234 images".

Qt-free, so every view words its counts alike.
"""

from __future__ import annotations

__all__ = ["plural"]


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an "s" unless there is exactly one.

    Parameters
    ----------
    n : int
        The count.
    word : str
        The thing counted, singular (``"image"``).

    Returns
    -------
    str
        e.g. ``"1 image"``, ``"12 images"``, ``"1,234 images"``.
    """
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
