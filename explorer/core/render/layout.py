"""Where tiles go: K maps laid out as one mosaic image, and back from a mosaic pixel to its map.

* :class:`Layout` / :func:`mosaic_layout`: a rows x cols grid of labelled
  tiles, chosen to fill a view of a given shape;
* :func:`tile_at`: the map pixel under a mosaic pixel;
* :func:`gap_regions`: everything that is not a tile;
* :func:`auto_spacing`: gaps and label bands that grow with the tiles;
* :func:`view_layout`: the layout a feature-map view uses for its tiles;
* :func:`strip_shape`: a wide band of cells for a flat vector.

Pure Python; no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Layout", "auto_spacing", "gap_regions", "mosaic_layout", "strip_shape", "tile_at", "view_layout"]


@dataclass(frozen=True)
class Layout:
    """Where each tile of a mosaic goes.

    A cell is a label band of ``label_h`` rows above a ``tile_h`` x ``tile_w``
    tile; cells are separated by ``gap`` pixels.  ``positions[k]`` is the
    (top, left) mosaic pixel of tile ``k``'s first map pixel.
    """

    count: int
    rows: int
    cols: int
    tile_h: int
    tile_w: int
    gap: int
    label_h: int
    height: int
    width: int
    positions: tuple[tuple[int, int], ...]

    @property
    def pitch_y(self) -> int:
        """Mosaic rows from one cell's top to the next."""
        return self.label_h + self.tile_h + self.gap

    @property
    def pitch_x(self) -> int:
        """Mosaic columns from one cell's left edge to the next."""
        return self.tile_w + self.gap


def auto_spacing(tile_h: int, tile_w: int) -> tuple[int, int]:
    """Default gap and label band for tiles of this size.

    Parameters
    ----------
    tile_h, tile_w : int
        Size of a tile in pixels.

    Returns
    -------
    tuple of int
        ``(gap, label_h)`` in mosaic pixels.  Both grow with the tile (labels
        scale with the picture), a little faster than proportionally for
        small tiles so 28x28 maps still get a readable label band.
    """
    s = max(int(tile_h), int(tile_w), 1)
    gap = max(1, math.ceil(max(0.04 * s, 0.3 * math.sqrt(s))))
    label_h = max(1, math.ceil(max(0.075 * s, 1.0 * math.sqrt(s))))
    return gap, label_h


def mosaic_layout(count: int, tile_h: int, tile_w: int, *, gap: int | None = None,
                  label_h: int = 0, aspect: float = 16 / 10) -> Layout:
    """Choose a rows x cols grid for ``count`` tiles of ``tile_h`` x ``tile_w``.

    The grid is the one whose tiles come out largest in a view of width/height
    ``aspect`` (for many tiles, the grid whose shape is closest to the view's);
    ties go to fewer empty cells, then to fewer columns.

    Parameters
    ----------
    count : int
        Number of tiles (0 gives an empty layout).
    tile_h, tile_w : int
        Size of every tile in pixels.
    gap : int, optional
        Pixels between cells; default from :func:`auto_spacing`.
    label_h : int
        Rows reserved above each tile for its label (0: no labels).
    aspect : float
        Width / height of the view the mosaic will be shown in.

    Returns
    -------
    Layout
        The grid, its size and every tile's position.
    """
    count, tile_h, tile_w = int(count), int(tile_h), int(tile_w)
    if count < 0 or tile_h < 1 or tile_w < 1:
        raise ValueError(f"need count >= 0 and tiles of at least 1x1, got {count} of {tile_h}x{tile_w}")
    if gap is None:
        gap = auto_spacing(tile_h, tile_w)[0]
    gap, label_h = int(gap), int(label_h)
    if gap < 0 or label_h < 0:
        raise ValueError("gap and label_h must be >= 0")
    if not (aspect > 0 and math.isfinite(aspect)):
        aspect = 16 / 10
    if count == 0:
        return Layout(0, 0, 0, tile_h, tile_w, gap, label_h, 0, 0, ())

    best = None
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        if (rows - 1) * cols >= count:      # an all-empty last row: never better
            continue
        width = cols * tile_w + (cols - 1) * gap
        height = rows * (label_h + tile_h) + (rows - 1) * gap
        scale = min(aspect / width, 1.0 / height)   # tile size in a view of height 1
        key = (-round(scale, 12), rows * cols - count, cols)
        if best is None or key < best[0]:
            best = (key, rows, cols, height, width)
    _, rows, cols, height, width = best
    pitch_y, pitch_x = label_h + tile_h + gap, tile_w + gap
    positions = tuple((r * pitch_y + label_h, c * pitch_x)
                      for r, c in (divmod(k, cols) for k in range(count)))
    return Layout(count, rows, cols, tile_h, tile_w, gap, label_h, height, width, positions)


