"""Colour lookup tables and colouring a mosaic through them, exactly as pyqtgraph does on screen.

* :func:`lut_from_anchors`: a 256-entry table through evenly spaced colours;
* :data:`DIVERGING_LUT` (ColorBrewer RdBu reversed: blue negative, white zero,
  red positive, colour-blind safe) and :data:`GREY_LUT`;
* :func:`lut_index` / :func:`apply_lut`: the entry pyqtgraph picks for a
  [0, 1] value, and a whole mosaic coloured that way (for exports);
* :data:`BACKGROUND_RGB`: the colour of the gaps between tiles.

Pure NumPy; no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explorer.core.render.layout import Layout, gap_regions

__all__ = ["BACKGROUND_RGB", "DIVERGING_LUT", "GREY_LUT", "apply_lut", "lut_from_anchors", "lut_index"]

# View colours: a neutral slate that is not in either colour map, so gaps read
# as "no data" next to white (zero) and black (grey minimum) pixels alike.
BACKGROUND_RGB: tuple[int, int, int] = (60, 63, 68)

# ColorBrewer "RdBu" (11 classes), reversed so negative is blue and positive
# red; colour-blind safe (blue vs red/orange survives deuteranopia and
# protanopia).  The centre is pure white so "zero" is unmistakable.
_RDBU_R_ANCHORS = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#ffffff",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)


def lut_from_anchors(anchors: tuple[str, ...]) -> np.ndarray:
    """A read-only 256-entry table interpolated through evenly spaced colours.

    Parameters
    ----------
    anchors : tuple of str
        ``#rrggbb`` colours, from the table's first entry to its last.

    Returns
    -------
    ndarray
        (256, 3) uint8, read-only.  Entry i stands for values in
        [i/256, (i+1)/256) (that is how pyqtgraph indexes a 256-entry table),
        so it is sampled at the centre of its bin: a symmetric anchor list
        has entries 127 and 128 equally close to its centre.
    """
    colours = np.array([[int(code[i:i + 2], 16) for i in (1, 3, 5)] for code in anchors], dtype=np.float64)
    stops = np.linspace(0.0, 1.0, len(colours))
    t = (np.arange(256) + 0.5) / 256
    lut = np.round(np.column_stack([np.interp(t, stops, colours[:, c]) for c in range(3)])).astype(np.uint8)
    lut.flags.writeable = False
    return lut


#: Diverging blue-white-red map, (256, 3) uint8: 0 -> most negative, 255 -> most positive.
DIVERGING_LUT: np.ndarray = lut_from_anchors(_RDBU_R_ANCHORS)

#: Grey map for unsigned images, (256, 3) uint8, black to white.
GREY_LUT: np.ndarray = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
GREY_LUT.flags.writeable = False


def lut_index(values: np.ndarray) -> np.ndarray:
    """Colour-map entry (0..255) that pyqtgraph uses for mosaic values in [0, 1].

    Parameters
    ----------
    values : array_like
        Mosaic values.

    Returns
    -------
    ndarray
        int16 entries of the same shape.  pyqtgraph scales by the table's
        length and truncates, so 0.5 (zero in a signed map) is entry 128.
        NaN gives -1.
    """
    v = np.asarray(values, dtype=np.float32)
    idx = np.clip(np.floor(np.nan_to_num(v, nan=0.0) * 256.0), 0, 255).astype(np.int16)
    return np.where(np.isnan(v), np.int16(-1), idx)


def apply_lut(mosaic: np.ndarray, lut: np.ndarray, gap_rgb: Sequence[int] = BACKGROUND_RGB,
              layout: Layout | None = None) -> np.ndarray:
    """Colour a [0, 1] mosaic as (H, W, 3) uint8, with the same index rule as pyqtgraph.

    Parameters
    ----------
    mosaic : ndarray
        (H, W) values coloured through ``lut``, or (H, W, 3) RGB in [0, 1].
    lut : ndarray
        (256, 3) uint8 table (unused for RGB).
    gap_rgb : sequence of int
        Colour of NaN pixels and, when ``layout`` is given, of its gaps.
    layout : Layout, optional
        The mosaic's layout, whose gaps are painted ``gap_rgb``.

    Returns
    -------
    ndarray
        (H, W, 3) uint8, C-contiguous: what the screen shows.
    """
    mosaic = np.asarray(mosaic, dtype=np.float32)
    nan = np.isnan(mosaic)
    filled = np.where(nan, 0.0, mosaic)
    if mosaic.ndim == 2:
        idx = np.clip((filled * 256.0).astype(np.int32), 0, 255)
        out = np.asarray(lut, dtype=np.uint8)[idx][..., :3]
    else:
        nan = nan.any(axis=2)
        out = np.clip(filled[..., :3] * 255.0, 0, 255).astype(np.uint8)
    gap = np.asarray(gap_rgb, dtype=np.uint8)[:3]
    out[nan] = gap
    if layout is not None:
        for rows, cols in gap_regions(layout):
            out[rows, cols] = gap
    return np.ascontiguousarray(out)
