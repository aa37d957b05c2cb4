"""Training data in local files: MNIST-style IDX files, Keras' ``mnist.npz``, CIFAR-10's binary batches.

None of these files is trusted for its size. An IDX header states the
dimensions, a ``mnist.npz`` member's .npy header the shape, and both are
checked against :data:`MAX_ARRAY_BYTES` and against the bytes really there
before any array is allocated: a plain file is measured, a gzipped one (whose
compressed size says nothing) is read up to one byte past the claim and
compared. ``.npz`` members go through :func:`explorer.core.npy_files.read_npy`,
which also refuses pickles. A CIFAR-10 batch has no header; one far larger
than a batch is not read. :mod:`explorer.core.train.datasets` makes
:class:`~explorer.core.train.datasets.Dataset` values of what these return.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from explorer.core.npy_files import NpyError, read_npy

__all__ = ["DatasetError", "IDX_FILES", "MAX_ARRAY_BYTES", "check_folder", "read_idx", "read_idx_dir",
           "read_cifar_dir"]

#: The classic file names (each may also end in .gz).
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
#: The most bytes one array read from local files may take (IDX data, an .npz member, a CIFAR-10 batch):
#: far above MNIST's 47 MB, so a damaged or lying header cannot allocate gigabytes.
MAX_ARRAY_BYTES = 1 << 30
CIFAR_RECORD = 1 + 32 * 32 * 3
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DatasetError(ValueError):
    """A dataset that cannot be loaded; the message says why and what to do."""


# ---------------------------------------------------------------------- IDX
def read_idx(path) -> np.ndarray:
    """Read one IDX file of unsigned bytes (MNIST's format), gzipped or not.

    The format: a big-endian magic number ``0x000008DD`` (``08`` = unsigned
    bytes, ``DD`` = number of dimensions: 3 for images, 1 for labels), one
    big-endian 32-bit size per dimension, then the bytes, row-major.

    Returns
    -------
    np.ndarray
        uint8, with the file's dimensions; read-only.

    Raises
    ------
    DatasetError
        Unreadable file, bad magic number, other data types, truncated or
        over-long data.
    """
    path = Path(path)
    try:
        with _open_maybe_gzip(path) as stream:
            dims = _idx_header(stream, path)
            count = math.prod(dims)
            if count > MAX_ARRAY_BYTES:
                raise DatasetError(f"{path.name}: the header claims {count:,} bytes of data, more than any IDX "
                                   f"dataset this app reads; the file is probably damaged")
            if not isinstance(stream, gzip.GzipFile):
                # A plain file's size is known: a header that claims more (or
                # less) than the file holds is refused before reading the data.
                _check_idx_size(path, dims, os.fstat(stream.fileno()).st_size - stream.tell())
            # A gzipped file's compressed size says nothing about the data:
            # read at most one byte more than claimed, then compare.
            data = _read_up_to(stream, count + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    _check_idx_size(path, dims, len(data))
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)  # frombuffer over bytes: read-only


def _check_idx_size(path: Path, dims: tuple[int, ...], held: int) -> None:
    count = math.prod(dims)
    if held != count:
        problem = f"is truncated (it holds {held:,} bytes of data)" if held < count else \
            "has extra bytes after the data"
        raise DatasetError(f"{path.name} {problem}: the header announces {count:,} bytes of data "
                           f"({' × '.join(map(str, dims))})")


def _open_maybe_gzip(path: Path):
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"  # the content decides, not the name
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _idx_header(stream, path: Path) -> tuple[int, ...]:
    magic = _read_up_to(stream, 4)
    if len(magic) < 4 or magic[:2] != b"\x00\x00":
        raise DatasetError(f"{path.name} is not an IDX file (its magic number is "
                           f"0x{magic.hex().upper() or 'empty'}, expected 0x00000803 or 0x00000801)")
    if magic[2] != 0x08:
        raise DatasetError(f"{path.name} holds IDX data type 0x{magic[2]:02X}; only unsigned bytes (0x08) "
                           f"are supported")
    ndim = magic[3]
    if not 1 <= ndim <= 3:  # labels are 1-D, images 3-D; anything else is not MNIST-style data
        raise DatasetError(f"{path.name}: an IDX file with {ndim} dimensions is not image or label data")
    raw = _read_up_to(stream, 4 * ndim)
    if len(raw) < 4 * ndim:
        raise DatasetError(f"{path.name}: the IDX header is incomplete")
    dims = struct.unpack(f">{ndim}I", raw)
    if 0 in dims:
        raise DatasetError(f"{path.name}: the IDX header declares an empty dimension {dims}")
    return dims


def _read_up_to(stream, size: int) -> bytes:
    """At most `size` bytes; never allocates more than the file really holds."""
    chunks, remaining = [], size
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 22))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _find(folder: Path, base: str) -> Path | None:
    # Some mirrors write "train-images.idx3-ubyte"; accept both spellings.
    for stem in (base, base.replace("-idx", ".idx")):
        for candidate in (folder / stem, folder / f"{stem}.gz"):
            if candidate.is_file():
                return candidate
    return None


def read_idx_dir(folder: Path, label: str, *, npz: bool = False):
    """((x_train, y_train), (x_test, y_test)) uint8 from a folder of the four IDX files.

    Parameters
    ----------
    folder : Path
    label : str
        The dataset's name for people, in messages ("MNIST").
    npz : bool
        Also accept Keras' ``mnist.npz`` when the IDX files are missing.

    Raises
    ------
    DatasetError
        A missing folder or file, a damaged or lying file, mismatched parts.
    """
    check_folder(folder, label)
    paths = [_find(folder, base) for base in IDX_FILES]
    if None in paths and npz and (folder / "mnist.npz").is_file():
        return _read_mnist_npz(folder / "mnist.npz")
    missing = [base for base, path in zip(IDX_FILES, paths) if path is None]
    if missing:
        raise DatasetError(f"{label}: {folder} has no {', '.join(missing)} (.gz or not); the folder needs the four "
                           f"IDX files {', '.join(IDX_FILES)}")
    x_train, y_train, x_test, y_test = (read_idx(path) for path in paths)
    for images, labels, part in ((x_train, y_train, "training"), (x_test, y_test, "test")):
        _check_pair(images, labels, f"{label} {part} files in {folder}", 10)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DatasetError(f"{label}: the training images are {x_train.shape[1]}×{x_train.shape[2]} but the test "
                           f"images {x_test.shape[1]}×{x_test.shape[2]}")
    return (x_train, y_train), (x_test, y_test)


def check_folder(folder: Path, label: str) -> None:
    """DatasetError unless `folder` is an existing folder; `label` names the dataset."""
    if not folder.exists():
        raise DatasetError(f"{label}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise DatasetError(f"{label}: {folder} is not a folder")


def _check_pair(images: np.ndarray, labels: np.ndarray, what: str, classes: int) -> None:
    if images.ndim != 3 or labels.ndim != 1:
        raise DatasetError(f"{what}: expected images N×H×W and labels N, got {images.shape} and {labels.shape}")
    if len(images) != len(labels):
        raise DatasetError(f"{what}: {len(images):,} images but {len(labels):,} labels")
    if len(images) == 0 or min(images.shape[1:]) == 0:
        raise DatasetError(f"{what}: no images")
    if labels.max() >= classes:
        raise DatasetError(f"{what}: label {int(labels.max())} found, expected 0..{classes - 1}")


def _read_mnist_npz(path: Path):
    """Keras' ``mnist.npz``: a zip of four .npy members, each header checked before its array is allocated."""
    try:
        with zipfile.ZipFile(path) as archive:
            x_train, y_train, x_test, y_test = (_npz_member(archive, key, path) for key in _NPZ_KEYS)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError,
            RuntimeError) as exc:  # RuntimeError: an encrypted member
        raise DatasetError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    for images, labels in ((x_train, y_train), (x_test, y_test)):
        _check_pair(images, labels, str(path), 10)
        if images.dtype != np.uint8:
            raise DatasetError(f"{path}: expected uint8 images, got {images.dtype}")
    return (x_train, y_train), (x_test, y_test)