def view_layout(count: int, tile_h: int, tile_w: int, *, labelled: bool, aspect: float) -> Layout:
    """The layout of a feature-map view: automatic spacing, a label band only for labelled tiles.

    Parameters
    ----------
    count : int
        Number of tiles.
    tile_h, tile_w : int
        Size of every tile.
    labelled : bool
        Whether any tile has a label (otherwise no label bands).
    aspect : float
        Width / height of the view.

    Returns
    -------
    Layout
        One tile alone gets no gap (there is nothing to separate).
    """
    gap, label_h = auto_spacing(tile_h, tile_w)
    return mosaic_layout(count, tile_h, tile_w, gap=0 if count == 1 else gap,
                         label_h=label_h if labelled else 0, aspect=aspect)


def tile_at(layout: Layout, x: float, y: float) -> tuple[int, int, int] | None:
    """Map mosaic pixel coordinates to the map pixel there.

    Parameters
    ----------
    layout : Layout
        The mosaic's layout.
    x, y : float
        Mosaic column and row; floats are floored, so any point inside a
        pixel's square maps to that pixel.

    Returns
    -------
    tuple of int or None
        ``(index, row_in_tile, col_in_tile)``; None in gaps, label bands,
        empty cells and outside the mosaic.
    """
    if layout.count == 0 or not (math.isfinite(x) and math.isfinite(y)):
        return None
    xi, yi = math.floor(x), math.floor(y)
    if xi < 0 or yi < 0 or xi >= layout.width or yi >= layout.height:
        return None
    col, in_x = divmod(xi, layout.pitch_x)
    row, in_y = divmod(yi, layout.pitch_y)
    in_y -= layout.label_h
    if in_x >= layout.tile_w or in_y < 0 or in_y >= layout.tile_h:
        return None
    index = row * layout.cols + col
    if col >= layout.cols or index >= layout.count:
        return None
    return index, int(in_y), int(in_x)


def gap_regions(layout: Layout) -> list[tuple[slice, slice]]:
    """Everything in the mosaic that is not a tile.

    Parameters
    ----------
    layout : Layout
        The mosaic's layout.

    Returns
    -------
    list of (slice, slice)
        (row slice, column slice) pairs covering the label bands, the gaps
        between cells and the empty cells of the last row; they may overlap.
    """
    regions = []
    pitch_y, pitch_x = layout.pitch_y, layout.pitch_x
    full = slice(0, layout.width)
    for r in range(layout.rows):
        top = r * pitch_y
        if layout.label_h:
            regions.append((slice(top, top + layout.label_h), full))
        if layout.gap and r < layout.rows - 1:
            below = top + layout.label_h + layout.tile_h
            regions.append((slice(below, below + layout.gap), full))
    if layout.gap:
        for c in range(layout.cols - 1):
            left = c * pitch_x + layout.tile_w
            regions.append((slice(0, layout.height), slice(left, left + layout.gap)))
    for i in range(layout.count, layout.rows * layout.cols):
        r, c = divmod(i, layout.cols)
        top, left = r * pitch_y + layout.label_h, c * pitch_x
        regions.append((slice(top, top + layout.tile_h), slice(left, left + layout.tile_w)))
    return regions


def strip_shape(n: int) -> tuple[int, int]:
    """Rows and columns for a vector of ``n`` cells: a wide band, as few empty cells as possible.

    Parameters
    ----------
    n : int
        Number of cells.

    Returns
    -------
    tuple of int
        ``(rows, cols)``; ``(0, 0)`` for no cells.
    """
    if n <= 0:
        return 0, 0
    aspect = 16.0 if n <= 128 else 8.0
    c0 = min(n, math.ceil(math.sqrt(n * aspect)))
    best = None
    for cols in range(max(1, int(c0 * 0.75)), min(n, int(c0 * 1.25) + 1) + 1):
        rows = math.ceil(n / cols)
        key = (rows * cols - n, abs(cols - c0), cols)
        if best is None or key < best[0]:
            best = (key, rows, cols)
    return best[1], best[2]
