"""How many training steps one call into TensorFlow runs: fewer round trips, Pause and Stop still prompt.

By default ``fit`` calls its compiled training step once per batch, and
between two calls Python takes over: it converts the logs, runs the
callbacks (the reporter among them) and asks for the next batch, while
TensorFlow's threads wait. With ``compile(steps_per_execution=n)`` one call
runs `n` steps in a TensorFlow loop, so that Python work happens once per
`n` batches. The reporter also runs only then, which is when Pause and Stop
are seen: `n` is chosen so that one call takes about
:data:`EXECUTION_BUDGET_S`, well within the 0.25 s they must act in. The
step time comes from a timed forward pass of one batch
(:func:`estimate_step_seconds`, about four forward passes make a training
step), measured before training: compiling with `n` has to come first.

TensorFlow is passed in; nothing here imports it.
"""

from __future__ import annotations

import math
import statistics
import time

__all__ = [
    "EXECUTION_BUDGET_S",
    "MAX_STEPS_PER_EXECUTION",
    "TRAIN_STEP_PER_FORWARD",
    "estimate_step_seconds",
    "steps_per_execution",
    "choose_steps_per_execution",
]

#: Seconds one call into TensorFlow should take: a pause or stop waits at most this long for it
#: (plus the reporter's own work), with room for a machine that slows down after the estimate.
EXECUTION_BUDGET_S = 0.1
#: More steps a call gain little once Python's share per step is small.
MAX_STEPS_PER_EXECUTION = 16
#: A training step (forward, backward, update) costs about this many forward passes.
TRAIN_STEP_PER_FORWARD = 4.0


def steps_per_execution(step_s: float, *, budget_s: float = EXECUTION_BUDGET_S,
                        most: int = MAX_STEPS_PER_EXECUTION, batches: int | None = None) -> int:
    """Steps per call so that one call takes at most `budget_s` (at least 1, at most `most` and `batches`).

    Parameters
    ----------
    step_s : float
        Estimated seconds per training step; not finite or not positive gives 1.
    budget_s : float
        Seconds one call may take.
    most : int
        Upper bound.
    batches : int, optional
        Batches per epoch: more steps than that per call would only mean one call per epoch.
    """
    if not (math.isfinite(step_s) and step_s > 0 and math.isfinite(budget_s) and budget_s > 0):
        return 1
    upper = max(1, int(most) if batches is None else min(int(most), int(batches)))
    return max(1, min(upper, int(budget_s // step_s)))


def estimate_step_seconds(tf, model, images, batch_size: int, *, repeats: int = 3) -> float:
    """Seconds a training step of `model` on `batch_size` of `images` should take.

    Times a traced forward pass (inference mode: no layer changes its state)
    of one batch `repeats` times after tracing it, takes the median and
    scales it by :data:`TRAIN_STEP_PER_FORWARD` (and by the batch size, when
    `images` holds fewer). The traced function is dropped afterwards.

    Parameters
    ----------
    tf : module
        The imported ``tensorflow``.
    model : keras.Model
        A built model (it need not be compiled).
    images : ndarray or tensor
        At least one input.
    batch_size : int
    repeats : int
    """
    rows = min(int(batch_size), len(images))
    batch = tf.convert_to_tensor(images[:rows])
    forward = tf.function(lambda inputs: model(inputs, training=False))
    forward(batch).numpy()  # tracing and first-run costs are not a step's
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        forward(batch).numpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * TRAIN_STEP_PER_FORWARD * (int(batch_size) / rows)


def choose_steps_per_execution(tf, model, images, batch_size: int, batches: int, *,
                               budget_s: float = EXECUTION_BUDGET_S, most: int = MAX_STEPS_PER_EXECUTION) -> int:
    """:func:`steps_per_execution` from :func:`estimate_step_seconds`; 1 if the estimate fails or is pointless.

    A budget of 0 (or `most` 1) means one step per call without timing anything.
    A model that cannot be timed this way (the estimate raises) trains one step
    per call, as a plain ``fit``: training itself reports any real problem.
    """
    if budget_s <= 0 or most <= 1 or batches <= 1 or len(images) == 0:
        return 1
    try:
        step_s = estimate_step_seconds(tf, model, images, batch_size)
    except Exception:  # noqa: BLE001 - only a speed-up is lost; fit() meets any real problem itself
        return 1
    return steps_per_execution(step_s, budget_s=budget_s, most=most, batches=batches)
