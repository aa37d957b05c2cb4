"""Arrays that can be handed to another thread, or kept, without anyone changing them."""

from __future__ import annotations

import numpy as np


def frozen_array(array) -> np.ndarray:
    """A private read-only float32 copy (safe to hand to another thread)."""
    out = np.array(array, dtype=np.float32)
    out.setflags(write=False)
    return out
