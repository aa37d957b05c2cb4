"""Maps shared by the levels and mosaic tests."""

from __future__ import annotations

import numpy as np


def three_maps() -> np.ndarray:
    maps = np.zeros((4, 5, 3), np.float32)
    maps[..., 0] = np.linspace(-2.0, 1.0, 20).reshape(4, 5)   # max |v| = 2, negative
    maps[..., 1] = np.linspace(0.0, 0.5, 20).reshape(4, 5)    # positive only
    return maps                                              # map 2 is all zero
