"""What the kernel lab's views show of a result, laid out and coloured in one go (on the worker thread).

`FrameSpec` is what the views need to know, read on the UI thread when a
request is submitted (the levels mode, the "signed channels" option, the
colour scheme's table and each view's shape); `lab_frames` turns a result
into the frames and ready images the views paint, so the worker does every
per-pixel step and the UI thread only paints. The UI thread calls it too
when only a view option changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage

from explorer.core.lab.pipeline import LabRequest, LabResult
from explorer.core.render.frame import Frame, maps_frame, rgb_frame
from explorer.ui.kernel_lab.result_text import depth_labels, kernel_labels
from explorer.ui.widgets.frame_image import frame_qimage

__all__ = ["FrameSpec", "LabFrames", "colour_tiles", "lab_frames"]


@dataclass(frozen=True, eq=False)
class FrameSpec:
    """How the lab's views will show a result.

    Two specs are equal when every field is (the table by identity: one scheme's table).
    """

    levels: str  # "shared" or "per-map"
    signed: bool  # the "signed channels" option: image-mode colour results as signed maps
    lut: np.ndarray  # the colour scheme's diverging table
    maps_aspect: float  # width / height of the feature-map view
    pooled_aspect: float  # the same for the pooled view

    def __eq__(self, other) -> bool:
        if not isinstance(other, FrameSpec):
            return NotImplemented
        return (self.lut is other.lut and (self.levels, self.signed, self.maps_aspect, self.pooled_aspect)
                == (other.levels, other.signed, other.maps_aspect, other.pooled_aspect))

    __hash__ = None


@dataclass(frozen=True, eq=False)
class LabFrames:
    """The frames of one result: the feature maps and what pooling left (None without pooling)."""

    spec: FrameSpec
    maps: Frame
    maps_image: QImage
    after: Frame | None = None
    after_image: QImage | None = None


def colour_tiles(request: LabRequest, signed: bool) -> bool:
    """Whether the maps are shown as colour pictures: image mode on an RGB image, unless signed is asked for."""
    return request.settings.mode == "image" and request.image.shape[2] == 3 and not signed


def _frame(maps: np.ndarray, labels, colour: bool, spec: FrameSpec, aspect: float) -> Frame:
    if colour:
        return rgb_frame(maps, labels, aspect=aspect)
    return maps_frame(maps, labels, lut=spec.lut, aspect=aspect, levels_mode=spec.levels, signed=True)


def lab_frames(request: LabRequest, result: LabResult, spec: FrameSpec) -> LabFrames:
    """Lay out and colour `result` for the lab's views, as `spec` says; safe on any thread.

    Parameters
    ----------
    request, result : LabRequest, LabResult
        What was computed.
    spec : FrameSpec
        How the views show it.

    Returns
    -------
    LabFrames
        The feature maps' frame and, with pooling on, the pooled (or depth-pooled) one.
    """
    colour = colour_tiles(request, spec.signed)
    maps_labels = kernel_labels(len(request.bank)) if colour else result.labels
    maps = _frame(result.maps, maps_labels, colour, spec, spec.maps_aspect)
    # The last spatial stage: depth-wise pooling (seed 004) if on, else spatial pooling.
    if result.depth_pooled is not None:
        after = _frame(result.depth_pooled, depth_labels(result.labels, request.settings.depth_pool), False,
                       spec, spec.pooled_aspect)
    elif result.pooled is not None:
        after = _frame(result.pooled, maps_labels, colour, spec, spec.pooled_aspect)
    else:
        after = None
    return LabFrames(spec, maps, frame_qimage(maps), after, None if after is None else frame_qimage(after))
