"""Compiled functions kept per model, so a repeated request does not trace again."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

__all__ = ["cached"]

_lock = threading.Lock()
_store: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached(model, key: tuple, build: Callable[[], object]):
    """The value built by ``build()`` for (`model`, `key`), built once while the model lives.

    Tracing a ``tf.function`` costs a few hundred milliseconds; the window asks
    the same model the same question many times.
    """
    with _lock:
        try:
            per_model = _store.setdefault(model, {})
        except TypeError:  # not weak-referenceable: no cache
            return build()
        if key not in per_model:
            per_model[key] = build()
        return per_model[key]
