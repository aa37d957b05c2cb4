"""After training: the test-set :class:`Evaluation` and :func:`evaluate`, which makes it.

One prediction pass gives the loss, the accuracy, the confusion matrix and
the mistakes, most confident first. TensorFlow and scikit-learn are imported
inside :func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Evaluation", "evaluate"]

#: Keras clips probabilities like this before the log in cross-entropy.
_EPSILON = 1e-7


@dataclass(frozen=True)
class Evaluation:
    """How the model does on the test set."""

    test_loss: float
    test_accuracy: float
    confusion: np.ndarray  # (K, K) counts, rows = true class, read-only
    misclassified: tuple[int, ...]  # test-set indices, most confident mistakes first
    predicted: np.ndarray  # (N_test,) predicted class per test image, read-only


def evaluate(model, images, labels, num_classes: int | None = None, *, batch_size: int = 256,
             should_stop: Callable[[], bool] | None = None) -> Evaluation | None:
    """Evaluate `model` on a test set in one prediction pass.

    Parameters
    ----------
    model : keras.Model
        Outputs class probabilities.
    images, labels : ndarray
        (N, H, W, C) float32 and (N,) int.
    num_classes : int, optional
        Size of the confusion matrix (default: the model's output size).
    batch_size : int
    should_stop : callable, optional
        Asked after each batch; once it returns True the pass ends early and
        None is returned.

    Returns
    -------
    Evaluation or None
        The loss is sparse categorical cross-entropy computed from the
        probabilities (clipped to [1e-7, 1 - 1e-7] as Keras does);
        ``misclassified`` lists the wrongly classified indices, the most
        confident mistakes first. None if `should_stop` interrupted it.
    """
    from sklearn.metrics import confusion_matrix

    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    labels = np.asarray(labels).astype(np.int64, copy=False)
    if num_classes is None:
        num_classes = int(model.outputs[0].shape[-1])
    callbacks = []
    if should_stop is not None:
        class _StopCheck(keras.callbacks.Callback):
            def on_predict_batch_end(self, batch, logs=None):
                if should_stop():
                    self.model.stop_predicting = True

        callbacks.append(_StopCheck())
    probabilities = np.asarray(model.predict(images, batch_size=batch_size, verbose=0, callbacks=callbacks))
    if len(probabilities) != len(labels) or (should_stop is not None and should_stop()):
        return None
    probabilities = probabilities.reshape(len(labels), -1)
    predicted = np.argmax(probabilities, axis=1)
    totals = probabilities.sum(axis=1, keepdims=True)
    normalised = probabilities / np.where(totals > 0, totals, 1.0)
    chosen = np.clip(normalised[np.arange(len(labels)), labels], _EPSILON, 1.0 - _EPSILON)
    loss = float(np.mean(-np.log(chosen))) if len(labels) else float("nan")
    accuracy = float(np.mean(predicted == labels)) if len(labels) else float("nan")
    confusion = confusion_matrix(labels, predicted, labels=np.arange(num_classes)).astype(np.int64)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    misclassified = tuple(int(i) for i in wrong[np.argsort(-confidence, kind="stable")])
    predicted = predicted.astype(np.int64)
    for array in (confusion, predicted):
        array.setflags(write=False)
    return Evaluation(test_loss=loss, test_accuracy=accuracy, confusion=confusion, misclassified=misclassified,
                      predicted=predicted)
