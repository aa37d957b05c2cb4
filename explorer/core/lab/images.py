"""Load and normalise images safely for the Kernel lab.

Everything here is NumPy in, NumPy out: an image is a float32 array of shape
(H, W, C) with values in [0, 1], C = 1 for grayscale and 3 for colour.
Pillow does the decoding; it is told which formats to accept, the image size
is checked from the header before any pixel is decoded, and every failure
becomes an `ImageLoadError` with one sentence a user can act on.

Built-in samples (`SAMPLES`, `sample`) give the lab something to show without
a file: seed 004's two scikit-learn photos, a handwritten digit and three
synthetic teaching patterns.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import operator
import os
import re
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

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
_LUMA_601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class ImageLoadError(ValueError):
    """An image could not be loaded; the message says why, in one sentence."""


# ---------------------------------------------------------------- loading


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


# ---------------------------------------------------------- array helpers


def _check_image(image, what: str = "image") -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[0] == 0 or array.shape[1] == 0 or array.shape[2] == 0:
        raise ValueError(f"{what} must be an array of shape (H, W) or (H, W, C), got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{what} must hold real numbers, got dtype {array.dtype}")
    return array


#: The kernel lab's live view works on at most this many pixels per side (lessons hold such images).
VIEW_MAX_SIDE = 1024


def fit_for_view(image, max_side: int = VIEW_MAX_SIDE) -> tuple[np.ndarray, float]:
    """Downscale so the longer side is at most `max_side`, keeping the aspect ratio.

    Each channel is resized with Pillow's BOX filter on a float32 ('F') image,
    i.e. every output pixel is the average of the input pixels it covers, so
    fine detail turns into its mean grey instead of aliasing into stripes.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C) image.
    max_side : int
        Largest allowed height or width.

    Returns
    -------
    (numpy.ndarray, float)
        The image and the scale factor new/old. When no scaling is needed this
        is the very same array object and 1.0; otherwise a new float32 array
        with the same number of dimensions.
    """
    try:
        max_side = operator.index(max_side)
    except TypeError:
        raise ValueError(f"max_side must be an integer, got {max_side!r}") from None
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, got {max_side}")
    array = _check_image(image)
    height, width = array.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image, 1.0
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    channels = [_resize_channel(array[..., c], size) for c in range(array.shape[2])]
    out = np.stack(channels, axis=-1)
    return (out if np.ndim(image) == 3 else out[..., 0]), scale


def _resize_channel(channel: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    plane = np.ascontiguousarray(channel, dtype=np.float32)
    height, width = plane.shape
    picture = Image.frombuffer("F", (width, height), plane, "raw", "F", 0, 1)
    return np.asarray(picture.resize(size, Image.Resampling.BOX), dtype=np.float32)


def crop(image, top: int, left: int, height: int, width: int) -> np.ndarray:
    """Return a copy of the rectangle of `height` x `width` pixels at (`top`, `left`).

    Raises
    ------
    ValueError
        If an argument is not an integer, the size is not positive, or the
        rectangle does not lie entirely inside the image (nothing is clipped).
    """
    array = np.asarray(image)
    if array.ndim not in (2, 3) or 0 in array.shape[:2]:
        raise ValueError(f"can only crop an (H, W) or (H, W, C) image, got shape {array.shape}")
    top, left, height, width = (_integer(v, n) for v, n in
                                ((top, "top"), (left, "left"), (height, "height"), (width, "width")))
    rows, cols = array.shape[:2]
    if height < 1 or width < 1:
        raise ValueError(f"crop size must be at least 1×1 pixel, got {width}×{height} (width×height)")
    if top < 0 or left < 0:
        raise ValueError(f"crop corner must not be negative, got top={top}, left={left}")
    if top + height > rows:
        raise ValueError(f"crop rows {top}..{top + height - 1} go past the bottom of a {rows}-row image")
    if left + width > cols:
        raise ValueError(f"crop columns {left}..{left + width - 1} go past the right of a {cols}-column image")
    return array[top:top + height, left:left + width].copy()


def _integer(value, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"crop {name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"crop {name} must be an integer, got {value!r}") from None


def to_gray(image) -> np.ndarray:
    """Convert to grayscale with the ITU-R BT.601 luma weights 0.299, 0.587, 0.114.

    Returns
    -------
    numpy.ndarray
        float32 (H, W, 1). A grayscale input comes back as float32 (H, W, 1),
        without a copy when it already is one.
    """
    array = _check_image(image)
    channels = array.shape[2]
    if channels == 1:
        return array.astype(np.float32, copy=False)
    if channels != 3:
        raise ValueError(f"to_gray needs 1 or 3 channels, got {channels}")
    gray = array.astype(np.float32, copy=False) @ _LUMA_601
    return gray[..., None]


def describe(image) -> str:
    """A short caption such as '640×427, RGB' or '28×28, grayscale' (width×height)."""
    array = _check_image(image)
    height, width, channels = array.shape
    kind = {1: "grayscale", 3: "RGB", 4: "RGBA"}.get(channels, f"{channels} channels")
    return f"{width}×{height}, {kind}"


# ---------------------------------------------------------------- samples

SAMPLES = MappingProxyType({
    "china": "A Chinese temple, 640×427 colour: scikit-learn's sample photo used in the notes.",
    "flower": "A flower close-up, 640×427 colour: scikit-learn's second sample photo.",
    "digit": "A handwritten 7 from scikit-learn's digits, enlarged to 28×28 like MNIST.",
    "stripes": "Vertical black and white stripes, 256×256: vertical-line kernels light up.",
    "checkerboard": "A black and white checkerboard, 256×256: edges in both directions.",
    "circle": "A white disc on black, 256×256: an edge at every angle.",
})

_PATTERN_SIZE = 256


def sample(name: str) -> np.ndarray:
    """Return the built-in sample image called `name`.

    The result is float32 (H, W, C) in [0, 1] and is cached: every call returns
    the same **read-only** array, so call ``.copy()`` before editing it.

    Raises
    ------
    ValueError
        If there is no such sample (the message lists the known names).
    """
    if not isinstance(name, str) or name not in SAMPLES:
        raise ValueError(f"unknown sample image {name!r}; choose one of: {', '.join(SAMPLES)}")
    return _build_sample(name)


@functools.cache
def _build_sample(name: str) -> np.ndarray:
    builders = {
        "china": lambda: _sklearn_photo("china.jpg"),
        "flower": lambda: _sklearn_photo("flower.jpg"),
        "digit": _digit,
        "stripes": _stripes,
        "checkerboard": _checkerboard,
        "circle": _circle,
    }
    image = np.ascontiguousarray(builders[name](), dtype=np.float32)
    image.setflags(write=False)
    return image


def _sklearn_photo(filename: str) -> np.ndarray:
    # scikit-learn ships the photos; importing sklearn.datasets to read them
    # takes ~0.7 s, so read the same JPEG straight from the package folder.
    spec = importlib.util.find_spec("sklearn")  # locates without importing
    folder = Path(spec.submodule_search_locations[0]) if spec and spec.submodule_search_locations else None
    if folder is not None and (folder / "datasets" / "images" / filename).is_file():
        return load_image(folder / "datasets" / "images" / filename)
    from sklearn.datasets import load_sample_image

    return _scaled(load_sample_image(filename), 255.0)


def _digit() -> np.ndarray:
    """The first 7 of scikit-learn's digits, 8x8 -> 20x20 (bicubic) centred in 28x28.

    MNIST digits are fitted into a 20x20 box inside a 28x28 frame, white ink on
    black; scikit-learn's values (0..16) are already ink-bright.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = digits.images[int(np.flatnonzero(digits.target == 7)[0])].astype(np.float32) / 16.0
    picture = Image.frombuffer("F", (8, 8), np.ascontiguousarray(small), "raw", "F", 0, 1)
    big = np.asarray(picture.resize((20, 20), Image.Resampling.BICUBIC), dtype=np.float32)
    big = np.clip(big, 0.0, None)  # bicubic overshoots a little around strokes
    big /= big.max()
    return np.pad(big, 4)[..., None]


def _pattern_coords() -> tuple[np.ndarray, np.ndarray]:
    return np.indices((_PATTERN_SIZE, _PATTERN_SIZE))


def _stripes(period: int = 32) -> np.ndarray:
    _, cols = _pattern_coords()
    return ((cols // (period // 2)) % 2).astype(np.float32)[..., None]


def _checkerboard(square: int = 32) -> np.ndarray:
    rows, cols = _pattern_coords()
    return ((rows // square + cols // square) % 2).astype(np.float32)[..., None]


def _circle(radius: float = 80.0) -> np.ndarray:
    rows, cols = _pattern_coords()
    centre = _PATTERN_SIZE / 2
    # Distance from each pixel's centre; a one-pixel ramp at the rim approximates
    # the fraction of the pixel the disc covers, which is what anti-aliasing means.
    distance = np.hypot(rows + 0.5 - centre, cols + 0.5 - centre)
    return np.clip(radius - distance + 0.5, 0.0, 1.0).astype(np.float32)[..., None]
