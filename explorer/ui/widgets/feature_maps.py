"""Feature-map mosaic view: K maps tiled into one zoomable pyqtgraph image.

Every map is drawn through ONE ``ImageItem`` holding one float32 mosaic in
[0, 1] (levels are applied per tile in NumPy, so "per-map" and "shared" levels
cost the same); gaps and label bands are painted over by the dark panel's gap
item.  A caller that has laid out and coloured the maps already (a
:class:`~explorer.core.render.frame.Frame`, made on a worker thread) hands
them over with :meth:`FeatureMapView.show_frame`: then one ready QImage is
painted and no pixel is touched on the UI thread.  Its parts live beside it:
:mod:`~explorer.ui.widgets.tile_labels` (the labels), :mod:`~explorer.ui.widgets.tile_highlight` (an outlined window),
:mod:`~explorer.ui.widgets.colour_bar` (the scale),
:mod:`~explorer.ui.widgets.pixel_pointer` (hover and click), and
:mod:`explorer.core.render` draws the mosaic itself.
TensorFlow is never imported here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QStackedLayout, QVBoxLayout, QWidget

from explorer.core.render.frame import Frame, frame_rgb
from explorer.core.render.inputs import as_maps, as_rgb_stack
from explorer.core.render.layout import Layout, tile_at, view_layout
from explorer.core.render.levels import check_mode, finite_extrema, signed_from_extrema, unsigned_from_extrema
from explorer.core.render.luts import BACKGROUND_RGB, GREY_LUT, apply_lut
from explorer.core.render.mosaic import build_mosaic, rgb_stack_mosaic
from explorer.ui.widgets.appearance import colour_scheme
from explorer.ui.widgets.appearance import signals as appearance_signals
from explorer.ui.widgets.colour_bar import ColourBar
from explorer.ui.widgets.dark_panel import MESSAGE_SCALE, dark_message_label, gap_item, gap_path
from explorer.ui.widgets.frame_image import FrameImage, frame_qimage
from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.pixel_pointer import PixelPointer
from explorer.ui.widgets.text_style import follow_font, line_height, scaled_font
from explorer.ui.widgets.tile_highlight import TileHighlight
from explorer.ui.widgets.tile_labels import TileLabels, paint_labels

__all__ = ["FeatureMapView"]


class FeatureMapView(QWidget):
    """K feature maps as one zoomable mosaic with labels, colour bar and pixel picking.

    Left-drag pans, the wheel zooms, a double click fits the mosaic again;
    the grid is re-chosen when the view's shape changes.
    Hover and click report map pixels as ``(map_index, y, x)`` in the map's
    own coordinates; nothing is reported over gaps or labels.

    Signals
    -------
    pixel_hovered(int, int, int)
        Map index, row, column under the pointer; at most
        :data:`~explorer.ui.widgets.pixel_pointer.HOVER_RATE` per second and
        only when the pixel changes.
    pixel_clicked(int, int, int)
        Same, for a left click.
    hover_left()
        The pointer left the last reported pixel for a gap or left the view.
    """

    pixel_hovered = Signal(int, int, int)
    pixel_clicked = Signal(int, int, int)
    hover_left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind: str | None = None        # "maps", "rgb", "image" or None
        self._data: np.ndarray | None = None  # what the caller handed over, float32
        self._labels: tuple[str, ...] = ()
        self._signed = True
        self._levels_mode = "shared"
        self._extrema: tuple[np.ndarray, np.ndarray] | None = None
        self._levels: np.ndarray | None = None
        self._lut_role: str | None = None  # "signed", "unsigned" (the colour scheme's) or "grey"
        self._mosaic: np.ndarray | None = None
        self._frame: Frame | None = None  # what show_frame painted, until the next render
        self.layout_info: Layout | None = None
        self._shown_shape: tuple | None = None
        self._build()
        self.describe("Feature maps", tip("feature_maps"))
        follow_font(self, self._apply_font)
        appearance_signals.colour_scheme_changed.connect(self._on_colour_scheme_changed)

    # ----- construction -------------------------------------------------
    def _build(self) -> None:
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(QColor(*BACKGROUND_RGB))
        self.graphics.ci.setContentsMargins(4, 4, 4, 4)
        self.view_box = self.graphics.addViewBox(row=0, col=0)
        self.view_box.setAspectLocked(True)
        self.view_box.invertY(True)          # row 0 at the top, as in the arrays
        self.view_box.setMenuEnabled(False)
        self.view_box.setDefaultPadding(0.01)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        self.frame_item = FrameImage()  # shows a Frame instead of image_item
        self.frame_item.setVisible(False)
        self.view_box.addItem(self.frame_item)
        # Gaps and label bands, painted in the background colour over the image.
        self._gap_item = gap_item()
        self._gap_layout: Layout | None = None
        self.view_box.addItem(self._gap_item, ignoreBounds=True)

        self._highlight = TileHighlight(self.view_box)
        self._tile_labels = TileLabels(self.view_box)

        self.color_bar_widget = ColourBar(colour_scheme().signed)
        self.color_bar = self.color_bar_widget.bar

        self.message_label = dark_message_label("featureMapMessage")

        maps_page = QWidget()
        column = QVBoxLayout(maps_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.graphics, 1)
        column.addWidget(self.color_bar_widget, 0)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(maps_page)
        self._stack.addWidget(self.message_label)
        self.color_bar_widget.setVisible(False)

        # Hover and click: map pixels, the hover throttled to HOVER_RATE a second.
        self._pointer = PixelPointer(self.graphics, self._pixel_at_scene, self)
        self._pointer.pixel_hovered.connect(self.pixel_hovered)
        self._pointer.pixel_clicked.connect(self.pixel_clicked)
        self._pointer.hover_left.connect(self.hover_left)
        self._pointer.double_clicked.connect(self.fit_view)

        # Re-choose the grid when the view's shape changes; coalesced because
        # a window drag sends many resizes.
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(80)
        self._relayout_timer.timeout.connect(self._on_relayout_timeout)
        self.view_box.sigResized.connect(self._relayout_timer.start)
        self.view_box.sigTransformChanged.connect(self._on_view_transform_changed)

    def _apply_font(self, font: QFont) -> None:
        """Size the texts Qt does not size: colour-bar axis, message, tile labels (the UI scale)."""
        self.color_bar_widget.apply_font(font)
        self.message_label.setFont(scaled_font(font, MESSAGE_SCALE))
        self._tile_labels.set_line_height(line_height(font))
        self._tile_labels.place(self.layout_info)

    def describe(self, name: str, text: str) -> None:
        """Name the view and explain what it shows (tooltip), for the view and its graphics area.

        Parameters
        ----------
        name : str
            Short accessible name, e.g. ``"Feature maps"``.
        text : str
            One sentence on the concept the maps show.
        """
        describe(self, name, text)
        describe(self.graphics, name, text)  # the part that takes the keyboard focus

    @property
    def _lut(self) -> np.ndarray | None:
        """The lookup table for the current content, from the current colour scheme."""
        if self._lut_role == "grey":
            return GREY_LUT
        if self._lut_role is None:
            return None
        scheme = colour_scheme()
        return scheme.signed if self._lut_role == "signed" else scheme.unsigned

    def _on_colour_scheme_changed(self, _name: str) -> None:
        if self._frame is not None and self._lut_role in ("signed", "unsigned"):
            self._render()  # the frame's colours are baked in: colour the maps again here
        elif self._lut_role in ("signed", "unsigned") and self._mosaic is not None:
            self.image_item.setLookupTable(self._lut)  # the mosaic is unchanged: only its colours
            self._update_color_bar()

    # ----- public API ------------------------------------------------------
    def set_maps(self, maps: np.ndarray, labels: Sequence[str] = (), *, signed: bool = True,
                 levels: str | None = None) -> None:
        """Show single-channel maps (H, W, K).

        Parameters
        ----------
        maps : ndarray
            (H, W, K) (or (H, W) for one map); kept by reference and never modified.
        labels : sequence of str
            One label per map (missing ones are blank; all blank hides the label bands).
        signed : bool
            True: diverging colour map with zero (white) in the middle and
            symmetric levels; False: grey from min to max.
        levels : {"shared", "per-map"}, optional
            One range for all maps, or each map scaled to its own max |value|.
            None keeps the current mode (initially "shared"), so a user's
            choice survives live updates.
        """
        arr = as_maps(maps)
        if levels is not None:
            self._levels_mode = check_mode(levels)
        if arr.size == 0:
            self.set_message(f"There are no feature maps to show (shape {arr.shape}).")
            return
        self._kind, self._data, self._signed = "maps", arr, bool(signed)
        self._labels = self._fit_labels(labels, arr.shape[2])
        self._extrema = finite_extrema(arr)
        self._lut_role = "signed" if signed else "unsigned"
        self._render()

    def set_rgb(self, images: np.ndarray | Sequence[np.ndarray], labels: Sequence[str] = ()) -> None:
        """Show colour results, (H, W, 3*K) or a list of (H, W, 3), clipped to [0, 1]; no colour bar."""
        stack = as_rgb_stack(images)
        k, h, w, _ = stack.shape
        self._kind, self._data = "rgb", stack
        self._labels = self._fit_labels(labels, k)
        self._extrema, self._lut_role = None, None
        self._render()

    def set_image(self, image: np.ndarray, label: str = "") -> None:
        """Show one input image (H, W, C): grey for C=1, RGB for C=3, one grey tile per channel otherwise.

        uint8 images are read as 0..255; float images in [0, 1] use levels 0..1,
        others their own min..max.
        """
        arr = np.asarray(image)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3 or arr.shape[2] == 0:
            raise ValueError(f"image must be (H, W, C), got shape {np.shape(image)}")
        if arr.dtype == np.uint8:
            arr = arr.astype(np.float32) / np.float32(255.0)
        arr = arr.astype(np.float32, copy=False)
        c = arr.shape[2]
        if c == 3:
            self._kind, self._data = "image", arr[None]
            self._labels = self._fit_labels([label], 1)
            self._extrema, self._lut_role = None, None
        else:
            self._kind, self._data, self._signed = "image", arr, False
            labels = [label] if c == 1 else [f"{label} channel {i}".strip() for i in range(c)]
            self._labels = self._fit_labels(labels, c)
            lo, hi = finite_extrema(arr)
            if np.all(np.nan_to_num(lo, nan=0.0) >= 0) and np.all(np.nan_to_num(hi, nan=0.0) <= 1):
                lo, hi = np.zeros(c), np.ones(c)
            self._extrema = (lo, hi)
            self._lut_role = "grey"  # an input image stays a photo in every colour scheme
        self._render()

    def show_frame(self, frame: Frame, image: QImage | None = None) -> None:
        """Show maps laid out and coloured already (see :mod:`explorer.core.render.frame`).

        Everything else (labels, levels, colour bar, picking, export) behaves
        as after ``set_maps``/``set_rgb`` of ``frame.data`` (the frame's levels
        mode becomes the view's).  A frame made for another grid than this
        view now chooses (the view was resized) or another colour scheme is
        coloured again here instead.

        Parameters
        ----------
        frame : Frame
            From :func:`~explorer.core.render.frame.maps_frame` or
            :func:`~explorer.core.render.frame.rgb_frame`.
        image : QImage, optional
            ``frame_qimage(frame)``, if the caller made it already (on a worker thread).
        """
        self._kind, self._data, self._labels = frame.kind, frame.data, frame.labels
        if frame.kind == "maps":
            self._signed, self._extrema = frame.signed, frame.extrema
            self._lut_role = "signed" if frame.signed else "unsigned"
            self._levels_mode = frame.levels_mode
        else:
            self._extrema, self._lut_role = None, None
        if (frame.kind == "maps" and frame.lut is not self._lut) or self._make_layout() != frame.layout:
            self._render()
            return
        self._stack.setCurrentIndex(0)
        old = self._start_layout(frame.layout)
        self._levels = frame.levels
        if self.image_item.isVisible():
            self.image_item.clear()
            self.image_item.setVisible(False)
        self.frame_item.set_image(frame_qimage(frame) if image is None else image)
        self.frame_item.setVisible(True)
        if frame.kind == "maps":
            self._update_color_bar()
        else:
            self.color_bar_widget.setVisible(False)
        self._mosaic, self._frame = None, frame
        self._finish_layout(frame.layout, old)

    def view_aspect(self) -> float:
        """Width / height of the view: what :func:`~explorer.core.render.frame.maps_frame` needs for this view."""
        return self._view_aspect()

    def set_levels_mode(self, mode: str) -> None:
        """Switch between "shared" and "per-map" levels; redraws from the stored maps."""
        self._levels_mode = check_mode(mode)
        if self._kind == "maps":
            self._render()

    def levels_mode(self) -> str:
        """The current levels mode."""
        return self._levels_mode

    def set_message(self, text: str) -> None:
        """Replace the maps by a centred explanation; the next set_maps/set_rgb/set_image clears it.

        The maps are dropped (``current_maps()`` is None, nothing to export)
        until then.
        """
        self._pointer.set_hovered(None)
        self._clear_content()
        self.message_label.setText(text)
        self._stack.setCurrentIndex(1)

    def message(self) -> str | None:
        """The explanation being shown, or None when maps are shown."""
        return self.message_label.text() if self._stack.currentIndex() == 1 else None

    def highlight(self, map_index: int, top: int, left: int, bottom: int, right: int, *,
                  color: str | QColor | Sequence[int] = "#111111") -> None:
        """Outline pixels ``[top, bottom) x [left, right)`` of tile ``map_index``.

        The range may extend past the tile (a receptive window with padding);
        it is clipped to the tile.  The outline is drawn over a light halo so
        it shows on every colour.  Replaces any previous highlight and
        follows the tile when the grid changes.
        """
        self._highlight.set_window(map_index, top, left, bottom, right, color)
        self._highlight.place(self.layout_info)

    def clear_highlight(self) -> None:
        """Remove the highlight rectangle."""
        self._highlight.forget()
        self._highlight.place(self.layout_info)

    def highlight_rect(self) -> QRectF | None:
        """The highlight in mosaic (view) coordinates, or None when none is shown."""
        return self._highlight.rect()

    def current_maps(self) -> np.ndarray | None:
        """The arrays shown, read-only: (H, W, K) maps, (K, H, W, 3) RGB tiles or (H, W, C) image."""
        if self._data is None:
            return None
        view = self._data.view()
        view.flags.writeable = False
        return view

    def current_labels(self) -> tuple[str, ...]:
        """The tile labels shown."""
        return self._labels

    def label_items(self) -> list[QGraphicsSimpleTextItem]:
        """The visible tile label items, in tile order (for tests and tweaking fonts)."""
        count = self.layout_info.count if self.layout_info is not None else 0
        return self._tile_labels.visible_items(count)

    def current_levels(self) -> np.ndarray | None:
        """The (K, 2) levels in use for single-channel maps, None for RGB."""
        return None if self._levels is None else self._levels.copy()

    def mosaic(self) -> np.ndarray | None:
        """The [0, 1] float32 mosaic handed to the ImageItem (read-only view).

        For a frame (:meth:`show_frame`) it is made on first request, from the maps shown.
        """
        if self._mosaic is None and self._frame is not None:
            frame = self._frame
            self._mosaic = (build_mosaic(frame.data, frame.layout, frame.levels, clip=False) if frame.kind == "maps"
                            else rgb_stack_mosaic(frame.data, frame.layout))
        if self._mosaic is None:
            return None
        view = self._mosaic.view()
        view.flags.writeable = False
        return view

    def value_at(self, map_index: int, y: int, x: int) -> float | tuple[float, ...]:
        """The stored value at a map pixel (a tuple for RGB)."""
        if self._data is None:
            raise LookupError("nothing is shown")
        if self._data.ndim == 4:
            return tuple(float(v) for v in self._data[map_index, y, x])
        return float(self._data[y, x, map_index])

    def render_png_array(self, *, with_labels: bool = False) -> np.ndarray:
        """The mosaic as (H, W, 3) uint8, coloured exactly as on screen.

        Gaps are the view background; ``with_labels`` also paints the tile
        labels (for an exported grid that explains itself).
        """
        if self._frame is not None:
            rgb = frame_rgb(self._frame)
        elif self._mosaic is None:
            return np.zeros((0, 0, 3), dtype=np.uint8)
        else:
                rgb = apply_lut(self._mosaic, self._lut if self._lut is not None else GREY_LUT,
                            layout=self.layout_info)
        if with_labels and self.layout_info is not None and self.layout_info.label_h:
            rgb = paint_labels(rgb, self.layout_info, self._labels)
        return rgb

    def viewport_point(self, index: int, y: float, x: float) -> QPoint:
        """Viewport (widget) position of the centre of pixel (y, x) of tile `index`."""
        top, left = self.layout_info.positions[index]
        scene = self.view_box.mapViewToScene(QPointF(left + x + 0.5, top + y + 0.5))
        return self.graphics.mapFromScene(scene)

    def fit_view(self) -> None:
        """Show the whole mosaic, and keep it fitted on resize until the user zooms or pans."""
        self.view_box.enableAutoRange()

    # ----- rendering ---------------------------------------------------------
    @staticmethod
    def _fit_labels(labels: Sequence[str], count: int) -> tuple[str, ...]:
        labels = [str(s) for s in list(labels)[:count]]
        return tuple(labels + [""] * (count - len(labels)))

    def _view_aspect(self) -> float:
        size = self.view_box.size()
        if size.width() >= 16 and size.height() >= 16:
            return size.width() / size.height()
        return 16 / 10

    def _tile_shape(self) -> tuple[int, int, int]:
        data = self._data
        if data.ndim == 4:                       # (K, H, W, 3)
            return data.shape[1], data.shape[2], data.shape[0]
        return data.shape[0], data.shape[1], data.shape[2]

    def _make_layout(self) -> Layout:
        h, w, k = self._tile_shape()
        return view_layout(k, h, w, labelled=any(self._labels), aspect=self._view_aspect())

    def _start_layout(self, layout: Layout) -> Layout | None:
        """Make `layout` the current one; returns the previous one."""
        old = self.layout_info
        self.layout_info = layout
        if layout != old:
            self._pointer.set_hovered(None)     # the pixel under the pointer moved
        else:
            self._pointer.forget_hovered()  # new content: the next pointer move reports its pixel again
        shape = (self._kind, layout.tile_h, layout.tile_w)
        if shape != self._shown_shape:
            # A highlight refers to pixels of the previous content; keep it
            # across live updates of the same kind and size only.
            self._highlight.forget()
            self._shown_shape = shape
        return old

    def _finish_layout(self, layout: Layout, old: Layout | None) -> None:
        """Gaps, labels and highlight for the new content in `layout`."""
        if layout != self._gap_layout:
            self._gap_item.setPath(gap_path(layout))
            self._gap_layout = layout
        self._tile_labels.show(layout, self._labels)
        self._highlight.place(layout)
        if old is None or (old.height, old.width) != (layout.height, layout.width):
            self.fit_view()     # a new shape; otherwise keep the user's zoom

    def _render(self) -> None:
        self._stack.setCurrentIndex(0)
        layout = self._make_layout()
        old = self._start_layout(layout)
        self._frame = None
        if self.frame_item.isVisible():
            self.frame_item.set_image(None)
            self.frame_item.setVisible(False)
        self.image_item.setVisible(True)
        if self._data.ndim == 4:
            mosaic = rgb_stack_mosaic(self._data, layout)
            self._levels = None
            self.image_item.setLookupTable(None, update=False)
            self.image_item.setImage(mosaic, autoLevels=False, levels=(0.0, 1.0))
            self.color_bar_widget.setVisible(False)
        else:
            lo, hi = self._extrema
            mode = "shared" if self._kind == "image" else self._levels_mode
            if self._signed:
                self._levels = signed_from_extrema(lo, hi, mode)
            else:
                self._levels = unsigned_from_extrema(lo, hi, mode)
            mosaic = build_mosaic(self._data, layout, self._levels, clip=False)
            self.image_item.setLookupTable(self._lut, update=False)
            self.image_item.setImage(mosaic, autoLevels=False, levels=(0.0, 1.0))
            self._update_color_bar()
        self._mosaic = mosaic
        self._finish_layout(layout, old)

    def _clear_content(self) -> None:
        self._kind = self._data = self._mosaic = self._levels = self.layout_info = self._frame = None
        self._labels = ()
        self._shown_shape = None
        self._highlight.forget()
        self.image_item.clear()
        self.frame_item.set_image(None)
        self._highlight.place(None)
        self.color_bar_widget.setVisible(False)

    def _update_color_bar(self) -> None:
        if self._kind == "image":
            self.color_bar_widget.setVisible(False)
            return
        per_map = self._levels_mode == "per-map" and self._levels.shape[0] > 1
        self.color_bar_widget.show_levels(self._lut, self._levels, signed=self._signed, per_map=per_map)

    # ----- pointer ------------------------------------------------------------
    def _pixel_at_scene(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        if self.layout_info is None or self._stack.currentIndex() != 0:
            return None
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.view_box.mapSceneToView(scene_pos)
        return tile_at(self.layout_info, p.x(), p.y())

    def _on_view_transform_changed(self, _view_box) -> None:
        self._tile_labels.place(self.layout_info)

    def _on_relayout_timeout(self) -> None:
        if self._data is None or self.layout_info is None:
            return
        layout = self._make_layout()
        if (layout.rows, layout.cols) != (self.layout_info.rows, self.layout_info.cols):
            self._render()

