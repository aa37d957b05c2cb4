"""Preset convolution kernels, kernel validation and centred resizing.

The presets are the classic image kernels of the course notes (edge detectors,
sharpen, blur) plus seed 004's 7x7 line filters. They are read-only float32
arrays; `get` returns a writable copy for editing.

The centre of a side of length ``n`` is index ``(n - 1) // 2``, the cell
TensorFlow's "same" padding lines up with the output pixel; `resize_centred`
keeps it in place, so even sizes pad/crop at the bottom/right first and a
3x3 -> 4x4 -> 3x3 or 3x3 -> 5x5 -> 3x3 round trip loses nothing.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from explorer.core.arrays import frozen_array

MAX_KERNEL_SIZE = 15
#: Most kernels a bank may hold; 64 filters is already more than one screen of maps.
MAX_KERNELS = 64


def _line(axis: int) -> np.ndarray:
    """A 7x7 zero kernel with a line of ones through the centre (seed 004)."""
    k = np.zeros((7, 7))
    if axis == 0:
        k[:, 3] = 1  # vertical line: the central column
    else:
        k[3, :] = 1  # horizontal line: the central row
    return k


# name -> (values, one-line description used for tooltips)
_TABLE = {
    "identity": (
        [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        "Copies each pixel unchanged: the kernel that does nothing.",
    ),
    "edge-diagonal": (
        [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
        "Responds where brightness changes along the diagonals.",
    ),
    "edge-laplacian": (
        [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        "Laplacian: lights up edges in every direction, zero on flat areas.",
    ),
    "edge-all": (
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        "Outline: a pixel minus its eight neighbours, strong on all edges.",
    ),
    "sharpen": (
        [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        "Sharpen: the identity plus a Laplacian edge boost.",
    ),
    "gaussian-blur": (
        np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
        "Gaussian blur: a weighted average that favours the centre.",
    ),
    "box-blur": (
        np.ones((3, 3)) / 9,
        "Box blur: the plain average of the 3x3 neighbourhood.",
    ),
    "sobel-x": (
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
        "Sobel x: detects vertical edges (brightness changing left to right).",
    ),
    "sobel-y": (
        [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
        "Sobel y: detects horizontal edges (brightness changing top to bottom).",
    ),
    "emboss": (
        [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
        "Emboss: a directional difference that makes the image look raised.",
    ),
    "vertical-line": (
        _line(0),
        "7x7 with a central column of ones: keeps vertical lines (seed 004).",
    ),
    "horizontal-line": (
        _line(1),
        "7x7 with a central row of ones: keeps horizontal lines (seed 004).",
    ),
}


PRESETS = MappingProxyType({name: frozen_array(v) for name, (v, _) in _TABLE.items()})
DESCRIPTIONS = MappingProxyType({name: d for name, (_, d) in _TABLE.items()})


def get(name: str) -> np.ndarray:
    """Return a writable float32 copy of the preset called `name`.

    Raises
    ------
    ValueError
        If there is no such preset (the message lists the known names).
    """
    try:
        return PRESETS[name].copy()
    except KeyError:
        known = ", ".join(PRESETS)
        raise ValueError(f"unknown kernel preset {name!r}; known presets: {known}") from None


def preset_name(kernel: np.ndarray) -> str | None:
    """The name of the preset equal to `kernel` (same shape and values), or None."""
    for name, preset in PRESETS.items():
        if preset.shape == kernel.shape and np.array_equal(preset, kernel):
            return name
    return None


def centre_index(n: int) -> int:
    """The centre cell of a side of length ``n`` (as TensorFlow's "same" padding aligns it)."""
    return (n - 1) // 2


def resize_centred(kernel, shape: tuple[int, int]) -> np.ndarray:
    """Pad with zeros or crop `kernel` to `shape`, keeping its centre cell in the centre.

    Parameters
    ----------
    kernel : array_like
        A 2-D kernel.
    shape : (int, int)
        The new height and width.

    Returns
    -------
    numpy.ndarray
        A new float32 array.
    """
    kernel = np.asarray(kernel, dtype=np.float32)
    out = np.zeros(shape, dtype=np.float32)
    (oh, ow), (nh, nw) = kernel.shape, shape
    dy = centre_index(nh) - centre_index(oh)
    dx = centre_index(nw) - centre_index(ow)
    r0, r1 = max(0, -dy), min(oh, nh - dy)
    c0, c1 = max(0, -dx), min(ow, nw - dx)
    if r0 < r1 and c0 < c1:
        out[r0 + dy : r1 + dy, c0 + dx : c1 + dx] = kernel[r0:r1, c0:c1]
    return out


def validate_kernel(kernel, *, ndim: int = 2, max_size: int | None = None) -> np.ndarray:
    """Check a kernel and return it as a float32 array.

    Parameters
    ----------
    kernel : array_like
        The kernel values.
    ndim : int
        The rank the kernel must have (2 for an image filter, 4 for a conv bank).
    max_size : int, optional
        Largest allowed height/width (the editor's limit); no limit if None.

    Raises
    ------
    ValueError
        If the kernel has the wrong rank, an empty or oversized spatial
        extent, or values that are not finite real numbers.
    """
    try:
        array = np.asarray(kernel)
    except Exception as exc:  # ragged lists and other nonsense
        raise ValueError(f"kernel is not a numeric array: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"kernel values must be real numbers, got dtype {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"kernel must have {ndim} dimensions, got shape {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"kernel is empty: shape {array.shape}")
    if max_size is not None and max(array.shape[:2]) > max_size:
        raise ValueError(f"kernel is {array.shape[0]}x{array.shape[1]}; the largest allowed is {max_size}x{max_size}")
    array = array.astype(np.float32)
    if not np.isfinite(array).all():
        raise ValueError("kernel values must be finite numbers (no NaN or infinity)")
    return array
