"""Colour ranges ("levels") for feature maps: symmetric around zero for signed maps, min..max otherwise.

Signed levels keep zero in the middle of the diverging colour map, so
negatives are never clipped to black.  Either kind is "shared" (one range for
all maps, so they compare) or "per-map" (each map on its own range).

The levels are computed from each map's finite extrema; views that redraw the
same maps under another mode keep the extrema (:func:`finite_extrema`) and
derive the levels from them (:func:`signed_from_extrema`,
:func:`unsigned_from_extrema`).  Pure NumPy; no Qt.
"""

from __future__ import annotations

import numpy as np

from explorer.core.render.inputs import as_maps

__all__ = [
    "LEVEL_MODES",
    "TINY_RANGE",
    "check_mode",
    "extrema_and_nan",
    "finite_extrema",
    "signed_from_extrema",
    "signed_levels",
    "unsigned_from_extrema",
    "unsigned_levels",
]

#: Accepted values of the ``levels`` / ``mode`` arguments.
LEVEL_MODES: tuple[str, ...] = ("shared", "per-map")

#: Half-range given to a map whose values are all zero (or all equal), so that
#: the division is defined and zero still lands in the middle of the colour map.
TINY_RANGE = 1e-12


def check_mode(mode: str) -> str:
    """``mode`` itself if it is one of :data:`LEVEL_MODES` (ValueError otherwise).

    Parameters
    ----------
    mode : str
        A levels mode.

    Returns
    -------
    str
        ``mode``.
    """
    if mode not in LEVEL_MODES:
        raise ValueError(f"levels mode must be one of {LEVEL_MODES}, got {mode!r}")
    return mode


