"""Lesson files: what a teacher prepares at home and opens in class.

A lesson file (``*.fmlesson``) is a small zip archive:

* ``lesson.json``: the format marker and version, the part to show, the
  kernel lab's kernels, layer settings, view options and crop, the training
  settings, and the name of the trained model saved beside the lesson;
* ``image.npy``: the kernel lab's image (float32, exact, so the feature maps
  come out the same to the last bit in another run).

The trained model is a normal ``.keras`` file beside the lesson
(``lesson.fmlesson`` -> ``lesson.keras``), so it can also be opened on its own.

Reading validates everything before anything is returned: a damaged or
foreign file raises :class:`LessonError` with a sentence for people, and the
caller changes nothing. Writing is atomic (temporary file, then rename).
"""

from __future__ import annotations

import io
import json
import math
import os
import pathlib
import zipfile
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from explorer.core.files import atomic_write
from explorer.core.lab.images import VIEW_MAX_SIDE
from explorer.core.lab.kernels import MAX_KERNELS
from explorer.core.lab.pipeline import KernelBank, LabSettings
from explorer.core.lab.state import LabState
from explorer.core.model.presets import CUSTOM, MODEL_NAMES
from explorer.core.model.specs import LayerSpec
from explorer.core.model.stack import check_stack
from explorer.core.npy_files import read_npy
from explorer.core.parts import PARTS
from explorer.core.render.levels import LEVEL_MODES
from explorer.core.train.config import OPTIMIZERS, Augmentation, TrainConfig
from explorer.core.train.datasets import DATASET_NAMES, INPUT_SHAPES
from explorer.core.train.distribute import ALL

__all__ = ["FORMAT", "LESSON_SUFFIX", "LabState", "Lesson", "LessonError", "model_path_for", "read_lesson",
           "training_from_json", "training_to_json", "write_lesson"]

FORMAT = "feature-map-explorer-lesson"
FORMAT_VERSION = 1
LESSON_SUFFIX = ".fmlesson"

# A lesson is kilobytes of settings and one view-sized image (at most
# 1024 x 1024 x 3 float32 = 12 MB); anything larger is not a lesson.
MAX_JSON_BYTES = 1 * 2**20
MAX_IMAGE_BYTES = 13 * 2**20
MAX_IMAGE_SIDE = VIEW_MAX_SIDE  # a lesson holds the lab's view image


class LessonError(ValueError):
    """A lesson file that cannot be written or read, with a sentence for people."""


@dataclass(frozen=True)
class Lesson:
    """Everything a lesson file holds.

    Attributes
    ----------
    part : str
        The part shown when the lesson opens: "kernel-lab", "training" or "draw".
    lab : LabState
        The kernel lab's state, the very value the lab shows (its scale is not
        saved: the lesson holds the view image itself).
    training : TrainConfig
        The training studio's settings.
    model_file : str or None
        Name of the trained model beside the lesson file, or None.
    """

    part: str
    lab: LabState
    training: TrainConfig = field(default_factory=TrainConfig)
    model_file: str | None = None


def model_path_for(lesson_path: str | os.PathLike[str]) -> pathlib.Path:
    """The ``.keras`` file saved beside a lesson: ``x.fmlesson`` -> ``x.keras``."""
    return pathlib.Path(lesson_path).with_suffix(".keras")


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def write_lesson(path: str | os.PathLike[str], lesson: Lesson) -> pathlib.Path:
    """Write `lesson` atomically to `path` (which must end in ``.fmlesson``).

    Raises
    ------
    LessonError
        If the name is wrong or the lesson does not validate.
    OSError
        If the file cannot be written.
    """
    target = pathlib.Path(path)
    if target.suffix != LESSON_SUFFIX:
        raise LessonError(f"a lesson file name must end in {LESSON_SUFFIX}, got “{target.name}”")
    data = _archive_bytes(lesson)
    _parse(data, target.name)  # never write a file that would not open again
    return atomic_write(target, lambda tmp: pathlib.Path(tmp).write_bytes(data))


