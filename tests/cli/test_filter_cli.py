"""``feature-map-explorer filter``: the kernel lab's pipeline from the command line."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from explorer.app import main
from explorer.core.lab import image_files, kernels
from explorer.core.lab import pipeline as lab


@pytest.fixture
def photo(tmp_path):
    pixels = (np.random.default_rng(4).random((30, 44, 3)) * 255).astype(np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    return path


def run(*args):
    return main(["filter", *map(str, args)])


def test_layer_mode_with_pooling_writes_png_and_exact_values(tmp_path, photo, capsys):
    out, raw = tmp_path / "maps.png", tmp_path / "maps.npy"
    assert run(photo, "--kernel", "sobel-x", "--kernel", "sobel-y", "--mode", "layer", "--padding", "valid",
               "--stride", "2", "--pool", "max:2", "--out", out, "--npy", raw) == 0
    request = lab.LabRequest(image_files.load_image(photo),
                             lab.KernelBank.of([kernels.PRESETS["sobel-x"], kernels.PRESETS["sobel-y"]]),
                             lab.LabSettings(mode="layer", padding="valid", stride=2, pool="max", pool_size=2,
                                             pool_stride=2))
    np.testing.assert_allclose(np.load(raw), lab.compute(request).pooled, atol=1e-6)
    assert Image.open(out).mode == "RGB"
    printed = capsys.readouterr().out
    assert "⌊(30 + 2·0 − 3)/2⌋ + 1 = 14" in printed and "(3·3·3 + 1)·2 = 56" in printed


def test_samples_npy_banks_and_explicit_padding(tmp_path, capsys):
    bank = np.stack([kernels.PRESETS["vertical-line"], kernels.PRESETS["horizontal-line"]])
    np.save(tmp_path / "bank.npy", bank)
    out = tmp_path / "lines.png"
    assert run("digit", "--kernel", tmp_path / "bank.npy", "--padding", "1,2,0,3", "--dilation", "2",
               "--out", out) == 0
    printed = capsys.readouterr().out
    assert "⌊(28 + 1 + 2 − 2·(7 − 1) − 1)/1⌋ + 1 = 19" in printed and "padding top 1, bottom 2, left 0, right 3" in printed
    assert Image.open(out).size[0] > 17


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--kernel", "blurry"], "unknown kernel 'blurry'"),
        (["--kernel", "sharpen", "--padding", "lots"], "--padding must be"),
        (["--kernel", "sharpen", "--pool", "min:2"], "--pool must look like"),
        (["--kernel", "sharpen", "--stride", "0"], "stride must be at least 1"),
        (["--kernel", "vertical-line", "--padding", "valid", "--stride", "1"], "larger than the padded input"),
    ],
)
def test_bad_arguments_give_one_clear_line(tmp_path, args, needle, capsys):
    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(tiny)
    out = tmp_path / "x.png"
    assert run(tiny, *args, "--out", out) == 1
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_unsafe_or_broken_kernel_files_are_refused(tmp_path, photo, capsys):
    np.save(tmp_path / "pickled.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "nan.npy", np.full((3, 3), np.nan))
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    for name, needle in (("pickled.npy", "cannot read kernel file"), ("nan.npy", "finite"),
                         ("junk.npy", "cannot read kernel file")):
        assert run(photo, "--kernel", tmp_path / name, "--out", tmp_path / "o.png") == 1
        assert needle in capsys.readouterr().err


def test_a_kernel_file_whose_header_lies_is_refused_without_allocating(tmp_path, photo, capsys):
    from tests.core.test_npy_files import lying_npy

    (tmp_path / "huge.npy").write_bytes(lying_npy((99999, 99999, 3)))
    (tmp_path / "short.npy").write_bytes(lying_npy((15, 15)))
    for name, needle in (("huge.npy", "99999×99999×3 float32 array (112 GiB), more than the 16 MiB allowed"),
                         ("short.npy", "truncated")):
        assert run(photo, "--kernel", tmp_path / name, "--out", tmp_path / "o.png") == 1
        err = capsys.readouterr().err
        assert f"cannot read kernel file {tmp_path / name}: it" in err and needle in err
        assert len(err.strip().splitlines()) == 1


def test_corrupt_image_and_unwritable_output(tmp_path, photo, capsys):
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 broken")
    assert run(tmp_path / "bad.jpg", "--kernel", "sharpen", "--out", tmp_path / "o.png") == 1
    assert "bad.jpg" in capsys.readouterr().err
    assert run(photo, "--kernel", "sharpen", "--out", tmp_path / "missing" / "o.png") == 1
    assert "cannot write the output" in capsys.readouterr().err


def test_help_is_instant_and_complete():
    result = subprocess.run([sys.executable, "-m", "explorer", "filter", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for option in ("--kernel", "--stride", "--padding", "--dilation", "--pool", "--mode", "--out"):
        assert option in result.stdout
