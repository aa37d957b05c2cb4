"""The run's timeline: a slider over the moments kept for replay, their label, and a Live button.

Dragging the slider scrubs through the run. The moment chosen goes out
through a :class:`~explorer.ui.services.throttle.Throttle`, so a fast drag
asks for a redraw at most every :data:`SCRUB_INTERVAL_MS` while it goes on
(the newest position wins, and the one the drag stops at always comes).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from explorer.core.numbers import plural
from explorer.core.train.replay import ReplayMoment
from explorer.ui.services.throttle import Throttle
from explorer.ui.widgets.help_text import describe

__all__ = ["Timeline", "SCRUB_INTERVAL_MS"]

#: While the slider moves, at most one moment is chosen this often (a frame or two: each costs a redraw).
SCRUB_INTERVAL_MS = 40
EMPTY_TEXT = "The run's timeline appears here once training starts."


class Timeline(QWidget):
    """A slider over a run's kept moments, the moment's label and a Live button.

    Signals
    -------
    moment_chosen(ReplayMoment)
        The slider moved to a moment (throttled: at most every SCRUB_INTERVAL_MS).
    live_requested()
        The Live button was pressed: back to the model as it is now.
    """

    moment_chosen = Signal(object)
    live_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        describe(self, "Run timeline",
                 "Drag to replay the run: the curves, filters, activations and the drawing pad's guess show "
                 "the model as it was at that moment. Live goes back to the model as it is now.")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        describe(self.slider, "Moment of the run", self.toolTip())
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.label = QLabel(EMPTY_TEXT)
        self.label.setAccessibleName("Moment shown")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("epoch 88, batch 8888 of 8888 (x)"))
        self.live_button = QPushButton("Live")
        describe(self.live_button, "Live", "Show the model as it is now again (the end of the replay).")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Replay:"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live_button)
        self._moments: tuple[ReplayMoment, ...] = ()
        self._shown: ReplayMoment | None = None  # the moment replayed; None while live
        self._throttle = Throttle(SCRUB_INTERVAL_MS, self._choose, parent=self)
        self.slider.valueChanged.connect(self._on_value_changed)
        self.live_button.clicked.connect(self._on_live_clicked)
        self.set_moments(())

    # ------------------------------------------------------------------ state
    def is_live(self) -> bool:
        """True unless a moment of the run is being replayed."""
        return self._shown is None

    def moments(self) -> tuple[ReplayMoment, ...]:
        """The moments the slider runs over, oldest first."""
        return self._moments

    def current(self) -> ReplayMoment | None:
        """The moment replayed, or None while live."""
        return self._shown

    def set_moments(self, moments: Sequence[ReplayMoment]) -> None:
        """The run's kept moments (oldest first); the slider stays live or on the moment it shows."""
        self._moments = tuple(moments)
        count = len(self._moments)
        self.slider.blockSignals(True)  # a new range is no choice of the user's
        self.slider.setRange(0, max(count - 1, 0))
        if self._shown is None or not count:
            self.slider.setValue(count - 1 if count else 0)
        else:
            self.slider.setValue(min(range(count), key=lambda i: abs(self._moments[i].position
                                                                      - self._shown.position)))
        self.slider.blockSignals(False)
        self.slider.setEnabled(count > 0)
        if not count:
            self._shown = None
        self._show_state()

    def show_live(self) -> None:
        """Back to live without announcing it (the run restarted, a model was loaded)."""
        self._shown = None
        self.set_moments(self._moments)

    def go_to(self, index: int) -> None:
        """Move the slider to moment `index`, as a user would."""
        self.slider.setValue(int(index))

    # ------------------------------------------------------------------ events
    def _on_value_changed(self, index: int) -> None:
        if 0 <= index < len(self._moments):
            self._throttle.offer(self._moments[index])

    def _choose(self, moment: ReplayMoment) -> None:
        self._shown = moment
        self._show_state()
        self.moment_chosen.emit(moment)

    def _on_live_clicked(self) -> None:
        self._throttle.flush()  # a choice still waiting is older than the click
        self.show_live()
        self.live_requested.emit()

    def _show_state(self) -> None:
        count = len(self._moments)
        if not count:
            self.label.setText(EMPTY_TEXT)
        elif self._shown is not None:
            self.label.setText(self._shown.label)
        else:
            self.label.setText(f"live \u2014 drag to replay {plural(count, 'moment')}")
        self.live_button.setEnabled(self._shown is not None)
