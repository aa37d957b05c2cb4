"""The command line: help, version, screenshot, clean errors, cheap import."""

from __future__ import annotations

import os
import pathlib
import struct
import subprocess
import sys

import pytest

from explorer import __version__
from explorer.app import main
from explorer.cli.command import CliError, Subcommand
from explorer.cli.registry import SUBCOMMANDS, build_parser, register_subcommand
from explorer.cli.screenshot import parse_size

REPO = pathlib.Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m explorer ARGS`` in a fresh process from the checkout."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "explorer", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )


def png_size(path: pathlib.Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def assert_clean_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_help_lists_subcommands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "screenshot" in result.stdout
    assert "--version" in result.stdout


def test_screenshot_help_lists_options():
    result = run_cli("screenshot", "--help")
    assert result.returncode == 0
    for option in ("--out", "--part", "--size", "kernel-lab", "training", "draw"):
        assert option in result.stdout


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_screenshot_writes_png_of_requested_size(tmp_path):
    out = tmp_path / "shot.png"
    result = run_cli("screenshot", "--out", str(out), "--part", "training", "--size", "800x600")
    assert result.returncode == 0, result.stderr
    assert png_size(out) == (800, 600)
    assert str(out) in result.stdout
    # Written atomically: no temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot.png"]


def test_screenshot_shows_the_requested_tab(tmp_path, qtbot):
    from PySide6.QtGui import QImage

    images = {}
    for part in ("kernel-lab", "draw"):
        out = tmp_path / f"{part}.png"
        assert run_cli("screenshot", "--out", str(out), "--part", part, "--size", "640x480").returncode == 0
        images[part] = QImage(str(out))
        assert images[part].width() == 640 and images[part].height() == 480
    assert images["kernel-lab"] != images["draw"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (("--part", "nope"), "invalid choice"),
        (("--size", "abc"), "invalid size 'abc'"),
        (("--size", "0x10"), "invalid size '0x10'"),
        (("--size", "800"), "invalid size '800'"),
    ],
)
def test_screenshot_bad_arguments_fail_cleanly(tmp_path, args, needle):
    out = tmp_path / "x.png"
    result = run_cli("screenshot", "--out", str(out), *args)
    assert_clean_error(result, needle)
    assert not out.exists()


def test_screenshot_unwritable_folder_fails_cleanly(tmp_path):
    out = tmp_path / "missing-folder" / "x.png"
    result = run_cli("screenshot", "--out", str(out))
    assert_clean_error(result, "cannot write", "missing-folder")


def test_screenshot_requires_png_name(tmp_path):
    result = run_cli("screenshot", "--out", str(tmp_path / "x.jpg"))
    assert_clean_error(result, ".png")


def test_screenshot_requires_out():
    assert_clean_error(run_cli("screenshot"), "--out")


def test_importing_app_does_not_import_qt_or_tensorflow():
    code = (
        "import sys, explorer.app; "
        "heavy = [m for m in ('PySide6', 'pyqtgraph', 'tensorflow') if m in sys.modules]; "
        "print('HEAVY', heavy)"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


# In-process checks of the pieces other modules build on.
@pytest.mark.parametrize("text, expected", [("1280x800", (1280, 800)), (" 64X32 ", (64, 32)), ("5×7", (5, 7))])
def test_parse_size_accepts(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["abc", "0x10", "10x0", "-5x5", "1.5x2", "99999x10", ""])
def test_parse_size_rejects(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        parse_size(text)


def test_screenshot_defaults():
    args = build_parser().parse_args(["screenshot", "--out", "x.png"])
    assert args.command == "screenshot"
    assert args.part is None  # the lesson's part, else the kernel lab
    assert args.size == (1280, 800)
    assert (args.lesson, args.theme, args.scale, args.colour_scheme) == (None, "light", 100, "classic")


@pytest.fixture
def extra_subcommand():
    """Register throw-away subcommands the way later modules will."""
    build_parser()  # the built-in commands are registered first, so the fixture can restore them
    saved = dict(SUBCOMMANDS)

    def add(name, run):
        register_subcommand(Subcommand(name=name, help=f"{name} help",
                                       add_arguments=lambda p: p.add_argument("--n", type=int, default=1),
                                       run=run))

    yield add
    SUBCOMMANDS.clear()
    SUBCOMMANDS.update(saved)


def test_registered_subcommand_is_parsed_and_run(extra_subcommand, capsys):
    extra_subcommand("fake-summary", lambda args: print(f"n={args.n}") or 0)
    assert "fake-summary" in build_parser().format_help()
    assert main(["fake-summary", "--n", "3"]) == 0
    assert "n=3" in capsys.readouterr().out


def test_subcommand_errors_are_one_line(extra_subcommand, capsys, monkeypatch):
    monkeypatch.delenv("FME_DEBUG", raising=False)
    def fail_cleanly(args):
        raise CliError("no such model")

    def crash(args):
        raise RuntimeError("boom")

    extra_subcommand("fake-fail", fail_cleanly)
    extra_subcommand("fake-crash", crash)
    assert main(["fake-fail"]) == 1
    assert capsys.readouterr().err.strip() == "feature-map-explorer fake-fail: error: no such model"
    assert main(["fake-crash"]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError: boom" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_main_returns_status_instead_of_exiting(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["screenshot", "--size", "abc", "--out", "x.png"]) == 2


def test_resource_path_finds_the_icon_and_rejects_unknown_names():
    from explorer.paths import resource_path

    icon = resource_path("icon.svg")
    assert icon.is_file() and icon.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with pytest.raises(FileNotFoundError):
        resource_path("no-such-file.svg")
