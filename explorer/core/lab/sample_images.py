"""The kernel lab's built-in images: something to show without a file.

Seed 004's two scikit-learn photos, a handwritten digit and three synthetic
teaching patterns, each a float32 (H, W, C) array in [0, 1].
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import MappingProxyType

import numpy as np
from PIL import Image

from explorer.core.lab.image_files import load_image

__all__ = ["SAMPLES", "sample"]

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

    photo = load_sample_image(filename).astype(np.float32)
    np.divide(photo, np.float32(255.0), out=photo)  # as load_image scales: full scale is exactly 1.0
    return photo


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
