"""Fine-tuning in two phases: the new head alone first, then the top of the base too, more slowly.

The Keras guide's recipe ("Transfer learning & fine-tuning"): train the new
head with every pre-trained layer frozen until it is no longer random, then
unfreeze the top layers and go on at a learning rate about ten times lower,
so the large gradients of a random head do not wreck the pre-trained weights.
The second ``fit`` starts at ``initial_epoch`` = the warm-up, so epochs are
numbered 1..epochs across both phases.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["FINE_TUNE_RATE_FACTOR", "fit_in_phases"]

#: The learning rate of the second phase, as a fraction of the first's.
FINE_TUNE_RATE_FACTOR = 0.1


def fit_in_phases(fit: Callable[[int, int], None], unfreeze: Callable[[], None], *, warmup_epochs: int,
                  epochs: int, go_on: Callable[[], bool]) -> None:
    """Run ``fit(initial_epoch, epochs)`` once, or twice around ``unfreeze()`` when there is a warm-up.

    Parameters
    ----------
    fit : callable
        ``fit(initial_epoch, until_epoch)``: one Keras ``fit`` (0-based initial epoch).
    unfreeze : callable
        Between the phases: change which layers train and compile again.
    warmup_epochs : int
        0: one plain fit of `epochs`.
    epochs : int
    go_on : callable
        Asked after the warm-up: False (stopped, diverged) ends the run there.
    """
    if not warmup_epochs:
        fit(0, epochs)
        return
    fit(0, warmup_epochs)
    if go_on():
        unfreeze()
        fit(warmup_epochs, epochs)
