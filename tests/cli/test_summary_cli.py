"""``feature-map-explorer summary``: the seeds' models as tables with formulas."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from explorer.app import main

REPO = pathlib.Path(__file__).resolve().parents[2]


def run(*args):
    return main(["summary", *map(str, args)])


def test_mnist_convnet_table(capsys):
    assert run("--model", "mnist-convnet") == 0
    out = capsys.readouterr().out
    for needle in ('Model "mnist-convnet", input 28×28×1, 10 classes', "conv2d (Conv2D)", "(None, 26, 26, 32)",
                   "(3·3·1 + 1)·32 = 320", "(3·3·32 + 1)·64 = 18,496", "(3·3·64 + 1)·64 = 36,928",
                   "(576 + 1)·64 = 36,928", "Total params: 93,322", "55,744"):
        assert needle in out


def test_seed_002_default_input_and_options(capsys):
    assert run("--model", "cifar-small") == 0
    assert "Total params: 32,784,054" in capsys.readouterr().out
    assert run("--model", "cifar-small-pooling", "--input-shape", "32x32x3", "--num-classes", "5",
               "--shape-formulas") == 0
    out = capsys.readouterr().out
    assert "(500 + 1)·5 = 2,505" in out and "⌊(32 + 2·0 − 2)/2⌋ + 1 = 16" in out and "Output size" in out
    assert run("--model", "lenet5", "--input-shape", "32,32") == 0
    assert "input 32×32×1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--model", "vgg16"], "unknown model 'vgg16'"),
        (["--model", "lenet5", "--input-shape", "28,28,1,1"], "--input-shape must be"),
        (["--model", "lenet5", "--input-shape", "0,28"], "--input-shape must be"),
        (["--model", "mnist-convnet", "--input-shape", "12,12,1"], "smaller than the 3×3 kernel"),
        (["--model", "lenet5", "--num-classes", "1"], "at least 2 classes"),
    ],
)
def test_bad_arguments_give_one_clear_line(args, needle, capsys):
    assert run(*args) == 1
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_runs_without_tensorflow_or_qt_and_help_is_instant():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    probe = ("import sys, json; from explorer.app import main; main(['summary', '--model', 'fashion-cnn']); "
             "print(json.dumps([m for m in ('tensorflow', 'keras', 'PySide6') if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=REPO,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert "Total params: 1,413,834" in result.stdout
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    result = subprocess.run([sys.executable, "-m", "explorer", "summary", "--help"], capture_output=True, text=True,
                            timeout=60, cwd=REPO, env=env)
    assert result.returncode == 0 and "--input-shape" in result.stdout and "--num-classes" in result.stdout
