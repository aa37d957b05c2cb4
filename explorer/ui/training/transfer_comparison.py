"""One click: the transfer run, then the same network from scratch on the same data, side by side.

`TransferComparison` watches the studio's runs (their configurations, as the
studio starts them, and their updates) and records each transfer run and
each "from scratch" run's history and test accuracy in a `ComparisonView`.
"Compare with from scratch" starts the from-scratch twin of the settings,
``replace(config, reinitialise=True, frozen_layers=(), warmup_epochs=0)``,
after the transfer run of the same settings, running that first when it has
not run yet. Both go through the studio's one training controller, one after
the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core.train.config import TrainConfig
from explorer.core.train.updates import Diverged, Failed, Finished, Stopped
from explorer.ui.training.comparison_view import SCRATCH, TRANSFER

__all__ = ["TransferComparison", "scratch_twin"]


def scratch_twin(config: TrainConfig) -> TrainConfig:
    """The same network (kept layers + head) with fresh random weights, every layer trainable."""
    return replace(config, reinitialise=True, frozen_layers=(), warmup_epochs=0)


class TransferComparison(QObject):
    """Record transfer and from-scratch runs; start the pair on request.

    Parameters
    ----------
    view : ComparisonView
    start : callable
        ``start(config, **trainer_options) -> bool``: the studio's start.

    Signals
    -------
    both_shown()
        The from-scratch run has ended with a transfer run of the same settings shown: time to look.
    """

    both_shown = Signal()

    def __init__(self, view, start: Callable[..., bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._start = start
        self._run: str | None = None  # TRANSFER or SCRATCH while such a run goes on
        self._config: TrainConfig | None = None
        self._options: dict = {}
        self._done_transfer: TrainConfig | None = None  # the settings whose transfer run is shown
        self._pending: tuple[TrainConfig, dict] | None = None  # the from-scratch run to start next

    def note_start(self, config: TrainConfig, options: dict) -> None:
        """The studio starts `config` (every run passes here)."""
        self._config, self._options = config, dict(options)
        self._run = SCRATCH if config.reinitialise else TRANSFER if config.base else None
        if self._run == TRANSFER:
            self._done_transfer = None
            self.view.clear("Training the transfer run…")
        self.view.set_waiting_for_scratch(self._run == SCRATCH)

    def compare(self, config: TrainConfig, options: dict | None = None) -> str:
        """Run the from-scratch twin of `config` (after its transfer run, started first if needed).

        Returns "" when a run started, else the sentence that says why not.
        """
        options = dict(options or {})
        if not config.base:
            return "choose a model to start from first: there is no transfer run to compare with"
        twin = scratch_twin(config)
        if self._done_transfer == config:
            return "" if self._start(twin, **options) else "a run is in progress"
        self._pending = (twin, options)
        if not self._start(config, **options):
            self._pending = None
            return "a run is in progress"
        return ""

    def is_pending(self) -> bool:
        """True while a from-scratch run waits for its transfer run to end."""
        return self._pending is not None

    def on_update(self, update) -> None:
        """Record a run's end; a failed or stopped transfer run cancels the comparison."""
        if isinstance(update, (Failed, Diverged)):
            self._cancel()
            return
        if not isinstance(update, (Finished, Stopped)) or self._run is None:
            return
        accuracy = None if update.evaluation is None else float(update.evaluation.test_accuracy)
        self.view.set_waiting_for_scratch(False)
        self.view.set_run(self._run, dict(update.history), accuracy)
        if self._run == TRANSFER:
            self._done_transfer = self._config
        elif self._done_transfer is not None and scratch_twin(self._done_transfer) == self._config:
            self.both_shown.emit()
        if isinstance(update, Stopped):
            self._cancel()

    def on_running_changed(self, running: bool) -> None:
        """When the transfer run has ended, start the from-scratch one (after the controller is idle)."""
        if not running and self._pending is not None:
            QTimer.singleShot(0, self._start_pending)

    def _start_pending(self) -> None:
        if self._pending is None:
            return
        twin, options = self._pending
        self._pending = None
        self._start(twin, **options)

    def _cancel(self) -> None:
        self._pending = None
        self.view.set_waiting_for_scratch(False)
