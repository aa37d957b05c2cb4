"""The kernel lab: an image, a filter bank and layer settings, turned into feature maps live.

Data flow: the lab's state is one immutable
:class:`~explorer.core.lab.state.LabState`. Every edit in a control builds a
new state from the current one (``dataclasses.replace``) and the controls
show it; the `LabRequest` computed is derived from that state, and the
`LabComputer` worker computes the newest one (stale requests are dropped,
never queued) and lays out and colours its maps as the views will show them
(`lab_frames`); the views only paint the frames. Lessons save and restore
the same state (`state`, `set_state`). Hovering a map pixel explains its
arithmetic and outlines its receptive window in the input.

The heavy parts (pyqtgraph views) are built just after the window's first
paint, so the window still appears in well under a second.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer.core.files import atomic_write, save_npy
from explorer.core.lab.explain import explain_conv, explain_pool
from explorer.core.lab.pipeline import KernelBank, LabRequest, LabResult, LabSettings
from explorer.core.lab.state import LabImage, LabState
from explorer.ui.kernel_lab.result_text import shapes_html
from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.lazy_part import LazyPart
from explorer.ui.widgets.text_style import widen_panes

DEFAULT_SAMPLE = "china"


class KernelLab(LazyPart):
    """The first part of the window.

    Signals
    -------
    rendered(int serial)
        After a result has been drawn (tests and the latency benchmark wait on it).
    """

    rendered = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Preparing the kernel lab…", parent)
        self.setAcceptDrops(True)
        self._serial = 0
        self._state: LabState | None = None  # None until the first image
        self._shown: tuple[LabRequest, LabResult] | None = None
        self._pinned = False
        self._explained: tuple[int, int, int, bool] | None = None  # the pixel being explained
        self._ready = False

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        from explorer.ui.kernel_lab.explain_panel import ExplainPanel
        from explorer.ui.kernel_lab.image_source import ImageSource
        from explorer.ui.kernel_lab.kernel_editor import KernelEditor
        from explorer.ui.kernel_lab.lab_worker import LabComputer
        from explorer.ui.kernel_lab.layer_settings import LayerSettingsPanel
        from explorer.ui.widgets.feature_maps import FeatureMapView

        self.source = ImageSource()
        self.settings_panel = LayerSettingsPanel()
        self.editor = KernelEditor()
        self.explain = ExplainPanel()
        self.input_view = FeatureMapView()
        self.maps_view = FeatureMapView()
        self.pooled_view = FeatureMapView()
        self.input_view.describe("Input image", tip("input_view"))
        self.maps_view.describe("Feature maps", tip("feature_maps"))
        self.pooled_view.describe("Pooled feature maps", tip("pooled_maps"))
        self.computer = LabComputer(self)
        self._build_layout()
        self._connect()
        self.source.load_sample(DEFAULT_SAMPLE)

    def _build_layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.source)
        left_layout.addWidget(self.settings_panel)

        self.shapes = QLabel()
        self.shapes.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.shapes.setTextFormat(Qt.RichText)
        self.shapes.setWordWrap(True)
        self.shapes.setTextInteractionFlags(Qt.TextSelectableByMouse)
        describe(self.shapes, "Output shapes and parameter count", tip("output_shapes"))
        maps_column = QWidget()
        maps_layout = QVBoxLayout(maps_column)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addWidget(self._view_options())
        maps_layout.addWidget(self.maps_view, 1)
        # Top: what goes in and what comes out, the pooled maps beside the maps they pool.
        top = QSplitter(Qt.Horizontal)
        top.addWidget(self._titled("Input", self.input_view))
        top.addWidget(self._titled("Feature maps", maps_column))
        self.pooled_holder = self._titled("After pooling", self.pooled_view)
        self.pooled_title = self.pooled_holder.findChild(QLabel)
        self.pooled_holder.setVisible(False)  # shown when pooling is on
        top.addWidget(self.pooled_holder)
        top.setSizes([260, 520, 260])
        # Bottom: the numbers: shapes with their formulas, and one pixel's arithmetic.
        bottom = QSplitter(Qt.Horizontal)
        bottom.addWidget(_scrolling(self.shapes, 80, name="Output shapes", text=tip("output_shapes")))
        bottom.addWidget(_scrolling(self.explain, 80, name="Pixel arithmetic", text=tip("worked_arithmetic")))
        bottom.setSizes([300, 420])
        centre = QSplitter(Qt.Vertical)
        centre.addWidget(top)
        centre.addWidget(bottom)
        centre.setSizes([520, 230])

        main = QSplitter(Qt.Horizontal)
        main.addWidget(_scrolling(left))  # side columns scroll in small windows instead of
        main.addWidget(centre)  # forcing a wide minimum on the whole window
        main.addWidget(_scrolling(self.editor))
        main.setStretchFactor(1, 1)
        main.setSizes([250, 680, 350])
        self.layout().addWidget(main)
        self._columns = main

    def _fit_to_text(self) -> None:
        """The side columns show their controls whole at any UI scale; the maps give up the room."""
        widen_panes(self._columns, (0, 2), 1)

    def _view_options(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.levels = QComboBox()
        self.levels.addItem("shared levels", "shared")
        self.levels.addItem("per-map levels", "per-map")
        self.levels.setToolTip("Shared: one colour scale for all maps, so they compare directly. "
                               "Per-map: each map uses its full colour range, to see weak maps too.")
        self.levels.setAccessibleName("Colour levels")
        self.levels.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.levels.setMinimumContentsLength(8)
        self.signed = QCheckBox("signed channels")
        self.signed.setToolTip("In image-filter mode, show each colour channel as a signed map "
                               "(white zero; blue negative and red positive in the classic colours) instead of a colour image.")
        self.signed.setAccessibleName("Show signed channels")
        layout.addWidget(self.levels)
        layout.addWidget(self.signed)
        layout.addStretch(1)
        return row

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(f"<b>{title}</b>")
        layout.addWidget(label)
        layout.addWidget(widget, 1)
        return box

    def _connect(self) -> None:
        self.source.image_changed.connect(self._on_image_changed)
        self.editor.bank_changed.connect(self._on_bank_changed)
        self.editor.kernel_selected.connect(self._on_kernel_selected)
        self.settings_panel.settings_changed.connect(self._on_settings_changed)
        self.computer.finished.connect(self._on_result)
        self.computer.errored.connect(self._on_error)
        self.levels.currentIndexChanged.connect(self._on_levels_changed)
        self.signed.toggled.connect(self._on_signed_toggled)
        self.maps_view.pixel_hovered.connect(lambda k, y, x: self._on_pixel_hovered(k, y, x, pooled=False))
        self.pooled_view.pixel_hovered.connect(lambda k, y, x: self._on_pixel_hovered(k, y, x, pooled=True))
        self.maps_view.pixel_clicked.connect(lambda k, y, x: self.pin_pixel(k, y, x, pooled=False))
        self.pooled_view.pixel_clicked.connect(lambda k, y, x: self.pin_pixel(k, y, x, pooled=True))
        for view in (self.maps_view, self.pooled_view):
            view.hover_left.connect(self._on_hover_left)

    def shutdown(self) -> None:
        """Stop the compute thread (the window calls this when it closes)."""
        super().shutdown()
        if self._built:
            self.computer.shutdown()

    def shown(self) -> tuple[LabRequest, LabResult] | None:
        """The request and the result on screen; None before the first result and after an impossible shape."""
        return self._shown

    def is_ready(self) -> bool:
        """True once the first result (or an explanation why there is none) is drawn."""
        return self._ready

    # ------------------------------------------------------------------ state
    def state(self) -> LabState | None:
        """The lab's state (the lab is built first if needed); None only while it has no image."""
        self.build()
        return self._state

    def set_state(self, state: LabState) -> None:
        """Show `state` in every control; one computation follows.

        A value a control cannot show (a bias beyond the bias box, a stride
        beyond its spin box) is brought within that control's range, and the
        lab's state is then what the controls show; otherwise it is `state` itself.
        """
        self.build()
        widgets = (self.editor, self.settings_panel, self.levels, self.signed, self.source)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.editor.set_bank(state.bank)
            self.editor.select_kernel(state.selected)
            self.settings_panel.set_settings(state.settings)
            self.levels.setCurrentIndex(self.levels.findData(state.levels))
            self.signed.setChecked(state.signed)
            self.source.show_picture(state.picture)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        shown = self._shown_state(self.source.picture())
        self._state = state if shown == state else shown
        self._show_input()

    def _shown_state(self, picture: LabImage) -> LabState:
        """`picture` with the bank, settings and view options the controls show."""
        return LabState(image=picture.image, origin=picture.origin, crop=picture.crop, scale=picture.scale,
                        bank=self.editor.bank(), settings=self.settings_panel.settings(),
                        levels=self.levels.currentData(), signed=self.signed.isChecked(),
                        selected=self.editor.current_index())

    def _on_image_changed(self, picture: LabImage) -> None:
        # The first image completes the state with what the other controls start with.
        self._state = self._shown_state(picture) if self._state is None else self._state.with_picture(picture)
        self._show_input()

    def _show_input(self) -> None:
        self.input_view.set_image(self._state.view)
        self.input_view.fit_view()
        self.recompute()

    def _on_bank_changed(self, bank: KernelBank) -> None:
        if self._state is not None:  # kernel_selected follows if the selection moved too
            self._state = replace(self._state, bank=bank, selected=min(self._state.selected, len(bank) - 1))
        self.recompute()

    def _on_kernel_selected(self, index: int) -> None:
        if self._state is not None:
            self._state = replace(self._state, selected=index)

    def _on_settings_changed(self, settings: LabSettings) -> None:
        if self._state is not None:
            self._state = replace(self._state, settings=settings)
        self.recompute()

    def _on_levels_changed(self, _index: int) -> None:
        levels = self.levels.currentData()
        if self._state is not None:
            self._state = replace(self._state, levels=levels)
        for view in (self.maps_view, self.pooled_view):
            view.set_levels_mode(levels)

    def _on_signed_toggled(self, signed: bool) -> None:
        if self._state is not None:
            self._state = replace(self._state, signed=signed)
        self._redraw()

    # ------------------------------------------------------------------ compute
    def request(self) -> LabRequest | None:
        """The request derived from the lab's state (None before an image)."""
        return None if self._state is None else self._state.request(self._serial)

    def recompute(self) -> None:
        """Submit the current state; the newest submission wins."""
        if not self._built:
            return
        self._serial += 1
        request = self.request()
        if request is not None:
            self.computer.submit(request, self._frame_spec())

    def _frame_spec(self):
        """How the views show a result now (read on the UI thread, used on the worker's)."""
        from explorer.ui.kernel_lab.lab_frames import FrameSpec
        from explorer.ui.widgets.appearance import colour_scheme

        return FrameSpec(self._state.levels, self._state.signed, colour_scheme().signed,
                         self.maps_view.view_aspect(), self.pooled_view.view_aspect())

    def _on_result(self, request: LabRequest, result: LabResult, frames=None) -> None:
        if self._shown is not None and result.serial < self._shown[1].serial:
            return  # an older result overtaken by a newer one already drawn
        first = self._shown is None or self._shown[1].maps.shape != result.maps.shape
        self._shown = (request, result)
        self._redraw(frames)
        if first:
            self.maps_view.fit_view()
            self.pooled_view.fit_view()
        self._ready = True
        self.rendered.emit(result.serial)

    def _on_error(self, request: LabRequest, message: str) -> None:
        self._shown = None
        text = f"No feature maps: {message}. Use a smaller kernel, stride or dilation, or more padding."
        self.maps_view.set_message(text)
        self.pooled_holder.setVisible(False)
        self.shapes.setText(f"<b>Impossible shape.</b> {message}.")
        self.explain.clear()
        self._ready = True
        self.rendered.emit(request.serial)

    def _redraw(self, frames=None) -> None:
        """Paint the result shown: with the worker's frames, or frames made here when a view option changed."""
        if self._shown is None:
            return
        from explorer.ui.kernel_lab.lab_frames import lab_frames

        request, result = self._shown
        spec = self._frame_spec()
        if frames is None or frames.spec != spec:
            frames = lab_frames(request, result, spec)
        self.maps_view.show_frame(frames.maps, frames.maps_image)
        self.pooled_holder.setVisible(frames.after is not None)
        title = "<b>After depth-wise pooling</b>" if result.depth_pooled is not None else "<b>After pooling</b>"
        if self.pooled_title.text() != title:
            self.pooled_title.setText(title)
        if frames.after is not None:
            self.pooled_view.show_frame(frames.after, frames.after_image)
        shapes = shapes_html(result)
        if self.shapes.text() != shapes:  # laying out rich text again costs more than comparing it
            self.shapes.setText(shapes)
        self._refresh_explanation()

    def _refresh_explanation(self) -> None:
        """Re-explain the hovered or pinned pixel for the new result, live as the kernel changes."""
        if self._explained is None or not self.explain_pixel(*self._explained[:3], pooled=self._explained[3]):
            self._explained = None
            self._pinned = False
            self.explain.clear()
            self.input_view.clear_highlight()

    # ------------------------------------------------------------------ explain
    def _on_pixel_hovered(self, index: int, y: int, x: int, *, pooled: bool) -> None:
        if pooled and self._shown is not None and self._shown[1].depth_pooled is not None:
            return  # a depth-pooled pixel mixes maps: its arithmetic is the max shown in the labels
        if not self._pinned:
            self.explain_pixel(index, y, x, pooled=pooled)

    def pin_pixel(self, index: int, y: int, x: int, *, pooled: bool = False) -> None:
        """Explain map pixel (y, x) of map `index` and keep it explained while the pointer moves (a click).

        A pixel of depth-wise pooled maps is not explained: it mixes maps, and
        its labels already say which maximum it is.
        """
        if pooled and self._shown is not None and self._shown[1].depth_pooled is not None:
            return
        self._pinned = False
        self.explain_pixel(index, y, x, pooled=pooled)
        self._pinned = True

    def is_pinned(self) -> bool:
        """True while a clicked pixel stays explained."""
        return self._pinned

    def _on_hover_left(self) -> None:
        if not self._pinned:
            self._explained = None
            self.explain.clear()
            self.input_view.clear_highlight()
            self.maps_view.clear_highlight()

    def explain_pixel(self, index: int, y: int, x: int, *, pooled: bool = False) -> bool:
        """Show the arithmetic of map pixel (y, x) and outline its receptive window.

        Returns False (showing nothing) if there is no such pixel in the current result.
        """
        if self._shown is None:
            return False
        request, result = self._shown
        colour_group = request.image.shape[2] if self._colour_tiles() else 1
        channel_index = index * colour_group  # an RGB tile explains its red channel first
        try:
            pool = explain_pool(request, result, channel_index, y, x) if pooled else None
            cy, cx = pool.source if pool else (y, x)
            step = explain_conv(request, result, channel_index, cy, cx)
        except (ValueError, IndexError):
            return False
        self._explained = (index, y, x, pooled)
        self.explain.show_step(step, pool, result.labels[channel_index])
        top, left, bottom, right = step.window
        self.input_view.highlight(0, top, left, bottom, right)
        if pooled:
            self.maps_view.highlight(index, *pool.window)
            self.pooled_view.highlight(index, y, x, y + 1, x + 1)
        else:
            self.maps_view.highlight(index, y, x, y + 1, x + 1)
        return True

    def _colour_tiles(self) -> bool:
        from explorer.ui.kernel_lab.lab_frames import colour_tiles

        return colour_tiles(self._shown[0], self._state.signed)

    # ------------------------------------------------------------------ export
    def export_png(self, path: str | Path) -> Path:
        """Save the feature maps as a PNG grid (atomically)."""
        from PIL import Image

        pixels = self.maps_view.render_png_array(with_labels=True)
        return atomic_write(path, lambda tmp: Image.fromarray(pixels).save(tmp, format="PNG"))

    def export_npy(self, path: str | Path) -> Path:
        """Save the raw feature maps (H', W', K) float32 as .npy (atomically)."""
        if self._shown is None:
            raise ValueError("there are no feature maps to export yet")
        maps = self._shown[1].maps
        return save_npy(path, maps)

    def copy_view(self) -> None:
        """Copy the input and feature maps, as shown, to the clipboard."""
        from PySide6.QtWidgets import QApplication

        QApplication.clipboard().setPixmap(self.grab())

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:  # Qt override
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # Qt override
        if not self._built:
            self.build()
        mime = event.mimeData()
        if mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.source.load_path(mime.urls()[0].toLocalFile())
        elif mime.hasImage():
            self.source.load_qimage(mime.imageData(), "dropped image")
        event.acceptProposedAction()


def _scrolling(widget: QWidget, min_width: int = 140, *, name: str | None = None,
               text: str | None = None) -> QScrollArea:
    """`widget` in a scroll area; a named area is a Tab stop, so the keyboard can scroll its text.

    An unnamed area holds a column of controls: Tab goes straight to them (the
    area scrolls to show the control with the focus).
    """
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setMinimumWidth(min_width)
    if name is None:
        scroll.setFocusPolicy(Qt.NoFocus)
    else:
        describe(scroll, name, text)
    return scroll
