"""A run kept in memory for replay: the model's weights at chosen moments, bounded in count and bytes.

:class:`ReplayMoment` is the model as it was at one moment of a run (its
weights, the metrics and the per-epoch curves so far); :class:`RunReplay`
an immutable, ordered set of them that never holds more than
``max_moments`` moments nor ``max_bytes`` bytes of weights. Adding a moment
over a bound thins the older ones: points within an epoch go first, then
epoch ends, evenly (the one whose neighbours are closest goes, so the
timeline stays evenly covered and every other old epoch goes first); the
first and the newest moments stay as long as anything else can go.
:class:`ReplayRecorder` turns a run's updates into moments: a few points
within the first epoch (where most happens), every epoch end and the end of
the run. No Qt, no TensorFlow: the weights are the read-only arrays the
updates already carry, never copied again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from explorer.core.train.updates import BatchDone, EpochDone, Finished, Stopped

__all__ = [
    "MAX_MOMENTS", "MAX_BYTES", "FIRST_EPOCH_FRACTIONS", "ReplayMoment", "RunReplay", "ReplayRecorder",
    "moment_of",
]

#: At most this many moments per run.
MAX_MOMENTS = 50
#: At most this many bytes of weights per run (200 MB).
MAX_BYTES = 200 * 1024 * 1024
#: Within the first epoch, a moment is kept at the first batch and at about these fractions of it.
FIRST_EPOCH_FRACTIONS = (0.1, 0.25, 0.5)


@dataclass(frozen=True, kw_only=True)
class ReplayMoment:
    """The model at one moment of a run.

    ``epoch`` is 1-based, ``batch`` the batches of that epoch trained so far
    (``batches`` at an epoch's end). ``weights`` are read-only arrays in
    ``model.get_weights()`` order; ``history`` holds the per-epoch curves of
    the epochs completed by then.
    """

    epoch: int
    batch: int
    batches: int
    epochs: int
    weights: tuple[np.ndarray, ...]
    metrics: Mapping[str, float] = field(default_factory=dict)
    history: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    epoch_end: bool = False
    end: str = ""  # "" during the run; "finished" or "stopped" for the run's last moment

    @property
    def position(self) -> float:
        """Where the moment is on the run's axis, in epochs: ``epoch - 1 + batch / batches``."""
        return self.epoch - 1 + (self.batch / self.batches if self.batches else 1.0)

    @property
    def nbytes(self) -> int:
        """Bytes of weights held."""
        return sum(int(w.nbytes) for w in self.weights)

    @property
    def label(self) -> str:
        """For people: "epoch 2, batch 300 of 844", "end of epoch 2 of 5", "end of epoch 5 of 5 (finished)"."""
        if self.epoch_end:
            text = f"end of epoch {self.epoch} of {self.epochs}"
        else:
            text = f"epoch {self.epoch}, batch {self.batch} of {self.batches}"
        return f"{text} ({self.end})" if self.end else text


def moment_of(update) -> ReplayMoment | None:
    """The moment an update with weights describes (None if it carries none).

    Parameters
    ----------
    update : BatchDone, EpochDone, Finished or Stopped
        Other updates give None.
    """
    if not isinstance(update, (BatchDone, EpochDone, Finished, Stopped)) or not update.weights:
        return None
    batches = int(update.batches)
    epoch_end = isinstance(update, EpochDone) or (
        isinstance(update, (Finished, Stopped)) and batches > 0 and update.batch >= batches)
    end = "finished" if isinstance(update, Finished) else "stopped" if isinstance(update, Stopped) else ""
    return ReplayMoment(
        epoch=int(update.epoch), batch=int(update.batch), batches=batches, epochs=int(update.epochs),
        weights=tuple(_read_only(w) for w in update.weights), metrics=dict(update.metrics),
        history={key: tuple(values) for key, values in update.history.items()}, epoch_end=epoch_end, end=end,
    )


def _read_only(weight) -> np.ndarray:
    if isinstance(weight, np.ndarray) and not weight.flags.writeable:
        return weight
    copy = np.array(weight, copy=True)
    copy.setflags(write=False)
    return copy


@dataclass(frozen=True)
class RunReplay:
    """The moments kept of one run, oldest first, within ``max_moments`` and ``max_bytes``.

    Immutable: :meth:`with_moment` returns a new value.
    """

    moments: tuple[ReplayMoment, ...] = ()
    max_moments: int = MAX_MOMENTS
    max_bytes: int = MAX_BYTES

    def __post_init__(self) -> None:
        if self.max_moments < 1 or self.max_bytes < 1:
            raise ValueError("a replay keeps at least one moment and one byte")

    @property
    def nbytes(self) -> int:
        """Bytes of weights held by all moments."""
        return sum(moment.nbytes for moment in self.moments)

    def __len__(self) -> int:
        return len(self.moments)

    def with_moment(self, moment: ReplayMoment) -> RunReplay:
        """This replay with `moment` added last, then thinned to the bounds.

        A moment at the position of the newest replaces it (the end of a run
        after its last epoch's end); one before it, or one bigger than
        ``max_bytes`` on its own, is not added (the same value comes back).
        """
        if moment.nbytes > self.max_bytes:
            return self
        moments = list(self.moments)
        if moments and moment.position < moments[-1].position:
            return self
        if moments and moment.position == moments[-1].position:
            moments[-1] = moment
        else:
            moments.append(moment)
        return replace(self, moments=tuple(_thinned(moments, self.max_moments, self.max_bytes)))

    def nearest(self, position: float) -> int:
        """The index of the moment nearest `position` (epochs); -1 when empty."""
        if not self.moments:
            return -1
        return int(np.argmin([abs(m.position - position) for m in self.moments]))


def _thinned(moments: list[ReplayMoment], max_moments: int, max_bytes: int) -> list[ReplayMoment]:
    """Drop moments until both bounds hold; the newest one always stays."""
    total = sum(moment.nbytes for moment in moments)
    while len(moments) > max_moments or total > max_bytes:
        index = _next_to_drop(moments)
        total -= moments.pop(index).nbytes
    return moments


def _next_to_drop(moments: Sequence[ReplayMoment]) -> int:
    """Within-epoch points first, then epoch ends, then the first moment; never the newest.

    Within a kind, the moment whose neighbours are closest on the run's axis
    goes (the oldest among equals): the rest stay evenly spread.
    """
    last = len(moments) - 1
    for wanted_end in (False, True):
        candidates = [i for i in range(1, last) if moments[i].epoch_end == wanted_end]
        if candidates:
            return min(candidates, key=lambda i: (moments[i + 1].position - moments[i - 1].position, i))
    return 0


class ReplayRecorder:
    """Keeps a :class:`RunReplay` of the run whose updates it is offered (one thread only).

    Records the first batch update with weights, then in the first epoch the
    first with weights at or after each of `fractions` of the batches, every
    epoch end and the run's end.

    Parameters
    ----------
    max_moments, max_bytes : int
        The replay's bounds.
    fractions : sequence of float
        Within the first epoch, where to keep moments (fractions of its batches).
    """

    def __init__(self, *, max_moments: int = MAX_MOMENTS, max_bytes: int = MAX_BYTES,
                 fractions: Sequence[float] = FIRST_EPOCH_FRACTIONS) -> None:
        self._bounds = (int(max_moments), int(max_bytes))
        self._fractions = tuple(sorted(float(f) for f in fractions))
        self.clear()

    @property
    def replay(self) -> RunReplay:
        """The moments kept so far."""
        return self._replay

    def clear(self) -> None:
        """Forget every moment (a new run starts)."""
        self._replay = RunReplay(max_moments=self._bounds[0], max_bytes=self._bounds[1])
        self._reached = -1.0  # the fraction of the first epoch recorded last (-1: nothing yet)

    def offer(self, update) -> bool:
        """Record `update` if it is a moment worth keeping; True if the replay changed."""
        if isinstance(update, BatchDone):
            if not update.weights or update.epoch != 1 or not update.batches:
                return False
            fraction = update.batch / update.batches
            if self._reached >= 0 and not any(self._reached < f <= fraction for f in self._fractions):
                return False
            self._reached = fraction
        moment = moment_of(update)
        if moment is None:
            return False
        before = self._replay
        self._replay = before.with_moment(moment)
        return self._replay is not before
