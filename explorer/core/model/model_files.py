"""Save and load models as ``.keras`` files, safely and with clear errors.

Saving is atomic (:func:`explorer.core.files.atomic_write`): a crash or a full
disk never leaves a half-written model behind. Loading uses Keras' safe mode,
so a file cannot run code on this machine: models with a ``Lambda`` layer or
custom classes are refused, as are files that are not Keras archives, damaged
archives and models that do not take images. Every failure is a
:class:`ModelFileError` with one sentence a person can act on.
"""

from __future__ import annotations

import json
import lzma
import os
import pathlib
import zipfile
import zlib

from explorer.core.files import atomic_write

__all__ = ["ModelFileError", "SUFFIX", "save_model", "load_model"]

MAX_CONFIG_BYTES = 16 * 2**20  # a model description is kilobytes; more is not a real model
MAX_UNPACKED_BYTES = 4 * 2**30  # the course's models are megabytes
SUFFIX = ".keras"

_LAMBDA = "this model contains a Lambda layer, which Feature Map Explorer does not run for safety"
_CUSTOM = "this model contains custom code ({what}), which Feature Map Explorer does not run for safety"


class ModelFileError(ValueError):
    """A model file that cannot be saved or loaded; the message says why in one sentence."""


def save_model(model, path: str | os.PathLike[str]) -> pathlib.Path:
    """Save `model` as a ``.keras`` file atomically.

    Parameters
    ----------
    model : keras.Model
    path : path-like
        Must end with ``.keras``; an existing file is replaced only once the
        new one is complete.

    Returns
    -------
    pathlib.Path
        Absolute path of the written file.

    Raises
    ------
    ModelFileError
        If the name does not end with ``.keras``.
    OSError
        If the folder is missing or not writable, or the disk is full.
    """
    target = pathlib.Path(path)
    if target.suffix != SUFFIX:  # exactly: Keras refuses ".KERAS" only after the work is done
        raise ModelFileError(f"a model file name must end with {SUFFIX} (lower case), got {target.name!r}")
    # atomic_write keeps the full suffix on the temporary file, so Keras sees ".keras" there too.
    return atomic_write(target, lambda tmp: model.save(tmp))


def load_model(path: str | os.PathLike[str]):
    """Load a model from a ``.keras`` file in safe mode, uncompiled.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    keras.Model
        A built model with one image input (batch, height, width, channels).

    Raises
    ------
    ModelFileError
        Missing file, not a ``.keras`` archive, a damaged archive, a model
        with a Lambda layer or custom code, a model that does not take images,
        or anything else Keras cannot read; the message says which.
    """
    file = pathlib.Path(path)
    name = file.name or str(file)
    if not file.exists():
        raise ModelFileError(f"{name}: no such file")
    if file.is_dir():
        raise ModelFileError(f"{name} is a folder, not a {SUFFIX} model file")
    config = _read_config(file, name)
    problem = _unsafe_content(config)
    if problem:
        raise ModelFileError(f"{name}: {problem}")
    if file.suffix.lower() != SUFFIX:
        raise ModelFileError(f"{name}: Keras reads model archives only under a name ending with {SUFFIX}; rename it")

    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    try:
        model = keras.saving.load_model(str(file), compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many kinds; the user needs one sentence
        raise ModelFileError(f"{name}: {_explain(exc)}") from exc
    _check_image_model(model, name)
    return model


# ------------------------------------------------------------------ internals
def _read_config(file: pathlib.Path, name: str) -> dict:
    try:
        with open(file, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ModelFileError(f"{name}: cannot read the file ({exc.strerror or exc})") from exc
    if head.startswith(b"\x89HDF"):
        raise ModelFileError(
            f"{name} is an HDF5 (.h5) model in Keras' old format; Feature Map Explorer reads {SUFFIX} "
            f"files (load it in Keras and save it again as {SUFFIX})"
        )
    if not zipfile.is_zipfile(file):
        if head.startswith(b"PK"):
            raise ModelFileError(f"{name} is a damaged {SUFFIX} file (the zip archive is incomplete)")
        raise ModelFileError(f"{name} is not a Keras model file ({SUFFIX} files are zip archives)")
    try:
        with zipfile.ZipFile(file) as archive:
            members = set(archive.namelist())
            if "config.json" not in members:
                raise ModelFileError(f"{name} is a zip archive but not a Keras model (it has no config.json)")
            if not any(m.startswith("model.weights") for m in members):
                raise ModelFileError(f"{name} is not a complete Keras model file (it has no weights)")
            # Sizes the archive declares (reads are truncated to them): refuse bombs before unpacking anything.
            if (archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES
                    or sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES):
                raise ModelFileError(f"{name} unpacks to an implausible size; it is damaged or malicious")
            broken = archive.testzip()
            if broken is not None:
                raise ModelFileError(f"{name} is a damaged {SUFFIX} file ({broken} fails its checksum)")
            config = json.loads(archive.read("config.json").decode("utf-8"))
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, RuntimeError,
            zlib.error, lzma.LZMAError, MemoryError) as exc:  # every decompressor's way of failing
        raise ModelFileError(f"{name} is a damaged {SUFFIX} file ({exc})") from exc
    if not isinstance(config, dict):
        raise ModelFileError(f"{name} is not a Keras model file (its config.json is not a model description)")
    return config


def _keras_module(module) -> bool:
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def _unsafe_content(config) -> str:
    """The reason to refuse a model description before Keras deserialises it, or "".

    Keras' own objects are serialised with a ``keras...`` module and no
    registered name; anything registered (``"package>Name"``), unregistered
    (``registered_name`` set, module None) or from another module is custom.
    """
    stack = [config]
    custom = None
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        class_name = node.get("class_name")
        if class_name in ("Lambda", "__lambda__"):
            return _LAMBDA
        if custom is None and isinstance(class_name, str) and not class_name.startswith("__"):
            registered = node.get("registered_name")
            module = node.get("module")
            # Keras registers its own classes too (Functional: registered_name "Functional", module keras.*)
            keras_own = registered == class_name and _keras_module(module)
            if (isinstance(registered, str) and not keras_own) or (module is not None and not _keras_module(module)):
                custom = node.get("config") if class_name == "function" else class_name
                custom = custom if isinstance(custom, str) else class_name
        stack.extend(node.values())
    if custom is not None:
        return _CUSTOM.format(what=repr(custom))
    return ""


def _explain(exc: BaseException) -> str:
    text = str(exc)
    if "Lambda" in text or "lambda" in text:
        return _LAMBDA
    if "Could not locate" in text or "custom" in text.lower() or "safe_mode" in text:
        start = text.find("Could not locate class ")
        what = repr(text[start + 23:].split("'")[1]) if start >= 0 and text.count("'") >= 2 else "an unknown class"
        return _CUSTOM.format(what=what)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    if len(first) > 200:
        first = first[:197] + "..."
    return f"Keras could not load this model ({first})"


def _check_image_model(model, name: str) -> None:
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1:
        raise ModelFileError(
            f"{name}: the model has {len(inputs)} inputs; Feature Map Explorer needs a model with one image input"
        )
    shape = tuple(inputs[0].shape)
    if len(shape) != 4 or any(n is None for n in shape[1:]):
        shown = "(" + ", ".join("None" if n is None else str(n) for n in shape) + ")"
        raise ModelFileError(
            f"{name}: the model's input has shape {shown}, not an image; Feature Map Explorer needs a model "
            "whose input is (height, width, channels)"
        )