def _column_reduce(flat: np.ndarray, ufunc) -> np.ndarray:
    """``ufunc.reduce(flat, axis=0)`` for a C-contiguous (N, K) array, fast for small K.

    NumPy reduces (N, K) along axis 0 with an inner loop of only K elements;
    viewing the data as rows of about 4096 values turns it into wide
    element-wise passes (about 10x faster for K = 8).
    """
    n, k = flat.shape
    m = max(1, 4096 // k)
    n_main = (n // m) * m
    parts = []
    if n_main >= 2 * m:
        wide = ufunc.reduce(flat[:n_main].reshape(-1, m * k), axis=0)
        parts.append(ufunc.reduce(wide.reshape(m, k), axis=0))
        flat = flat[n_main:]
    if flat.shape[0]:
        parts.append(ufunc.reduce(flat, axis=0))
    return parts[0] if len(parts) == 1 else ufunc(parts[0], parts[1])


def finite_extrema(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each map's smallest and largest finite value.

    Parameters
    ----------
    maps : ndarray
        (H, W, K) maps.

    Returns
    -------
    tuple of ndarray
        ``(lo, hi)``, float64 (K,) each; NaN where a map has no finite value.
    """
    lo, hi, _ = extrema_and_nan(maps)
    return lo, hi


def extrema_and_nan(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`finite_extrema`, and which maps hold a NaN, from the same two passes.

    Parameters
    ----------
    maps : ndarray
        (H, W, K) maps.

    Returns
    -------
    tuple of ndarray
        ``(lo, hi, nan)``: float64 (K,) finite extrema as :func:`finite_extrema`
        and a bool (K,) array, True for a map with at least one NaN.
    """
    k = maps.shape[2]
    if maps.shape[0] * maps.shape[1] == 0:
        nan = np.full(k, np.nan)
        return nan, nan.copy(), np.zeros(k, bool)
    planes = maps.transpose(2, 0, 1)
    if planes.flags.c_contiguous:  # one map after the other in memory: reduce each plane
        flat = planes.reshape(k, -1)
        lo = np.minimum.reduce(flat, axis=1).astype(np.float64)
        hi = np.maximum.reduce(flat, axis=1).astype(np.float64)
        flat = flat.T  # (N, K) view: one map per column, as below
    else:
        flat = np.ascontiguousarray(maps).reshape(-1, k)
        lo = _column_reduce(flat, np.minimum).astype(np.float64)
        hi = _column_reduce(flat, np.maximum).astype(np.float64)
    has_nan = np.isnan(lo)  # np.minimum propagates NaN
    # The fast reductions above are exact unless a map holds NaN or inf.
    for i in np.flatnonzero(~(np.isfinite(lo) & np.isfinite(hi))):
        col = flat[:, i]
        col = col[np.isfinite(col)]
        lo[i], hi[i] = (col.min(), col.max()) if col.size else (np.nan, np.nan)
    return lo, hi, has_nan


def signed_from_extrema(lo: np.ndarray, hi: np.ndarray, mode: str) -> np.ndarray:
    """Symmetric levels from per-map extrema (see :func:`signed_levels`).

    Parameters
    ----------
    lo, hi : ndarray
        (K,) finite extrema, NaN for a map without finite values.
    mode : {"shared", "per-map"}
        One range for all maps, or one per map.

    Returns
    -------
    ndarray
        (K, 2) float64 ``(-m, +m)`` rows, ``m`` never zero.
    """
    absmax = np.fmax(np.abs(lo), np.abs(hi))
    absmax = np.where(np.isfinite(absmax), absmax, 0.0)
    if mode == "shared":
        absmax = np.full_like(absmax, absmax.max() if absmax.size else 0.0)
    absmax = np.maximum(absmax, TINY_RANGE)
    return np.column_stack([-absmax, absmax])


def unsigned_from_extrema(lo: np.ndarray, hi: np.ndarray, mode: str) -> np.ndarray:
    """Min..max levels from per-map extrema (see :func:`unsigned_levels`).

    Parameters
    ----------
    lo, hi : ndarray
        (K,) finite extrema, NaN for a map without finite values (read as 0..1).
    mode : {"shared", "per-map"}
        One range for all maps, or one per map.

    Returns
    -------
    ndarray
        (K, 2) float64 ``(min, max)`` rows, never of zero width.
    """
    lo = np.where(np.isfinite(lo), lo, 0.0)
    hi = np.where(np.isfinite(hi), hi, 1.0)
    if mode == "shared" and lo.size:
        lo, hi = np.full_like(lo, lo.min()), np.full_like(hi, hi.max())
    flat = hi - lo < 2 * TINY_RANGE
    mid = (lo + hi) / 2
    lo = np.where(flat, mid - TINY_RANGE, lo)
    hi = np.where(flat, mid + TINY_RANGE, hi)
    return np.column_stack([lo, hi])


def signed_levels(maps: np.ndarray, mode: str = "shared") -> np.ndarray:
    """Symmetric levels ``(-m, +m)`` for signed maps.

    Parameters
    ----------
    maps : ndarray
        (H, W, K) maps (or (H, W)); NaN and inf are ignored.
    mode : {"shared", "per-map"}
        "shared": one ``m`` = max |value| over all maps, so maps compare
        directly; "per-map": each map's own max |value|.

    Returns
    -------
    ndarray
        (K, 2) float64.  Zero is always in the middle (negatives are never
        clipped to black); an all-zero map gets a tiny non-zero range.
    """
    arr = as_maps(maps)
    return signed_from_extrema(*finite_extrema(arr), check_mode(mode))


def unsigned_levels(maps: np.ndarray, mode: str = "shared") -> np.ndarray:
    """Levels ``(min, max)`` for unsigned maps (grey).

    Parameters
    ----------
    maps : ndarray
        (H, W, K) maps (or (H, W)); NaN and inf are ignored.
    mode : {"shared", "per-map"}
        One range for all maps, or each map's own.

    Returns
    -------
    ndarray
        (K, 2) float64; a constant map gets a tiny range around its value.
    """
    arr = as_maps(maps)
    return unsigned_from_extrema(*finite_extrema(arr), check_mode(mode))
