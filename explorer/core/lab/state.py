"""The kernel lab's state: everything the lab shows, as one immutable value.

A :class:`LabState` holds the image (the view image before cropping, where it
came from, the crop region and the scale it was loaded at), the filter bank
with its selected kernel, the layer settings and the view options (colour
levels, signed channels). The window keeps exactly one such value: every
edit builds a new one with :func:`dataclasses.replace`, the controls show it,
the computation is derived from it (:meth:`LabState.request`), and a lesson
file saves and restores it.

:class:`LabImage` is the image part alone, the value the image panel produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cached_property

import numpy as np

from explorer.core.lab.images import cropped
from explorer.core.lab.pipeline import KernelBank, LabRequest, LabSettings
from explorer.core.render.levels import LEVEL_MODES

__all__ = ["LabImage", "LabState"]

Crop = tuple[int, int, int, int]


@dataclass(frozen=True, eq=False)
class LabImage:
    """The lab's image: the view image before cropping, its origin, crop region and scale.

    Attributes
    ----------
    image : np.ndarray
        The view image before cropping, float32 (H, W, C), C in {1, 3}; kept read-only.
    origin : str
        Where the image came from ("sample “china”", a file name), shown in the lab.
    crop : tuple of int or None
        (top, left, height, width) when the crop is on.
    scale : float
        The view image's size over the loaded image's (below 1 when a large
        image was scaled down for the live view).
    """

    image: np.ndarray
    origin: str
    crop: Crop | None = None
    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "image", _checked_image(self.image))
        _check_crop(self.crop, self.image.shape)

    def __eq__(self, other) -> bool:
        if not isinstance(other, LabImage):
            return NotImplemented
        return _fields(self) == _fields(other) and _same_array(self.image, other.image)

    @cached_property
    def view(self) -> np.ndarray:
        """The image the lab computes with, read-only: cropped when the crop is on (computed once)."""
        return _checked_image(cropped(self.image, self.crop))


@dataclass(frozen=True, eq=False)
class LabState:
    """The kernel lab as it is: image, bank, settings and view options.

    Attributes
    ----------
    image : np.ndarray
        The view image before cropping, float32 (H, W, C), C in {1, 3}; kept read-only.
    origin : str
        Where the image came from ("sample “china”", a file name), shown in the lab.
    crop : tuple of int or None
        (top, left, height, width) when the crop is on.
    bank : KernelBank
        The kernels and biases.
    settings : LabSettings
        Mode, padding, stride, dilation, activation and pooling.
    levels : str
        "shared" or "per-map" colour levels.
    signed : bool
        Show each colour channel as a signed map (image-filter mode).
    selected : int
        The kernel selected in the editor.
    scale : float
        The view image's size over the loaded image's; a lesson holds the view
        image itself, so a state read from a lesson has 1.0.

    Raises
    ------
    ValueError
        For an image that is not (H, W, 1 or 3), a crop corner outside it, an
        unknown levels mode or a selected kernel the bank does not have.
    """

    image: np.ndarray
    origin: str
    crop: Crop | None
    bank: KernelBank
    settings: LabSettings = field(default_factory=LabSettings)
    levels: str = "shared"
    signed: bool = False
    selected: int = 0
    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "image", _checked_image(self.image))
        _check_crop(self.crop, self.image.shape)
        if not isinstance(self.bank, KernelBank) or not isinstance(self.settings, LabSettings):
            raise ValueError("a lab state needs a KernelBank and LabSettings")
        if self.levels not in LEVEL_MODES:
            raise ValueError(f"levels must be one of {', '.join(LEVEL_MODES)}, got {self.levels!r}")
        if not 0 <= self.selected < len(self.bank):
            raise ValueError(f"kernel {self.selected} is selected, but the bank has {len(self.bank)}")

    def __eq__(self, other) -> bool:
        if not isinstance(other, LabState):
            return NotImplemented
        return _fields(self) == _fields(other) and _same_array(self.image, other.image)

    @cached_property
    def view(self) -> np.ndarray:
        """The image the lab computes with, read-only: cropped when the crop is on (computed once)."""
        return _checked_image(cropped(self.image, self.crop))

    @property
    def picture(self) -> LabImage:
        """The image part of the state."""
        return LabImage(self.image, self.origin, self.crop, self.scale)

    def with_picture(self, picture: LabImage) -> LabState:
        """A copy showing `picture` (its image, origin, crop and scale)."""
        return replace(self, image=picture.image, origin=picture.origin, crop=picture.crop, scale=picture.scale)

    def request(self, serial: int = 0) -> LabRequest:
        """What to compute for this state: the (cropped) view image, the bank and the settings.

        Parameters
        ----------
        serial : int
            The number of the edit this state came from; the lab ignores results of older ones.
        """
        return LabRequest(self.view, self.bank, self.settings, serial)


def _checked_image(image) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] not in (1, 3) or 0 in array.shape:
        raise ValueError(f"the lab's image must be (H, W, 1 or 3), got shape {array.shape}")
    if array.flags.writeable:  # a read-only view: nobody can change the state through it
        array = array.view()
        array.flags.writeable = False
    return array


def _check_crop(crop: Crop | None, shape: tuple[int, ...]) -> None:
    if crop is None:
        return
    if len(crop) != 4:
        raise ValueError(f"the crop must be four numbers: top, left, height, width, got {crop!r}")
    top, left, height, width = crop
    if not (0 <= top < shape[0] and 0 <= left < shape[1] and height >= 1 and width >= 1):
        raise ValueError(f"the crop {list(crop)} lies outside the {shape[1]}x{shape[0]} image")


def _fields(value) -> tuple:
    """Every field but the image, which numpy compares element by element."""
    return tuple(getattr(value, f.name) for f in fields(value) if f.name != "image")


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    return a is b or (a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b))
