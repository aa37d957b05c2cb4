"""Read a `.npy` array from a user's file without trusting its header.

A `.npy` header states the array's shape and dtype, and ``np.load`` allocates
what it states before reading a byte of data: a lesson of a few kilobytes
whose header claims 99999×99999×3 float32 asks for 112 GiB. Here the header is
read first, and the array is refused with a sentence unless its size is
possible, within the caller's limit and matched by the bytes the file holds.
Object arrays (pickles, which can carry code) are always refused.
"""

from __future__ import annotations

import io
import math
import os
from typing import BinaryIO

import numpy as np

__all__ = ["NpyError", "read_npy"]

#: Largest array read unless the caller says otherwise (a 4096×4096×3 float32 image is 192 MiB).
DEFAULT_MAX_BYTES = 256 * 2**20


class NpyError(ValueError):
    """The file is not a readable, safe, honest .npy array; the message says why."""


def read_npy(source: bytes | str | os.PathLike[str] | BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES,
             what: str = "the array", size: int | None = None) -> np.ndarray:
    """Read one array, checking its header before anything is allocated.

    Parameters
    ----------
    source : bytes, path-like or binary stream
        The file's contents, its path, or a seekable stream at the file's
        start (e.g. a member of a zip archive, ``ZipFile.open``).
    size : int, optional
        For a stream only, and required there: the bytes it holds. A zip
        member's stated size may itself lie; the array is still never larger
        than `max_bytes`, and reading it fails with NpyError if data is missing.
    max_bytes : int
        The most bytes the array's data may take.
    what : str
        How messages name the array (e.g. ``"kernel file k.npy"``).

    Returns
    -------
    numpy.ndarray
        The array, as ``np.load(..., allow_pickle=False)`` gives it.

    Raises
    ------
    NpyError
        Not a .npy file, an object (pickled) array, a size over `max_bytes`,
        or a header that claims more data than the file holds.
    OSError
        The file cannot be opened.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _read(io.BytesIO(bytes(source)), len(source), max_bytes, what)
    if hasattr(source, "read"):
        if size is None:
            raise TypeError("read_npy needs size= with a stream")
        return _read(source, size, max_bytes, what)
    with open(source, "rb") as stream:
        return _read(stream, os.fstat(stream.fileno()).st_size, max_bytes, what)


def _read(stream: BinaryIO, size: int, max_bytes: int, what: str) -> np.ndarray:
    shape, dtype = _header(stream, what)
    if dtype.hasobject:
        raise NpyError(f"{what} holds Python objects, which are never loaded (they could carry code)")
    needed = math.prod(shape) * dtype.itemsize  # Python integers: no overflow, however large the claim
    if needed > max_bytes:
        raise NpyError(f"{what} claims a {_shape_text(shape)} {dtype} array ({_size_text(needed)}), "
                       f"more than the {_size_text(max_bytes)} allowed")
    available = size - stream.tell()
    if available < needed:
        raise NpyError(f"{what} is truncated: its header claims {_shape_text(shape)} {dtype} "
                       f"({_size_text(needed)}) but the file holds {_size_text(max(available, 0))} of data")
    stream.seek(0)
    try:
        return np.load(stream, allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise NpyError(f"{what} cannot be read: {exc}") from None


def _header(stream: BinaryIO, what: str) -> tuple[tuple[int, ...], np.dtype]:
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise NpyError(f"{what} uses .npy format {version[0]}.{version[1]}, which is not read here")
    except NpyError:
        raise
    except (ValueError, EOFError, OSError) as exc:
        raise NpyError(f"{what} is not a .npy array ({' '.join(str(exc).split())[:120]})") from None
    if any(side < 0 for side in shape):
        raise NpyError(f"{what} has an impossible shape {shape}")
    return tuple(int(side) for side in shape), np.dtype(dtype)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(side) for side in shape) or "scalar"


def _size_text(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"
