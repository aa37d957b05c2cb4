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
            import tensorflow as tf
            import keras  # noqa: F401  (tf.keras is lazy: pay for it here, not at first use)

            _tf = tf
    return _tf


def loaded():
    """The TensorFlow module if :func:`load` has finished, else None (never imports)."""
    return _tf