def _archive_bytes(lesson: Lesson) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lesson.json", json.dumps(_to_json(lesson), indent=2))
        image = io.BytesIO()
        np.save(image, np.ascontiguousarray(lesson.lab.image, dtype=np.float32), allow_pickle=False)
        archive.writestr("image.npy", image.getvalue())
    return buffer.getvalue()


def _to_json(lesson: Lesson) -> dict:
    lab = lesson.lab
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "part": lesson.part,
        "lab": {
            "origin": lab.origin,
            "crop": list(lab.crop) if lab.crop is not None else None,
            "kernels": [np.asarray(k, dtype=np.float64).tolist() for k in lab.bank.kernels],
            "biases": [float(b) for b in lab.bank.biases],
            "settings": _settings_json(lab.settings),
            "levels": lab.levels,
            "signed": bool(lab.signed),
            "selected": int(lab.selected),
        },
        "training": training_to_json(lesson.training),
        "model_file": lesson.model_file,
    }


def training_to_json(config: TrainConfig) -> dict:
    """Training settings as plain JSON values (also what the app remembers between runs)."""
    out = asdict(config)
    out["layers"] = [spec.to_dict() for spec in config.layers]
    out["head"] = [spec.to_dict() for spec in config.head]
    out["frozen_layers"], out["classes"] = list(config.frozen_layers), list(config.classes)
    return out


def _settings_json(settings: LabSettings) -> dict:
    out = asdict(settings)
    if isinstance(out["padding"], tuple):
        out["padding"] = _lists(out["padding"])
    return out


