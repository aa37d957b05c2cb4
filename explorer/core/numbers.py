"""Numbers as a learner reads and types them: short texts, exact texts, counts in words, parsing a cell.

Qt-free, so the command line, the explanations and every view format numbers alike.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["FLOAT32_MAX", "exact_text", "format_number", "format_value", "parse_value", "plural", "tick_text"]

#: The largest finite float32: kernels and images are float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE_WORDS = {"nan", "inf", "infinity"}


def format_value(value: float, decimals: int = 3) -> str:
    """Return a compact text for a kernel value.

    Parameters
    ----------
    value : float
        The value.
    decimals : int
        Most decimals shown; trailing zeros are trimmed (``0.5``, ``-1``).

    Returns
    -------
    str
        e.g. ``"5"``, ``"-0.25"``, ``"0.111"``; a non-zero value that rounds
        to zero shows as ``"≈0"``, so it never reads as an exact ``0``.
    """
    value = float(value)
    if value == 0:
        return "0"  # also turns -0.0 into "0"
    if abs(value) >= 1e5:
        return f"{value:.2g}"
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    if text in ("0", "-0", ""):
        return "≈0"
    return text


def exact_text(value: float) -> str:
    """The shortest text that reads back as the same float32 value."""
    text = str(np.float32(value))
    return text[:-2] if text.endswith(".0") else text


def _shorten(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_value(text: str) -> float:
    """Parse what a learner typed into a cell.

    Accepts decimals (``0.5``, ``.5``, ``-2``, ``1e-3``), a comma as decimal
    separator (``0,5``), the Unicode minus sign, and simple fractions
    (``1/9``) — parsed by a regular expression, never ``eval``.

    Returns
    -------
    float
        A value that is finite as float32.

    Raises
    ------
    ValueError
        With a short sentence for the status label.
    """
    shown = _shorten(text.strip())
    unchanged = "the kernel is unchanged"
    cleaned = text.strip().replace("\u2212", "-").replace(" ", "")
    if not cleaned:
        raise ValueError(f"An empty cell is not a number (type 0 for zero); {unchanged}")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    parts = cleaned.split("/")
    if len(parts) > 2:
        raise ValueError(f"“{shown}” is not a number; {unchanged}")
    numbers = []
    for part in parts:
        if part.lower().lstrip("+-") in _NON_FINITE_WORDS:
            raise ValueError(f"“{shown}” is not a finite number: kernel values must be real numbers; {unchanged}")
        if not _NUMBER.fullmatch(part):
            raise ValueError(f"“{shown}” is not a number; {unchanged}")
        numbers.append(float(part))
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError(f"“{shown}” is too large (at most about ±3.4e38); {unchanged}")
    if len(numbers) == 2:
        if numbers[1] == 0:
            raise ValueError(f"“{shown}” divides by zero; {unchanged}")
        value = numbers[0] / numbers[1]
    else:
        value = numbers[0]
    if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
        raise ValueError(f"“{shown}” is too large (at most about ±3.4e38); {unchanged}")
    return value


def format_number(value: float) -> str:
    """Short, readable number: 3 significant decimals, no trailing zeros, real minus sign."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return text.replace("-", "\u2212")


def tick_text(value: float) -> str:
    """Short axis or tooltip text: 3 significant digits, a real minus sign (it reads better than a hyphen)."""
    text = f"{value:.3g}"
    return text.replace("-", "\u2212")


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
