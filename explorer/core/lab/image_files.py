"""Load images safely for the kernel lab: files and in-memory image data.

An image is a float32 array of shape (H, W, C) with values in [0, 1], C = 1
for grayscale and 3 for colour. Pillow does the decoding; it is told which
formats to accept, the image size is checked from the header before any pixel
is decoded, and every failure becomes an `ImageLoadError` with one sentence a
user can act on.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

__all__ = ["IMAGE_EXTENSIONS", "MAX_PIXELS", "OPEN_DIALOG_FILTER", "SUPPORTED_FORMATS", "ImageLoadError",
           "load_image"]

MAX_PIXELS = 50_000_000

# Pillow's names for the formats we decode; nothing else is even tried, so a
# file can never reach a risky plugin (EPS via Ghostscript, ...).
_PIL_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
SUPPORTED_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WebP")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
OPEN_DIALOG_FILTER = (
    "Images (" + " ".join("*" + ext for ext in IMAGE_EXTENSIONS) + ");;All files (*)"
)
_FORMAT_LIST = ", ".join(SUPPORTED_FORMATS[:-1]) + " or " + SUPPORTED_FORMATS[-1]

_BYTES_LABEL = "the pasted image data"
_EXIF_ORIENTATION = 0x0112


class ImageLoadError(ValueError):
    """An image could not be loaded; the message says why, in one sentence."""


def load_image(source, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an image file or in-memory image data into a float32 array.

    Parameters
    ----------
    source : str, os.PathLike, bytes, bytearray or memoryview
        A file path, or the encoded bytes of an image (clipboard, drag and drop).
    max_pixels : int
        Refuse images with more than this many pixels (width * height). The
        check uses the header only, so an oversized image is never decoded.
        Pillow's own limit (``Image.MAX_IMAGE_PIXELS``) applies as well.

    Returns
    -------
    numpy.ndarray
        A new float32 array of shape (H, W, C) in [0, 1]; C is 1 for grayscale
        sources (1-bit, 8/16-bit, 32-bit integer and float gray, palettes of
        greys only) and 3 for everything else (RGB, palette, CMYK, YCbCr, ...).
        16-bit gray is divided by 65535, as is 32-bit integer gray within
        0..65535 (otherwise it is min-max scaled); float gray already in [0, 1]
        is kept, otherwise min-max scaled over its finite values. Transparency is
        composited over white; the EXIF orientation is applied; of an
        animation or a multi-page file, the first frame is returned.

    Raises
    ------
    ImageLoadError
        For every problem with the source (missing, folder, unreadable, empty,
        not a supported image, corrupt or truncated, too large, no pixels).
    ValueError
        If `max_pixels` is not a positive integer.
    """
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)) or max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive integer, got {max_pixels!r}")
    label = _label(source)
    with _open_source(source, label) as stream:
        return _decode(stream, label, int(max_pixels))


def _label(source) -> str:
    """How messages name the source: the quoted file name, or 'the pasted image data'."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _BYTES_LABEL
    if isinstance(source, (str, os.PathLike)):
        path = _as_path(source)
        return f"'{path.name or path}'"
    raise ImageLoadError(
        f"Cannot load an image from an object of type {type(source).__name__}: "
        "expected a file path or image bytes."
    )


def _as_path(source) -> Path:
    return Path(os.fsdecode(os.fspath(source)))


@contextmanager
def _open_source(source, label: str) -> Iterator[BinaryIO]:
    """Yield a binary stream for `source`, turning file-system problems into ImageLoadError."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise ImageLoadError(f"Cannot open {label}: it is empty (0 bytes).")
        yield io.BytesIO(data)
        return
    if not os.fspath(source):  # Path("") would quietly mean the current folder
        raise ImageLoadError("Cannot open an image: no file name was given.")
    path = _as_path(source)
    _check_file(path, label)
    try:
        stream = open(path, "rb")
    except PermissionError:
        raise ImageLoadError(f"Cannot open {label}: permission denied.") from None
    except OSError as exc:
        raise ImageLoadError(f"Cannot open {label}: {_reason(exc)}.") from None
    with stream:
        yield stream


