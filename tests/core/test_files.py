"""atomic_write replaces the file whole or not at all."""

import os
import stat

import pytest

from explorer.core.files import atomic_write


def test_writes_and_replaces(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    assert atomic_write(target, lambda tmp: open(tmp, "w").write("new")) == target
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert os.listdir(tmp_path) == ["out.txt"]


def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def broken(tmp):
        open(tmp, "w").write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    with pytest.raises(OSError):
        atomic_write(target, lambda tmp: False)  # QImage.save's way of failing
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]


def test_missing_folder_fails_before_writing(tmp_path):
    calls = []
    with pytest.raises(OSError):
        atomic_write(tmp_path / "nope" / "out.txt", calls.append)
    assert calls == []


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
