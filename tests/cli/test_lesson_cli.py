"""Lessons and presentation settings on the command line: ``screenshot --lesson/--theme/--scale``."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from explorer.core.lab.pipeline import KernelBank, LabSettings
from explorer.core.lesson import LabState, Lesson, write_lesson
from tests.cli.test_cli import assert_clean_error, png_size, run_cli


def _mean_lightness(path) -> float:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return float(data.mean())


def _lesson(tmp_path):
    rng = np.random.default_rng(2)
    lab = LabState(image=rng.random((48, 64, 1), dtype=np.float32), origin="noise", crop=None,
                   bank=KernelBank.of([[[1, 2, 1], [0, 0, 0], [-1, -2, -1]]]),
                   settings=LabSettings(mode="layer", stride=2, pool="max"), levels="per-map")
    return write_lesson(tmp_path / "noise.fmlesson", Lesson(part="kernel-lab", lab=lab))


def test_a_lesson_renders_the_same_in_two_runs_and_differs_from_the_defaults(tmp_path, qtbot):
    lesson = _lesson(tmp_path)
    shots = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.png"
        result = run_cli("screenshot", "--lesson", str(lesson), "--out", str(out), "--size", "1024x700")
        assert result.returncode == 0, result.stderr
        shots.append(QImage(str(out)))
    default = tmp_path / "default.png"
    assert run_cli("screenshot", "--out", str(default), "--size", "1024x700").returncode == 0
    assert shots[0] == shots[1]
    assert shots[0] != QImage(str(default))


def test_a_damaged_lesson_fails_cleanly_without_a_png(tmp_path):
    bad = tmp_path / "bad.fmlesson"
    bad.write_bytes(b"garbage")
    out = tmp_path / "x.png"
    assert_clean_error(run_cli("screenshot", "--lesson", str(bad), "--out", str(out)), "bad.fmlesson",
                       "not a lesson file")
    assert not out.exists()


def test_dark_theme_and_large_scale_on_the_command_line(tmp_path, qtbot):
    light, dark, large = (tmp_path / f"{n}.png" for n in ("light", "dark", "large"))
    for out, options in ((light, ()), (dark, ("--theme", "dark")), (large, ("--scale", "200"))):
        result = run_cli("screenshot", "--out", str(out), "--size", "1024x700", "--part", "training", *options)
        assert result.returncode == 0, result.stderr
        assert png_size(out) == (1024, 700)
    assert _mean_lightness(dark) < _mean_lightness(light) - 40
    assert QImage(str(large)) != QImage(str(light))


def test_impossible_presentation_options_fail_cleanly(tmp_path):
    for options, needle in ((("--scale", "300"), "invalid choice"), (("--theme", "neon"), "invalid choice"),
                            (("--colour-maps", "rainbow"), "invalid choice")):
        assert_clean_error(run_cli("screenshot", "--out", str(tmp_path / "x.png"), *options), needle)
