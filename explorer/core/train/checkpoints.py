"""Each epoch's model saved as ``<folder>/<run-id>/epoch-NN.keras``, atomically.

The default folder is ``checkpoints`` in the user's data folder. A checkpoint
that cannot be written turns checkpoints off for the rest of the run, with one
message (not one per epoch).
"""

from __future__ import annotations

import pathlib

__all__ = ["DEFAULT_CHECKPOINT_DIR", "Checkpoints", "default_checkpoint_dir"]


class _UserDataFolder:
    """The default of ``Trainer(checkpoint_dir=...)``: the user's data folder."""

    def __repr__(self) -> str:
        return "DEFAULT_CHECKPOINT_DIR"


#: ``Trainer(checkpoint_dir=DEFAULT_CHECKPOINT_DIR)``: checkpoints under :func:`default_checkpoint_dir`.
DEFAULT_CHECKPOINT_DIR = _UserDataFolder()


def default_checkpoint_dir() -> pathlib.Path:
    """``<user data folder>/checkpoints``.

    The user data folder is ``$XDG_DATA_HOME/feature-map-explorer`` or
    ``~/.local/share/feature-map-explorer`` (``$FME_DATA_DIR`` overrides it,
    see :func:`explorer.paths.user_data_dir`). Each run writes
    ``<run-id>/epoch-NN.keras`` inside. Not created here.
    """
    from explorer.paths import user_data_dir

    return user_data_dir(create=False) / "checkpoints"


class Checkpoints:
    """The checkpoints of one run.

    Parameters
    ----------
    root : path-like, None or DEFAULT_CHECKPOINT_DIR
        The folder holding one sub-folder per run; None: no checkpoints.
    run_id : str
        The run's sub-folder.
    """

    def __init__(self, root, run_id: str) -> None:
        if root is DEFAULT_CHECKPOINT_DIR:
            root = default_checkpoint_dir()
        self._root = None if root is None else pathlib.Path(root)
        self._run_id = run_id
        self._written: list[pathlib.Path] = []

    @property
    def folder(self) -> pathlib.Path | None:
        """``<root>/<run-id>``, or None if checkpoints are off."""
        return None if self._root is None else self._root / self._run_id

    @property
    def written(self) -> tuple[pathlib.Path, ...]:
        """The checkpoint files written so far, oldest first."""
        return tuple(self._written)

    def save(self, model, epoch: int) -> str:
        """Save `model` as ``epoch-NN.keras``; "" or a message saying why it could not.

        Parameters
        ----------
        model : keras.Model
        epoch : int
            1-based.
        """
        folder = self.folder
        if folder is None:
            return ""
        from explorer.core.model.model_files import save_model

        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = save_model(model, folder / f"epoch-{epoch:02d}.keras")
        except (OSError, ValueError) as exc:
            self._root = None  # one message, not one per epoch
            reason = getattr(exc, "strerror", None) or str(exc)
            return f"could not save a checkpoint in {folder} ({reason}); checkpoints are off for this run"
        self._written.append(path)
        return ""