def _check_file(path: Path, label: str) -> None:
    """Refuse anything that is not a non-empty regular file, before opening it."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImageLoadError(f"Cannot open {label}: the file does not exist.") from None
    except PermissionError:
        raise ImageLoadError(f"Cannot open {label}: permission denied.") from None
    except (OSError, ValueError) as exc:  # ValueError: embedded NUL in the path
        raise ImageLoadError(f"Cannot open {label}: {_reason(exc)}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageLoadError(f"Cannot open {label}: it is a folder, not an image file.")
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO or a device could block forever or never end.
        raise ImageLoadError(f"Cannot open {label}: it is not a regular file.")
    if info.st_size == 0:
        raise ImageLoadError(f"Cannot open {label}: the file is empty (0 bytes).")


def _reason(exc: BaseException) -> str:
    """The exception's own words, fitted into the middle of a sentence."""
    text = (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).rstrip(".")
    if text[:1].isupper() and text[1:2].islower():  # "Permission denied", not "IHDR"
        text = text[0].lower() + text[1:]
    return text


def _decode(stream: BinaryIO, label: str, max_pixels: int) -> np.ndarray:
    """Open the header, check the size, then decode and normalise the first frame."""
    # Pillow only *warns* between MAX_IMAGE_PIXELS and twice that; make the
    # warning an error for this call only. catch_warnings swaps process-wide
    # filters (not thread-safe before Python 3.14), so a concurrent load may
    # see a warning instead; our own max_pixels check does not depend on it.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open_header(stream, label, max_pixels)
        _check_size(image.size, label, max_pixels)
        try:
            image.load()
            image = _apply_orientation(image)
            return _to_float(image)
        except _UnsupportedMode as exc:
            raise ImageLoadError(
                f"Cannot open {label}: its pixel format ({exc}) is not supported."
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb_error(stream, label, max_pixels, exc) from None
        except MemoryError:
            raise ImageLoadError(f"Cannot open {label}: there is not enough memory to decode it.") from None
        except Exception as exc:  # noqa: BLE001 - decoders of untrusted data raise anything
            raise ImageLoadError(
                f"Cannot open {label}: the image data is corrupt or truncated [{_reason(exc)}]."
            ) from None


def _open_header(stream: BinaryIO, label: str, max_pixels: int) -> Image.Image:
    """Image.open reads the header only; identify problems precisely."""
    try:
        return Image.open(stream, formats=_PIL_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb_error(stream, label, max_pixels, exc) from None
    except Image.UnidentifiedImageError:
        fmt = _sniff_format(stream)
        if fmt is None:
            raise ImageLoadError(
                f"Cannot open {label}: it is not an image in a supported format ({_FORMAT_LIST})."
            ) from None
        raise ImageLoadError(
            f"Cannot open {label}: it looks like a {fmt} image but its header is damaged "
            "or declares no pixels."
        ) from None
    except MemoryError:
        raise ImageLoadError(f"Cannot open {label}: there is not enough memory to read it.") from None
    except Exception as exc:  # noqa: BLE001 - plugins raise SyntaxError, struct.error, ...
        raise ImageLoadError(f"Cannot open {label}: its header is corrupt [{_reason(exc)}].") from None


def _check_size(size: tuple[int, int], label: str, max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"Cannot open {label}: the image has no pixels ({width}×{height}).")
    if width * height > max_pixels:
        raise ImageLoadError(f"Cannot open {label}: {_too_large(width, height, max_pixels)}.")


def _too_large(width: int, height: int, limit: int) -> str:
    return f"{width}×{height} pixels is too large (limit {limit / 1e6:g} megapixels)"


def _bomb_error(stream: BinaryIO, label: str, max_pixels: int, exc: Exception) -> ImageLoadError:
    """Pillow's decompression-bomb guard fired; report the size like our own check does."""
    # Pillow only fires above its own limit, so that is the one that bit.
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    size = _header_size(stream)
    if size is not None:
        return ImageLoadError(f"Cannot open {label}: {_too_large(*size, limit)}.")
    found = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = f"{int(found.group(1)) / 1e6:g} megapixels" if found else "the image"
    return ImageLoadError(f"Cannot open {label}: {pixels} is too large (limit {limit / 1e6:g} megapixels).")


def _plugins() -> list[tuple[str, object, object]]:
    Image.init()
    return [(fmt, *Image.OPEN[fmt]) for fmt in _PIL_FORMATS if fmt in Image.OPEN]


def _accepts(accept, prefix: bytes) -> bool:
    result = accept(prefix)
    return bool(result) and not isinstance(result, str)  # a str explains a refusal


def _sniff_format(stream: BinaryIO) -> str | None:
    """The supported format whose signature the data starts with, if any (for messages)."""
    try:
        stream.seek(0)
        prefix = stream.read(16)
        for fmt, _factory, accept in _plugins():
            if accept is not None and _accepts(accept, prefix):
                return dict(zip(_PIL_FORMATS, SUPPORTED_FORMATS))[fmt]
    except Exception:  # noqa: BLE001 - only used to word a message
        pass
    return None


def _header_size(stream: BinaryIO) -> tuple[int, int] | None:
    """Width and height from the header, bypassing Pillow's bomb check (which hides them).

    Only the format plugin's header parser runs (what Image.open does before its
    check); no pixel data is read. Returns None if anything goes wrong: this
    only improves an error message.
    """
    try:
        stream.seek(0)
        prefix = stream.read(16)
        for _fmt, factory, accept in _plugins():
            if accept is None or _accepts(accept, prefix):
                stream.seek(0)
                return tuple(factory(stream, "").size)
    except Exception:  # noqa: BLE001
        pass
    return None


def _apply_orientation(image: Image.Image) -> Image.Image:
    """Rotate/flip as the EXIF Orientation tag says (phones store pictures sideways)."""
    try:
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block should not cost the picture
        return image
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(image)
    return image


# ------------------------------------------------------- mode conversion

_GRAY_MODES = ("1", "L", "LA", "La")
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")


class _UnsupportedMode(Exception):
    """Pillow decoded the image but cannot convert its mode to L/LA/RGB/RGBA."""


def _to_float(image: Image.Image) -> np.ndarray:
    """Any Pillow mode -> float32 (H, W, 1 or 3) in [0, 1]."""
    mode = image.mode
    if mode.startswith("I;16"):
        return _scaled(np.asarray(image), 65535.0)[..., None]
    if mode == "I":
        return _int_range(np.asarray(image))[..., None]
    if mode == "F":
        return _float_range(np.asarray(image))[..., None]
    alpha = mode in _ALPHA_MODES or "transparency" in image.info
    if mode in _GRAY_MODES:
        converted = _convert(image, "LA" if alpha else "L")
    else:
        converted = _convert(image, "RGBA" if alpha else "RGB")
    pixels = _scaled(np.asarray(converted), 255.0)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if alpha:
        pixels = _over_white(pixels)
    if mode in ("P", "PA") and _gray_palette(image):
        pixels = np.ascontiguousarray(pixels[..., :1])  # R = G = B: keep one channel
    return pixels


def _gray_palette(image: Image.Image) -> bool:
    """True if every palette entry the image uses is a grey (grayscale GIFs are stored so)."""
    palette = image.getpalette()
    if not palette:
        return False
    rgb = np.asarray(palette, dtype=np.int32).reshape(-1, 3)
    indices = np.asarray(image)
    if indices.ndim == 3:  # PA: index and alpha
        indices = indices[..., 0]
    counts = np.bincount(indices.ravel(), minlength=len(rgb))[: len(rgb)]
    used = rgb[counts > 0]
    return bool((used[:, 0] == used[:, 1]).all() and (used[:, 1] == used[:, 2]).all())


def _convert(image: Image.Image, mode: str) -> Image.Image:
    try:
        return image.convert(mode)
    except ValueError:  # "conversion from LAB to RGB not supported" and the like
        raise _UnsupportedMode(image.mode) from None


def _scaled(array: np.ndarray, full_scale: float) -> np.ndarray:
    out = array.astype(np.float32)
    # Divide rather than multiply by 1/full_scale so full scale gives exactly 1.0.
    np.divide(out, np.float32(full_scale), out=out)
    return out


def _over_white(pixels: np.ndarray) -> np.ndarray:
    """Composite straight (non-premultiplied) alpha over white, as viewers show it."""
    alpha = pixels[..., -1:]
    return pixels[..., :-1] * alpha + (np.float32(1.0) - alpha)


def _int_range(array: np.ndarray) -> np.ndarray:
    """32-bit integer gray: 16-bit data (the usual case) / 65535, otherwise min-max."""
    lo, hi = int(array.min()), int(array.max())
    if 0 <= lo and hi <= 65535:
        return _scaled(array, 65535.0)
    return _min_max(array, lo, hi)


def _float_range(array: np.ndarray) -> np.ndarray:
    """Float gray: kept if already in [0, 1], otherwise min-max over the finite values."""
    out = array.astype(np.float32)
    finite = np.isfinite(out)
    if finite.any():
        lo, hi = float(out[finite].min()), float(out[finite].max())
        if not (lo >= 0.0 and hi <= 1.0):
            out = _min_max(out, lo, hi)
    # NaN/inf would poison every convolution window they touch; show them as black/white.
    return np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=0.0).astype(np.float32, copy=False)


def _min_max(array: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if hi > lo:  # in float64: a float32 range near 3e38 would overflow
        return ((array.astype(np.float64) - lo) / (hi - lo)).astype(np.float32)
    return np.clip(array, 0.0, 1.0).astype(np.float32)  # constant image: no range to stretch
