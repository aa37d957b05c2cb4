"""Write files atomically: never leave a half-written file behind.

The data goes to a temporary file in the destination's folder, which is then
renamed over the destination (atomic on one file system). A crash, a full
disk or an exception while writing leaves the old file untouched.
"""

from __future__ import annotations

import os
import pathlib
import tempfile
from collections.abc import Callable


def atomic_write(out: str | os.PathLike[str], write: Callable[[str], object]) -> pathlib.Path:
    """Call ``write(temporary_path)``, then move the result to `out`.

    Parameters
    ----------
    out : path-like
        Destination file.
    write : callable
        Writes the complete file to the path it is given (e.g. ``np.save``,
        ``QImage.save``, ``PIL.Image.save``). A falsy return other than None
        (``QImage.save`` returns False on failure) counts as a failure.

    Returns
    -------
    pathlib.Path
        Absolute path of the written file.

    Raises
    ------
    OSError
        If the folder is missing or not writable, or writing failed.
    """
    target = pathlib.Path(out).absolute()
    suffix = "".join(target.suffixes) or ".tmp"
    # Created before writing: a missing or read-only folder fails fast.
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=suffix)
    os.close(fd)
    try:
        if write(tmp_name) is False:
            raise OSError(f"could not write {target.name}")
        # mkstemp makes the file private (0600); give it the usual mode.
        os.chmod(tmp_name, 0o666 & ~_UMASK)
        _fsync(tmp_name)  # the data reaches the disk before the rename can
        os.replace(tmp_name, target)
        _fsync(target.parent)  # and the rename itself survives a power cut
    except BaseException:
        _remove_quietly(tmp_name)
        raise
    return target


def _fsync(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once: reading it means setting it, which is not safe while other threads create files.
_UMASK = _current_umask()


def _remove_quietly(name: str) -> None:
    try:
        os.remove(name)
    except OSError:
        pass


def save_npy(out: str | os.PathLike[str], array) -> pathlib.Path:
    """Save `array` as a .npy file atomically, under exactly the name given."""
    import numpy as np

    def write(tmp_name: str) -> None:
        with open(tmp_name, "wb") as handle:  # a handle: np.save would append ".npy" to other names
            np.save(handle, array)

    return atomic_write(out, write)
