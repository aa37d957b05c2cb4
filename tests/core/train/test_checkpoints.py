"""Where checkpoints go, and what happens when one cannot be written."""

from __future__ import annotations

import pytest

from explorer.core.train.checkpoints import Checkpoints, default_checkpoint_dir
from explorer.core.train.config import TrainConfig
from explorer.core.train.trainer import Trainer


def test_default_checkpoint_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("FME_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_checkpoint_dir() == tmp_path / "feature-map-explorer" / "checkpoints"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_checkpoint_dir() == tmp_path / "home" / ".local" / "share" / "feature-map-explorer" / "checkpoints"
    trainer = Trainer(TrainConfig())
    assert trainer.checkpoint_folder == default_checkpoint_dir() / trainer.run_id
    assert Trainer(TrainConfig(), checkpoint_dir=None).checkpoint_folder is None


def test_a_checkpoint_that_cannot_be_written_turns_them_off_with_one_message(tmp_path):
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    checkpoints = Checkpoints(blocked, "run")
    message = checkpoints.save(model, 1)
    assert message.startswith(f"could not save a checkpoint in {blocked / 'run'}") and "are off" in message
    assert checkpoints.folder is None and checkpoints.save(model, 2) == "" and checkpoints.written == ()
    saved = Checkpoints(tmp_path / "fine", "run")
    assert saved.save(model, 3) == "" and [p.name for p in saved.written] == ["epoch-03.keras"]
    assert Checkpoints(None, "run").save(model, 1) == ""
