"""The run's optimizer: the configured one, without Keras' sum of gradients over a single replica."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.train.config import TrainConfig
from explorer.core.train.optimizers import learning_rate_of, make_optimizer, without_replica_sum

keras = pytest.importorskip("keras")


def test_skipping_the_one_replica_gradient_sum_trains_exactly_alike():
    rng = np.random.default_rng(1)
    x, y = rng.random((64, 6, 6, 1), dtype=np.float32), rng.integers(0, 3, 64)
    trained = []
    for optimizer in (keras.optimizers.Adam(), without_replica_sum(keras.optimizers.Adam())):
        keras.utils.set_random_seed(7)
        model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                                  keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for a, b in zip(*trained, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, cls", [("rmsprop", "RMSprop"), ("adam", "Adam"), ("sgd", "SGD"), ("nadam", "Nadam")])
def test_the_configured_optimizer_and_learning_rate(name, cls):
    default = make_optimizer(keras, TrainConfig(optimizer=name))
    assert type(default).__name__ == cls
    assert learning_rate_of(default) == pytest.approx(float(np.asarray(type(default)().learning_rate)))
    assert learning_rate_of(make_optimizer(keras, TrainConfig(optimizer=name, learning_rate=0.02))) == \
        pytest.approx(0.02)
