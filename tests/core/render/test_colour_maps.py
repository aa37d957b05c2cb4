"""Colour schemes: every table is a proper 256-entry map; the colour-blind one is built for it."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.render.colour_maps import COLOUR_SCHEMES, DEFAULT_SCHEME, scheme
from explorer.core.render.luts import lut_from_anchors


def _lightness(lut: np.ndarray) -> np.ndarray:
    return lut.astype(float) @ np.array([0.299, 0.587, 0.114])


@pytest.mark.parametrize("name", list(COLOUR_SCHEMES))
def test_every_scheme_has_read_only_256_entry_tables(name):
    chosen = scheme(name)
    for lut in (chosen.signed, chosen.unsigned):
        assert lut.shape == (256, 3) and lut.dtype == np.uint8 and not lut.flags.writeable
    # signed maps: light at zero, dark at both ends, two different hues
    centre = _lightness(chosen.signed[127:129]).mean()
    assert centre > 240 and _lightness(chosen.signed[[0, 255]]).max() < 120
    assert not np.array_equal(chosen.signed[0], chosen.signed[255])
    # unsigned maps rise in lightness from the lowest to the highest value
    assert np.all(np.diff(_lightness(chosen.unsigned)) >= -1.0)
    assert chosen.title and chosen.negative != chosen.positive


def test_the_colour_blind_scheme_avoids_red_and_green():
    chosen = scheme("colour-blind")
    assert (chosen.negative, chosen.positive) == ("purple", "orange")
    # cividis: blue to yellow, never a strong green over red (what deuteranopes confuse)
    r, g, b = chosen.unsigned.T.astype(int)
    assert b[0] > r[0] and r[-1] > b[-1] and g[-1] > b[-1]


def test_default_and_unknown():
    assert DEFAULT_SCHEME == "classic"
    with pytest.raises(ValueError, match="classic"):
        scheme("rainbow")


def test_lut_from_anchors_passes_through_its_ends():
    lut = lut_from_anchors(("#000000", "#ffffff"))
    assert tuple(lut[0]) == (0, 0, 0) and tuple(lut[255]) == (255, 255, 255)
    assert np.all(np.diff(lut[:, 0].astype(int)) >= 0)
