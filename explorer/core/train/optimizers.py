"""The optimizer of a run, as the configuration names it, without Keras' gradient sum when one replica trains.

Keras is passed in (imported by the caller, lazily); TensorFlow is imported
inside :func:`without_replica_sum`.
"""

from __future__ import annotations

import numpy as np

from explorer.core.train.config import TrainConfig

__all__ = ["make_optimizer", "without_replica_sum", "learning_rate_of"]


def make_optimizer(keras, config: TrainConfig):
    """A fresh Keras optimizer for `config` (its learning rate, else the optimizer's default).

    Make it inside the scope of the strategy it will train under (the trainer
    does): its variables and :func:`without_replica_sum` follow that strategy.

    Parameters
    ----------
    keras : module
        The imported ``keras``.
    config : TrainConfig
        ``optimizer`` is one of :data:`~explorer.core.train.config.OPTIMIZERS`.
    """
    classes = {
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "nadam": keras.optimizers.Nadam,
    }
    optimizer_class = classes[config.optimizer]
    if config.learning_rate is None:
        return without_replica_sum(optimizer_class())
    return without_replica_sum(optimizer_class(learning_rate=float(config.learning_rate)))


def without_replica_sum(optimizer):
    """The optimizer, minus Keras' sum of the gradients over replicas when there is only one.

    Call it right after making the optimizer, under the strategy it will train
    with (the current ``tf.distribute`` strategy). With one replica that sum is
    the gradients themselves, but Keras 3 still calls TensorFlow's
    ``ReplicaContext.all_reduce``, a ``tf.custom_gradient`` that registers a new
    gradient function in a global registry every time a training step is
    traced. That function keeps the whole traced step alive: every model
    trained in the process leaked about 8 MB and its graphs (the upstream
    reports tensorflow/tensorflow#61791 and keras-team/tf-keras#286;
    ``clear_session`` does not help). Empty gradients are filtered out before
    this step either way.

    With several replicas (a ``MirroredStrategy`` over two or more devices) the
    sum is what combines the replicas' gradients, so it is kept: such runs
    still leak the traced step, which is the price of multi-device training.
    """
    import tensorflow as tf

    one_replica = tf.distribute.get_strategy().num_replicas_in_sync == 1
    if one_replica and hasattr(optimizer, "_all_reduce_sum_gradients"):  # Keras' TensorFlow optimizer
        optimizer._all_reduce_sum_gradients = list
    return optimizer


def learning_rate_of(optimizer) -> float:
    """The optimizer's learning rate as a float (NaN if it is a schedule or unreadable)."""
    try:
        return float(np.asarray(optimizer.learning_rate))
    except (TypeError, ValueError):
        return float("nan")
