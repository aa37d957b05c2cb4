"""fast_fit: steps per call into TensorFlow from a budget, and the step-time estimate on a real tiny model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer.core.train.fast_fit import (
    EXECUTION_BUDGET_S,
    MAX_STEPS_PER_EXECUTION,
    choose_steps_per_execution,
    estimate_step_seconds,
    steps_per_execution,
)


@pytest.mark.parametrize(("step_s", "budget", "most", "batches", "expected"), [
    (0.010, 0.1, 16, None, 10),   # ten 10 ms steps fit in 0.1 s
    (0.001, 0.1, 16, None, 16),   # bounded by `most`
    (0.001, 0.1, 16, 5, 5),       # and by the batches of an epoch
    (0.3, 0.1, 16, None, 1),      # a step longer than the budget: one a call
    (0.034, 0.1, 16, None, 2),
    (math.nan, 0.1, 16, None, 1),
    (0.0, 0.1, 16, None, 1),
    (-1.0, 0.1, 16, None, 1),
    (0.01, 0.0, 16, None, 1),
    (0.01, 0.1, 0, None, 1),
])
def test_steps_per_execution(step_s, budget, most, batches, expected):
    assert steps_per_execution(step_s, budget_s=budget, most=most, batches=batches) == expected


def test_the_defaults_leave_pause_and_stop_room():
    assert 0 < EXECUTION_BUDGET_S <= 0.125  # half the 0.25 s they must act in, at most
    assert MAX_STEPS_PER_EXECUTION > 1


def _tiny_model(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.5), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax"),
    ])


def test_the_estimate_times_a_real_model_and_changes_nothing():
    keras = pytest.importorskip("keras")
    from explorer.core import tf_backend

    tf = tf_backend.load()
    model = _tiny_model(keras)
    before = [w.copy() for w in model.get_weights()]
    images = np.random.default_rng(0).random((20, 8, 8, 1), dtype=np.float32)
    seconds = estimate_step_seconds(tf, model, images, batch_size=16)
    assert math.isfinite(seconds) and 0 < seconds < 1.0
    for old, new in zip(before, model.get_weights(), strict=True):  # BatchNormalization's statistics too
        np.testing.assert_array_equal(old, new)
    # Fewer images than a batch: scaled up to the batch (a step of 64 costs more than one of 4).
    assert estimate_step_seconds(tf, model, images[:4], batch_size=64) > 0


def test_choosing_falls_back_to_one_step_a_call():
    keras = pytest.importorskip("keras")
    from explorer.core import tf_backend

    tf = tf_backend.load()
    model = _tiny_model(keras)
    images = np.zeros((32, 8, 8, 1), np.float32)
    assert choose_steps_per_execution(tf, model, images, 8, batches=4, budget_s=10.0) == 4  # every batch
    assert choose_steps_per_execution(tf, model, images, 8, batches=4, budget_s=0.0) == 1
    assert choose_steps_per_execution(tf, model, images, 8, batches=1, budget_s=10.0) == 1
    assert choose_steps_per_execution(tf, model, images[:0], 8, batches=4, budget_s=10.0) == 1
    wrong = np.zeros((32, 5, 5, 1), np.float32)  # the model cannot take these: no speed-up, no crash
    assert choose_steps_per_execution(tf, model, wrong, 8, batches=4, budget_s=10.0) == 1