def _lists(value):
    return [_lists(v) for v in value] if isinstance(value, (tuple, list)) else value


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def read_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read and validate a lesson file.

    Raises
    ------
    LessonError
        For a missing, unreadable, damaged or foreign file, or impossible values;
        the message names the file and what is wrong.
    """
    source = pathlib.Path(path)
    try:
        size = source.stat().st_size
        if size > MAX_JSON_BYTES + MAX_IMAGE_BYTES:
            raise LessonError(f"“{source.name}” is {size / 2**20:.0f} MB: far too large for a lesson file")
        data = source.read_bytes()
    except OSError as exc:
        raise LessonError(f"cannot read “{source.name}”: {exc.strerror or exc}") from None
    return _parse(data, source.name)


def _parse(data: bytes, name: str) -> Lesson:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = _read_json(archive, name)
            image = _read_image(archive, name)
    except zipfile.BadZipFile:
        raise LessonError(f"“{name}” is not a lesson file (it is not a Feature Map Explorer archive)") from None
    except (zipfile.LargeZipFile, EOFError, OSError, RuntimeError) as exc:
        raise LessonError(f"“{name}” is damaged: {exc}") from None
    try:
        return _lesson_from(document, image)
    except (KeyError, TypeError, ValueError) as exc:
        raise LessonError(f"“{name}” is damaged: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"the setting {exc.args[0]!r} is missing"
    return str(exc)


def _member(archive: zipfile.ZipFile, member: str, limit: int, name: str) -> bytes:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise LessonError(f"“{name}” is not a lesson file (it has no {member})") from None
    if info.file_size > limit:
        raise LessonError(f"“{name}” is damaged: {member} is too large")
    try:
        with archive.open(info) as stream:
            payload = stream.read(limit + 1)  # never unpack more than the limit, whatever the header says
    except (zipfile.BadZipFile, zlib.error, ValueError, NotImplementedError) as exc:
        raise LessonError(f"“{name}” is damaged: {member}: {exc}") from None
    if len(payload) > limit:
        raise LessonError(f"“{name}” is damaged: {member} is too large")
    return payload


def _read_json(archive: zipfile.ZipFile, name: str) -> dict:
    raw = _member(archive, "lesson.json", MAX_JSON_BYTES, name)
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise LessonError(f"“{name}” is damaged: lesson.json is not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise LessonError(f"“{name}” is not a Feature Map Explorer lesson")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LessonError(f"“{name}” is damaged: its format version is {version!r}")
    if version > FORMAT_VERSION:
        raise LessonError(f"“{name}” was made by a newer Feature Map Explorer (lesson format {version}); "
                          "update the app to open it")
    return document


def _no_constant(token: str):
    raise ValueError(f"{token} is not a number a lesson may hold")


def _read_image(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    raw = _member(archive, "image.npy", MAX_IMAGE_BYTES, name)
    try:
        # The header is checked before anything is allocated: a lying one may claim 112 GiB.
        image = read_npy(raw, max_bytes=MAX_IMAGE_BYTES, what="it")
    except ValueError as exc:
        raise LessonError(f"“{name}” is damaged: image.npy cannot be read: {exc}") from None
    if image.dtype != np.float32 or image.ndim != 3 or image.shape[2] not in (1, 3):
        raise LessonError(f"“{name}” is damaged: the image must be float32 (H, W, 1 or 3), "
                          f"got {image.dtype} {image.shape}")
    if min(image.shape[:2]) < 1 or max(image.shape[:2]) > MAX_IMAGE_SIDE:
        raise LessonError(f"“{name}” is damaged: impossible image size {image.shape[1]}x{image.shape[0]}")
    if not np.isfinite(image).all():
        raise LessonError(f"“{name}” is damaged: the image holds NaN or infinite values")
    image.flags.writeable = False
    return image


def _lesson_from(document: dict, image: np.ndarray) -> Lesson:
    part = _choice(document["part"], PARTS, "part")
    model_file = document.get("model_file")
    if model_file is not None:
        if not isinstance(model_file, str) or pathlib.PurePath(model_file).name != model_file \
                or not model_file.endswith(".keras"):
            # Only a bare name beside the lesson: never a path that points elsewhere.
            raise ValueError(f"the model file must be a .keras name beside the lesson, got {model_file!r}")
    return Lesson(part=part, lab=_lab_from(_dict(document["lab"], "lab"), image),
                  training=training_from_json(_dict(document["training"], "training")), model_file=model_file)


def _lab_from(lab: dict, image: np.ndarray) -> LabState:
    kernels = lab["kernels"]
    if not isinstance(kernels, list) or not 1 <= len(kernels) <= MAX_KERNELS:
        raise ValueError(f"a lesson holds 1 to {MAX_KERNELS} kernels")
    arrays = [_kernel(k) for k in kernels]
    biases = [_number(b, "bias") for b in _list(lab["biases"], "biases")]
    bank = KernelBank.of(arrays, biases)
    settings = _settings_from(_dict(lab["settings"], "lab settings"))
    crop = lab.get("crop")
    if crop is not None:
        crop = _crop(crop, image.shape)
    selected = _int(lab.get("selected", 0), "selected kernel", 0, len(arrays) - 1)
    return LabState(image=image, origin=_str(lab.get("origin", ""), "origin"), crop=crop, bank=bank,
                    settings=settings, levels=_choice(lab.get("levels", "shared"), LEVEL_MODES, "levels"),
                    signed=_bool(lab.get("signed", False), "signed"), selected=selected)


def _kernel(value) -> np.ndarray:
    # Only the conversion here: KernelBank.of checks the shape, size and values.
    try:
        return np.array(_list(value, "a kernel"), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("a kernel must be a grid of numbers") from None


def _settings_from(data: dict) -> LabSettings:
    allowed = set(LabSettings.__dataclass_fields__)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown layer settings {', '.join(sorted(unknown))}")
    values = dict(data)
    padding = values.get("padding", "same")
    if isinstance(padding, list):
        values["padding"] = tuple(tuple(p) if isinstance(p, list) else p for p in padding)
    for key in ("stride", "dilation", "pool_size", "pool_stride", "depth_pool"):
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    return LabSettings(**values)  # validates names and sizes


def training_from_json(data: dict) -> TrainConfig:
    """The inverse of :func:`training_to_json`, validated (KeyError, TypeError or ValueError otherwise)."""
    model = _str(data["model"], "model")
    if model not in MODEL_NAMES and model != CUSTOM:
        raise ValueError(f"unknown model {model!r}")
    layers = tuple(LayerSpec.from_dict(_dict(spec, "layer")) for spec in _list(data.get("layers", []), "layers"))
    if model == CUSTOM and not layers:
        raise ValueError("the custom model has no layers")
    dataset = _choice(data["dataset"], DATASET_NAMES, "dataset")
    if model == CUSTOM and dataset in INPUT_SHAPES:  # an image folder's shape depends on its images
        check_stack(layers, INPUT_SHAPES[dataset])  # StackError (a ValueError) names the layer
    augmentation = _dict(data.get("augmentation", {}), "augmentation")
    data_dir = data.get("data_dir")
    learning_rate = data.get("learning_rate")
    limit = data.get("limit")
    return TrainConfig(
        model=model, layers=layers,
        dataset=dataset,
        data_dir=None if data_dir is None else _str(data_dir, "data folder"),
        optimizer=_choice(data["optimizer"], OPTIMIZERS, "optimizer"),
        learning_rate=None if learning_rate is None else _positive(learning_rate, "learning rate"),
        batch_size=_int(data["batch_size"], "batch size", 1, 1 << 16),
        epochs=_int(data["epochs"], "epochs", 1, 10_000),
        validation_split=_fraction(data.get("validation_split", 0.1), "validation split"),
        patience=_int(data.get("patience", 0), "patience", 0, 10_000),
        augmentation=Augmentation(
            rotation=_fraction(augmentation.get("rotation", 0.0), "rotation"),
            translation=_fraction(augmentation.get("translation", 0.0), "translation"),
            zoom=_fraction(augmentation.get("zoom", 0.0), "zoom"),
        ),
        limit=None if limit is None else _int(limit, "sample limit", 1, 10**9),
        seed=_int(data.get("seed", 0), "seed", 0, 2**31 - 1),
        devices=_devices(data.get("devices", 1)),  # lessons written before multi-device training: 1
        **_transfer_from(data),
    )


def _transfer_from(data: dict) -> dict:
    """The transfer-learning and subset fields; lessons written before transfer learning have none."""
    head = tuple(LayerSpec.from_dict(_dict(spec, "layer")) for spec in _list(data.get("head", []), "new head"))
    per_class = data.get("per_class")
    return {
        "base": _str(data.get("base", ""), "base model"),
        "keep_up_to": _str(data.get("keep_up_to", ""), "last kept layer"),
        "head": head,
        "frozen_layers": tuple(_str(name, "frozen layer") for name in _list(data.get("frozen_layers", []),
                                                                              "frozen layers")),
        "warmup_epochs": _int(data.get("warmup_epochs", 0), "warm-up epochs", 0, 10_000),
        "reinitialise": _bool(data.get("reinitialise", False), "reinitialise"),
        "classes": tuple(_int(c, "class", 0, 1 << 16) for c in _list(data.get("classes", []), "classes")),
        "per_class": None if per_class is None else _int(per_class, "images per class", 1, 10**9),
    }


def _devices(value) -> int | str:
    # "all" travels between machines; a number larger than the next machine has fails at Start, in a sentence.
    return ALL if value == ALL else _int(value, "devices", 1, 4096)


def _crop(value, shape) -> tuple[int, int, int, int]:
    numbers = _list(value, "crop")
    if len(numbers) != 4:
        raise ValueError("the crop must be four numbers: top, left, height, width")
    top, left, height, width = (_int(v, "crop", 0, MAX_IMAGE_SIDE) for v in numbers)
    if top >= shape[0] or left >= shape[1] or height < 1 or width < 1:
        raise ValueError(f"the crop {numbers} lies outside the {shape[1]}x{shape[0]} image")
    return top, left, height, width


# ------------------------------------------------------------ small checks
def _dict(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a table of settings")
    return value


def _list(value, what: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list")
    return value


def _str(value, what: str) -> str:
    if not isinstance(value, str) or len(value) > 4096:
        raise ValueError(f"{what} must be a short text")
    return value


def _bool(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false")
    return value


def _choice(value, allowed, what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _positive(value, what: str) -> float:
    number = _number(value, what)
    if number <= 0:
        raise ValueError(f"{what} must be positive, got {value!r}")
    return number


def _fraction(value, what: str) -> float:
    number = _number(value, what)
    if not 0.0 <= number < 1.0:
        raise ValueError(f"{what} must be at least 0 and below 1, got {value!r}")
    return number


def _int(value, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {value!r}")
    return value