def _npz_member(archive: zipfile.ZipFile, key: str, path: Path) -> np.ndarray:
    # np.load would allocate whatever a member's .npy header claims; read_npy
    # refuses a claim over the limit or beyond the member's bytes, and pickles.
    try:
        info = archive.getinfo(f"{key}.npy")
    except KeyError:
        raise DatasetError(f"{path} has no {key} array; an MNIST .npz holds {', '.join(_NPZ_KEYS)}") from None
    try:
        with archive.open(info) as stream:
            return read_npy(stream, size=info.file_size, max_bytes=MAX_ARRAY_BYTES, what=f"{path.name}: {key}")
    except NpyError as exc:
        raise DatasetError(str(exc)) from None


# ----------------------------------------------------------------- CIFAR-10
def read_cifar_dir(folder: Path):
    """((x_train, y_train), (x_test, y_test)) uint8 NHWC from CIFAR-10's binary version.

    Its batches are records of 1 label byte + 3×32×32 bytes (R, G, B planes),
    in `folder` or its ``cifar-10-batches-bin`` sub-folder.

    Raises
    ------
    DatasetError
        Missing, oversized or damaged batches.
    """
    check_folder(folder, "CIFAR-10")
    if (folder / "cifar-10-batches-bin").is_dir():
        folder = folder / "cifar-10-batches-bin"
    batches = sorted(folder.glob("data_batch_*.bin"))
    test = folder / "test_batch.bin"
    if not batches or not test.is_file():
        raise DatasetError(f"CIFAR-10: {folder} needs data_batch_1.bin ... data_batch_5.bin and test_batch.bin "
                           f"(the binary version of CIFAR-10, cifar-10-binary.tar.gz, extracted)")
    train = [_read_cifar_batch(path) for path in batches]
    x_test, y_test = _read_cifar_batch(test)
    return (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train])), (x_test, y_test)


def _read_cifar_batch(path: Path):
    try:
        size = path.stat().st_size
        if size > MAX_ARRAY_BYTES:
            raise DatasetError(f"{path.name} is {size / 2**30:.1f} GiB, far larger than a CIFAR-10 batch "
                               f"(30 MB); it is not one")
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw or len(raw) % CIFAR_RECORD:
        raise DatasetError(f"{path.name} is not a CIFAR-10 binary batch: its size ({len(raw):,} bytes) is not a "
                           f"multiple of {CIFAR_RECORD:,}")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, CIFAR_RECORD)
    labels = records[:, 0]
    if labels.max() > 9:
        raise DatasetError(f"{path.name}: label {int(labels.max())} found, expected 0..9")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels
