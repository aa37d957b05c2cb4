"""Locate files shipped in the ``resources/`` folder.

In a wheel the folder is installed as the package ``explorer.resources``
(``pyproject.toml`` maps it); in a source checkout ``explorer/resources`` does
not exist, so we fall back to ``<repo>/resources/``.
"""

from __future__ import annotations

import importlib.resources
import pathlib

__all__ = ["resource_path", "resources_dir"]

_SOURCE_RESOURCES = pathlib.Path(__file__).resolve().parent.parent / "resources"


def resources_dir() -> pathlib.Path:
    """Return the folder that holds the application's resources.

    Returns
    -------
    pathlib.Path
        The installed ``explorer.resources`` package folder if it exists,
        otherwise the ``resources/`` folder of the source checkout.
    """
    try:
        root = importlib.resources.files("explorer.resources")
    except ModuleNotFoundError:
        return _SOURCE_RESOURCES
    # Wheels are installed unpacked, so the traversable is a real folder;
    # anything else (a zip import) cannot hand out file paths to Qt.
    if isinstance(root, pathlib.Path):
        return root
    return _SOURCE_RESOURCES


def resource_path(name: str) -> pathlib.Path:
    """Return the path of the resource file ``name`` (e.g. ``"icon.svg"``).

    Parameters
    ----------
    name : str
        File name relative to the resources folder; ``/`` separates folders.

    Returns
    -------
    pathlib.Path
        Absolute path of an existing file.

    Raises
    ------
    FileNotFoundError
        If the resource does not exist.
    """
    path = resources_dir().joinpath(*name.split("/"))
    if not path.exists():
        raise FileNotFoundError(f"resource not found: {name} (looked in {path.parent})")
    return path


def user_data_dir(create: bool = True) -> pathlib.Path:
    """The user's data folder for this app (checkpoints, class drawings).

    ``$XDG_DATA_HOME/feature-map-explorer`` (the XDG spec ignores a relative
    ``XDG_DATA_HOME``) or ``~/.local/share/feature-map-explorer``;
    ``FME_DATA_DIR`` overrides it (tests, portable installs). Created unless
    `create` is False.
    """
    import os

    override = os.environ.get("FME_DATA_DIR")
    if override:
        folder = pathlib.Path(override)
    else:
        shared = os.environ.get("XDG_DATA_HOME")
        if not shared or not os.path.isabs(shared):
            shared = pathlib.Path.home() / ".local" / "share"
        folder = pathlib.Path(shared) / "feature-map-explorer"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder
