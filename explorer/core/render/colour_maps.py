"""Colour schemes for feature maps: a diverging map for signed values, a sequential one for the rest.

The user picks a scheme in View → Colour maps; every view (kernel lab, kernel
editor, activations, filters) then uses its two 256-entry lookup tables.

* "classic": blue-white-red (ColorBrewer RdBu) and grey, the default;
* "colour-blind safe": purple-white-orange (ColorBrewer PuOr) and cividis,
  both readable with any of the three kinds of colour blindness
  (cividis was designed so; PuOr is ColorBrewer's safe diverging map that
  also survives tritanopia, which a red-blue map does not fully);
* "vivid": blue-white-red and viridis, bright on a projector.

Pure NumPy; no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core.render.luts import DIVERGING_LUT, GREY_LUT, lut_from_anchors

__all__ = ["COLOUR_SCHEMES", "DEFAULT_SCHEME", "ColourScheme", "scheme"]

# ColorBrewer PuOr (11 classes) reversed: purple negative, orange positive; white centre.
_PUOR_R = ("#2d004b", "#542788", "#8073ac", "#b2abd2", "#d8daeb", "#ffffff",
           "#fee0b6", "#fdb863", "#e08214", "#b35806", "#7f3b08")
# cividis and viridis (matplotlib), 17 evenly spaced samples.
_CIVIDIS = ("#00204d", "#002b68", "#05366e", "#2c416c", "#404d6b", "#51586c", "#60646f", "#6e6f73", "#7c7b78",
            "#8b8779", "#9b9477", "#aca174", "#bcaf6f", "#cebc67", "#e0cb5d", "#f2da4f", "#ffea46")
_VIRIDIS = ("#440154", "#481769", "#472c7a", "#423f85", "#3b518b", "#33628d", "#2c718e", "#26818e", "#21908c",
            "#1f9f88", "#27ad80", "#3dbc73", "#5cc862", "#81d34c", "#aadc31", "#d5e219", "#fde725")


@dataclass(frozen=True)
class ColourScheme:
    """Two lookup tables and how to describe them to people."""

    title: str
    signed: np.ndarray  # (256, 3) uint8: most negative -> most positive, white at zero
    unsigned: np.ndarray  # (256, 3) uint8: lowest -> highest
    negative: str  # colour words for tooltips and legends
    positive: str


COLOUR_SCHEMES: dict[str, ColourScheme] = {
    "classic": ColourScheme("Classic: blue–white–red, grey", DIVERGING_LUT, GREY_LUT, "blue", "red"),
    "colour-blind": ColourScheme("Colour-blind safe: purple–white–orange, cividis", lut_from_anchors(_PUOR_R),
                                 lut_from_anchors(_CIVIDIS), "purple", "orange"),
    "vivid": ColourScheme("Vivid: blue–white–red, viridis", DIVERGING_LUT, lut_from_anchors(_VIRIDIS),
                          "blue", "red"),
}

DEFAULT_SCHEME = "classic"


def scheme(name: str) -> ColourScheme:
    """The scheme called `name`.

    Parameters
    ----------
    name : str
        A key of :data:`COLOUR_SCHEMES`.

    Returns
    -------
    ColourScheme
        The scheme (ValueError naming the choices for an unknown name).
    """
    try:
        return COLOUR_SCHEMES[name]
    except KeyError:
        raise ValueError(f"unknown colour scheme {name!r}; choose one of {', '.join(COLOUR_SCHEMES)}") from None
