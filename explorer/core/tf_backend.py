"""The one place that imports TensorFlow, so everyone knows when it is ready.

``import tensorflow`` takes seconds, so the app starts it in a background
thread after the window appears. Code that could use TensorFlow but must not
wait for it (the live convolution view) asks :func:`loaded`, which is true
only once the import has finished: ``sys.modules`` alone would also show a
module that another thread is still importing.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_tf = None


def load():
    """Import TensorFlow (and Keras) once, thread-safely; return the module."""
    global _tf
    with _lock:
        if _tf is None:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep C++ start-up chatter off the console
            import keras  # noqa: F401  (tf.keras is lazy: pay for it here, not at first use)
            import tensorflow as tf

            _tf = tf
    return _tf


def loaded():
    """The TensorFlow module if :func:`load` has finished, else None (never imports)."""
    return _tf


def warm_up() -> None:
    """Pay TensorFlow's one-time costs now: build, train one step and trace a tiny model; freeze the GC.

    The first model a process builds and fits initialises Keras and TF's
    tracing machinery in C++ while holding the GIL (measured: stalls of
    100-250 ms in the UI thread). The app calls this on its loader thread at
    start-up, so the user's first training run starts smoothly.
    """
    import numpy as np

    keras = load().keras
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.zeros((4, 8, 8, 1), np.float32), np.zeros(4, np.int64)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, validation_split=0.5)
    model.predict(x, verbose=0)
    # The confusion matrix after a run needs scikit-learn's metrics; their import holds
    # the GIL for ~110 ms, a freeze of the window if it happened as a run ends.
    # TensorFlow and Keras leave millions of long-lived objects; every full garbage collection
    # walked them all while holding the GIL (measured: 160 ms UI freezes during training).
    # Freezing moves them out of the collector's scans; new objects are collected as usual.
    import gc

    import sklearn.metrics  # noqa: F401

    gc.freeze()
