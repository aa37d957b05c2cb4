"""Load a transfer-learning base and plan the cut off the UI thread.

Loading a ``.keras`` file or a Keras Applications base takes seconds (and the
first `plan` builds a model to count its parameters as Keras does), so the
transfer panel hands each request to a `TransferPlanner`, which owns one
`MailboxWorker`: the newest request wins. The worker keeps the last base it
loaded, so changing the cut or the frozen layers only re-plans. Results come
back as frozen `PlanResult`s (or one-line messages) in the UI thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from explorer.ui.services.workers import MailboxWorker

__all__ = ["PlanRequest", "PlanResult", "TransferPlanner"]


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: the base (`source` as ``TrainConfig.base``) and the cut, head and frozen layers.

    `preset` (a key of ``transfer.PRESETS``) replaces `frozen_layers` with the
    preset's choice for this cut. `model` (optional): a model to save to
    `source` first, atomically (the studio's "model just trained").
    """

    source: str
    num_classes: int
    keep_up_to: str = ""
    head: tuple = ()
    frozen_layers: tuple[str, ...] = ()
    preset: str = ""
    input_shape: tuple[int, ...] | None = None
    model: object = None
    hint: str = ""  # an Advice's keep_up_to_hint: replaces keep_up_to with the layer it means


@dataclass(frozen=True)
class PlanResult:
    """A request's answer: the base's layers, its default cut, and the plan (rows and counts).

    `dropped` are rows (``transfer.PlanRow``, kept=False, new=False) for the
    base's layers after the cut, which the plan leaves out; `cuts` are the
    layers one may cut after (all but the base's last).
    """

    request: PlanRequest
    layer_names: tuple[str, ...]
    default_cut: str
    keep_up_to: str
    frozen_layers: tuple[str, ...]
    warmup_epochs: int
    plan: object  # explorer.core.model.transfer.TransferPlan
    dropped: tuple = ()

    @property
    def cuts(self) -> tuple[str, ...]:
        return self.layer_names[:-1]

    @property
    def rows(self) -> tuple:
        """The plan's kept rows, then the dropped base layers, then the new ones: the table's order."""
        rows = self.plan.rows
        return (*(r for r in rows if not r.new), *self.dropped, *(r for r in rows if r.new))


class TransferPlanner(QObject):
    """Plans transfers on a thread of its own.

    Signals
    -------
    planned(PlanResult)
    failed(str)
        A one-line message (the file is not a model, the weights cannot be downloaded, ...).
    """

    planned = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: MailboxWorker | None = None  # no thread until the first request
        self._base_key = None  # (source, mtime) of the base below: on the worker thread only
        self._base = None

    def request(self, request: PlanRequest) -> None:
        """Plan `request` in the background (replacing one still waiting)."""
        if self._worker is None:
            self._worker = MailboxWorker("transfer-planner", self._handle, parent=self)
            self._worker.failed.connect(lambda _item, message: self.failed.emit(message))
        self._worker.submit(request)

    def is_busy(self) -> bool:
        """True while a request waits or is being planned."""
        return self._worker is not None and self._worker.is_busy()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Wait until every request is handled (tests); True if so."""
        return self._worker is None or self._worker.wait_idle(timeout_ms)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """End the worker thread (the studio calls this when the window closes).

        A download still going after `timeout_ms` is no longer waited for.
        """
        if self._worker is not None:
            self._worker.shutdown(timeout_ms)

    def _handle(self, request: PlanRequest) -> None:  # on the worker thread
        from explorer.core.model import transfer
        from explorer.core.model.model_files import ModelFileError

        try:
            self.planned.emit(self._plan(request, transfer))
        except (transfer.TransferError, ModelFileError, OSError, ValueError) as exc:
            self.failed.emit(str(exc) or type(exc).__name__)

    def _plan(self, request: PlanRequest, transfer) -> PlanResult:
        base = self._load(request, transfer)
        cut = transfer.default_cut(base)
        keep = transfer.hint_layer(base, request.hint) if request.hint else request.keep_up_to
        frozen, warmup = tuple(request.frozen_layers), 0
        if request.preset:
            frozen, warmup = transfer.preset_frozen_layers(base, keep, request.preset)
        plan = transfer.plan(base, keep_up_to=keep, head=tuple(request.head), num_classes=request.num_classes,
                             frozen_layers=tuple(frozen), input_shape=request.input_shape)
        layers = [layer for layer in base.layers if type(layer).__name__ != "InputLayer"]
        names = tuple(layer.name for layer in layers)
        end = names.index(plan.keep_up_to) + 1
        dropped = tuple(transfer.PlanRow(layer.name, type(layer).__name__, _output_shape(layer),
                                         int(layer.count_params()), False, bool(layer.trainable), False)
                        for layer in layers[end:])
        return PlanResult(request, names, cut, keep, tuple(frozen), int(warmup), plan, dropped)

    def _load(self, request: PlanRequest, transfer):
        if request.model is not None:
            from explorer.core.model.model_files import save_model

            os.makedirs(os.path.dirname(request.source) or ".", exist_ok=True)
            save_model(request.model, request.source)
        application = request.source.startswith("keras:")
        key = (request.source, _mtime(request.source), request.input_shape if application else None)
        if key != self._base_key:
            self._base, self._base_key = None, None  # a failed load leaves nothing stale behind
            self._base = transfer.load_base(request.source,
                                            input_shape=request.input_shape if application else None)
            self._base_key = key
        return self._base


def _output_shape(layer) -> tuple[int, ...]:
    try:
        return tuple(int(n) for n in layer.output.shape[1:])
    except (AttributeError, ValueError, TypeError):  # a layer never called has no output
        return ()


def _mtime(source: str) -> float | None:
    """A file's modification time (a re-saved file is loaded again); None for a Keras Applications name."""
    try:
        return os.stat(source).st_mtime_ns
    except OSError:
        return None
