"""Every layer's output for one image: a scrolling column of rows, from the input to the answer.

Shared by the training studio (a probe image while the network learns) and
the drawing pad (the drawing being classified).

Colour convention (the same as the kernel lab's feature maps): the diverging
map with **white = 0**, red = positive, blue = negative, symmetric levels
shared by all channels of one layer (so channels of a layer compare; each
layer has its own range, printed beside its caption).  After a ReLU
everything is >= 0, so those rows run from white ("this unit is silent") to
dark red ("strongly active"); a layer without a ReLU shows its negative
values in blue instead of clipping them.  A sequential map would waste half
its range on the ReLU layers' missing negatives only at the price of reading
differently from every other map in the app.

Speed: the rows (:mod:`~explorer.ui.widgets.activation_rows`) are made once
per architecture (layer names, kinds and shapes); afterwards an update only
rebuilds each row's float32 mosaic (fresh arrays, the caller's are never
written) and hands it to the row's ``ImageItem`` with explicit levels - about
2 ms for the MNIST convnet (3.5 ms with the repaint), so 10 updates a second
are no burden.  A :class:`~explorer.ui.widgets.row_scheduler.RowScheduler`
draws them, in time slices when asked and only the rows in view.  No
TensorFlow here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QScrollArea, QStackedLayout, QVBoxLayout, QWidget

from explorer.core.predict.prediction import LayerActivation, Prediction
from explorer.core.render.luts import BACKGROUND_RGB
from explorer.ui.widgets.activation_rows import BarsRow, InputRow, LayerRow, MapsRow, StripRow
from explorer.ui.widgets.dark_panel import MESSAGE_SCALE, dark_message_label
from explorer.ui.widgets.help_text import describe
from explorer.ui.widgets.row_scheduler import RowScheduler
from explorer.ui.widgets.scene_updates import settle_scene
from explorer.ui.widgets.text_style import follow_font, scaled_font, set_colours

__all__ = ["MAX_LABELLED_DENSE_UNITS", "ActivationsView"]

MAX_LABELLED_DENSE_UNITS = 20  # a final Dense layer this small is drawn as labelled bars


def _architecture(activations: Sequence[LayerActivation]) -> tuple:
    return tuple((a.name, a.kind, tuple(np.shape(a.output))) for a in activations)


def _last_dense_index(arch: tuple) -> int | None:
    """Index of the last Dense layer if it is flat with <= 20 units (drawn as labelled bars)."""
    for i in range(len(arch) - 1, -1, -1):
        name, kind, shape = arch[i]
        if kind == "Dense":
            n = int(np.prod(shape)) if shape else 0
            return i if len(shape) == 1 and 0 < n <= MAX_LABELLED_DENSE_UNITS else None
    return None


class ActivationsView(QWidget):
    """Every layer's output for one image, as a scrolling column of rows.

    Row per layer: a caption ``"conv2d (Conv2D) → 26×26×32"`` with the row's
    colour range, then a mosaic of all channels (spatial outputs), a band of
    cells (flat outputs) or labelled bars (a final Dense layer of <= 20
    units).  Colours: white = 0, red positive, blue negative, one symmetric
    range per layer.  Widgets are built once per architecture; updates only
    replace images (fast enough for 10 updates a second), and only those of
    the rows in view: a row scrolled out of sight is redrawn, from the newest
    prediction, when it comes back into view (during training most layers are
    below the fold, and drawing them takes CPU the training thread needs).
    ``scheduler`` is the :class:`~explorer.ui.widgets.row_scheduler.RowScheduler`
    that does the drawing.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        describe(self, "Layer activations",
                     "How every layer sees one image, from the input at the top to the answer at the "
                     "bottom: white = 0, red = positive, blue = negative.")
        self._arch: tuple | None = None
        self._rows: list[LayerRow] = []
        self._class_names: tuple[str, ...] = ()
        self._latest: tuple | None = None  # the newest (activations, input image)
        self._input_shown: np.ndarray | None = None  # a copy of the input row's image

        self._column = QWidget()
        self._column.setObjectName("activationsColumn")
        set_colours(self._column, background=QColor(*BACKGROUND_RGB))
        self._column_layout = QVBoxLayout(self._column)
        self._column_layout.setContentsMargins(0, 0, 0, 6)
        self._column_layout.setSpacing(0)
        self.input_row = InputRow()
        self.input_row.setVisible(False)
        self._column_layout.addWidget(self.input_row)
        self._column_layout.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self._column)
        self.scheduler = RowScheduler(self, self.scroll_area, count=lambda: len(self._arch), row=self._row,
                                      build=self._build_row, draw=self._draw_row)
        self.scheduler.watch(self._column)  # it moves when scrolled: rows come into view
        # Tab goes from row to row (each row's picture is named); the area scrolls to show it.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.message_label = dark_message_label("activationsMessage")
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.scroll_area)
        self._stack.addWidget(self.message_label)
        self.clear()
        follow_font(self, lambda font: self.message_label.setFont(scaled_font(font, MESSAGE_SCALE)))

    # ----- public API ------------------------------------------------------
    def set_prediction(self, prediction: Prediction | None, *, input_image: np.ndarray | None = None,
                       progressive: bool = False) -> None:
        """Show ``prediction``'s activations (None: the empty state).

        Parameters
        ----------
        prediction : Prediction or None
            Its arrays are read, never written.
        input_image : ndarray, optional
            (H, W) or (H, W, C) image shown above the first layer.
        progressive : bool, optional
            Build and draw the rows a few milliseconds at a time between other
            events, so that live training updates never hold up the event loop
            (default False: everything at once, before returning). A newer
            prediction replaces one still being drawn.
        """
        if prediction is None:
            self.clear()
            return
        activations = prediction.activations
        if not activations and input_image is None:
            self.clear("The model has no layers to show.")
            return
        arch = _architecture(activations)
        if arch != self._arch:
            self._start_rebuild(arch)
        self._latest = (activations, input_image)
        self.scheduler.new_content()
        if (input_image is not None and self.scheduler.showed_previous(-1)
                and np.array_equal(self._input_shown, input_image)):
            self.scheduler.keep(-1)  # the same picture (a training probe): nothing to redraw
        if self._stack.currentIndex() != 0:
            # Coming back from a message: rows reappear one by one as they are drawn, rather than
            # all laid out and painted in one go (a stall of tens of ms during training).
            for row in (self.input_row, *self._rows):
                row.hide()
            self._stack.setCurrentIndex(0)
        self.scheduler.start(progressive=progressive, lead=input_image is not None)

    def is_drawing(self) -> bool:
        """True while a progressive update is still being drawn."""
        return self.scheduler.is_drawing()

    def set_class_names(self, names: Sequence[str]) -> None:
        """Labels for the bars of the final Dense layer (index order)."""
        self._class_names = tuple(str(n) for n in names)
        for row in self._rows:
            if isinstance(row, BarsRow):
                row.set_class_names(self._class_names)

    def clear(self, message: str = "No image has been classified yet.") -> None:
        """Show ``message`` instead of the layers (the rows are kept for the next update)."""
        self._latest = None
        self.scheduler.stop()
        self.message_label.setText(message)
        self._stack.setCurrentIndex(1)

    def message(self) -> str | None:
        """The message shown, or None when layers are shown."""
        return self.message_label.text() if self._stack.currentIndex() == 1 else None

    def rows(self) -> list[LayerRow]:
        """The layer rows in order (the input row is ``input_row``)."""
        return list(self._rows)

    # ----- internals ----------------------------------------------------------
    def _start_rebuild(self, arch: tuple) -> None:
        """Drop the old rows; the scheduler has the new ones built, one at a time."""
        for row in self._rows:
            self._column_layout.removeWidget(row)
            row.hide()
            row.deleteLater()  # deleted by Qt on this thread; never left to the garbage collector
        self._rows = []
        self.scheduler.forget()
        self._arch = arch

    def _row(self, index: int) -> LayerRow | None:
        if index == -1:
            return self.input_row
        return self._rows[index] if index < len(self._rows) else None

    def _build_row(self, i: int) -> None:
        name, kind, shape = self._arch[i]
        if i == _last_dense_index(self._arch):
            row = BarsRow(name, kind, shape)
            row.set_class_names(self._class_names)
        elif len(shape) == 3 and min(shape) > 0:
            row = MapsRow(name, kind, shape)
        else:
            row = StripRow(name, kind, shape)
        row.hide()  # until it is drawn
        self.scheduler.watch(row)  # it moves when a row above it appears: it may come into view
        self._column_layout.insertWidget(1 + i, row)  # after the input row, before the stretch
        self._rows.append(row)

    def _draw_row(self, index: int) -> None:
        activations, input_image = self._latest
        row = self._row(index)
        row.update_output(input_image if index == -1 else activations[index].output)
        if index == -1:
            self._input_shown = np.array(input_image, copy=True)
        row.show()
        settle_scene(row.body)
