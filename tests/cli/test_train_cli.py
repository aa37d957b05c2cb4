"""``feature-map-explorer train``: JSON lines, an atomic .keras file, one-line errors.

Training runs in-process on 200 offline "digits" images (TensorFlow is
imported once per test session); only --help runs in a fresh process, to show
that it does not import TensorFlow.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

from explorer.app import main

REPO = pathlib.Path(__file__).resolve().parents[2]
EPOCH_KEYS = {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "samples_per_s"}
DIGITS = ["--model", "mnist-convnet", "--dataset", "digits", "--limit", "200", "--batch-size", "32"]


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _one_line_error(capsys, *needles: str) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("feature-map-explorer train: error: ")
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def test_help_is_instant_and_needs_no_tensorflow():
    code = ("import sys; from explorer.app import main\n"
            "try:\n    main(['train', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('TF-LOADED' if 'tensorflow' in sys.modules else 'TF-FREE')\n"
            "print('QT-LOADED' if 'PySide6' in sys.modules else 'QT-FREE')")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=60)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    for option in ("--model", "--dataset", "--data-dir", "--epochs", "--batch-size", "--optimizer",
                   "--learning-rate", "--validation-split", "--patience", "--limit", "--devices", "--out"):
        assert option in result.stdout
    assert "TF-FREE" in result.stdout and "QT-FREE" in result.stdout
    assert elapsed < 10


def test_train_save_load_round_trip(tmp_path, capsys, monkeypatch):
    import explorer.core.train.trainer as training

    made = []

    class Recording(training.Trainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(training, "Trainer", Recording)
    out = tmp_path / "digits.keras"
    history = tmp_path / "curves.csv"
    assert main(["train", *DIGITS, "--epochs", "2", "--optimizer", "adam", "--learning-rate", "0.002",
                 "--out", str(out), "--history", str(history)]) == 0
    captured = capsys.readouterr()
    lines = _lines(captured.out)
    assert len(lines) == 3
    for number, line in enumerate(lines[:2], start=1):
        assert set(line) == EPOCH_KEYS and line["epoch"] == number
        assert all(isinstance(line[key], float) for key in EPOCH_KEYS - {"epoch"})
    final = lines[-1]
    assert set(final) >= {"test_accuracy", "test_loss"} and final["epochs"] == 2 and not final["stopped"]
    assert final["out"] == str(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.csv", "digits.keras"]
    assert history.read_text().splitlines()[0] == "epoch,loss,accuracy,val_loss,val_accuracy"

    from explorer.core.model.model_files import load_model
    from explorer.core.train.datasets import load_dataset

    (trainer,) = made
    assert trainer.config.optimizer == "adam" and trainer.config.learning_rate == 0.002
    loaded = load_model(out)
    data = load_dataset("digits")
    x, y = data.x_test, data.y_test
    expected = trainer.model.predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)
    assert final["test_accuracy"] == pytest.approx(float(np.mean(expected.argmax(axis=1) == y)))


def test_divergence_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "never.keras"
    assert main(["train", *DIGITS, "--epochs", "1", "--optimizer", "sgd", "--learning-rate", "1e6",
                 "--out", str(out)]) == 1
    _one_line_error(capsys, "the loss became NaN", "learning rate 1000000.0 is too high", "try 0.001")
    assert not out.exists()


def test_dataset_errors_are_one_line(tmp_path, capsys):
    out = tmp_path / "m.keras"
    assert main(["train", "--model", "mnist-convnet", "--dataset", "mnist", "--data-dir",
                 str(tmp_path / "nowhere"), "--out", str(out)]) == 1
    _one_line_error(capsys, "does not exist")
    assert main(["train", "--model", "mnist-convnet", "--dataset", "imagenet", "--out", str(out)]) == 1
    _one_line_error(capsys, "unknown dataset 'imagenet'")
    assert not out.exists()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--out", "model.h5"], "--out must name a .keras file"),
        (["--out", "/no/such/folder/m.keras"], "does not exist"),
        (["--model", "resnet", "--out", "m.keras"], "unknown model 'resnet'"),
        (["--optimizer", "adagrad", "--out", "m.keras"], "unknown optimizer 'adagrad'"),
        (["--epochs", "0", "--out", "m.keras"], "--epochs must be at least 1"),
        (["--learning-rate", "-1", "--out", "m.keras"], "--learning-rate must be a number > 0"),
        (["--validation-split", "1.5", "--out", "m.keras"], "--validation-split must be between 0 and 1"),
        (["--rotation", "2", "--out", "m.keras"], "--rotation must be a fraction"),
        (["--devices", "0", "--out", "m.keras"], "--devices must be 'all' or a whole number >= 1"),
        (["--devices", "many", "--out", "m.keras"], "--devices must be 'all' or a whole number >= 1"),
    ],
)
def test_bad_arguments(args, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = ["--model", "mnist-convnet", "--dataset", "digits"]
    merged = base + args
    if "--model" in args:  # the case overrides the model
        merged = ["--dataset", "digits"] + args
    assert main(["train", *merged]) == 1
    _one_line_error(capsys, needle)
    assert list(tmp_path.iterdir()) == []


def test_usage_errors_exit_2(capsys):
    assert main(["train", "--model", "mnist-convnet", "--dataset", "digits", "--epochs", "many",
                 "--out", "m.keras"]) == 2
    assert "invalid int value: 'many'" in capsys.readouterr().err
    assert main(["train", "--dataset", "digits", "--out", "m.keras"]) == 2
    assert "--model" in capsys.readouterr().err


def test_output_name_and_folder_are_checked_before_training(tmp_path, capsys):
    from explorer.app import main

    assert main(["train", "--model", "lenet5", "--dataset", "digits", "--out", str(tmp_path / "m.KERAS")]) == 1
    assert "lower case" in capsys.readouterr().err


def test_more_devices_than_the_machine_has_is_one_line_before_training(tmp_path):
    """In a fresh process, so that stderr is the real one (TensorFlow's C++ logging included)."""
    out = tmp_path / "m.keras"
    code = ("import sys; from explorer.app import main\n"
            f"sys.exit(main(['train', *{DIGITS!r}, '--devices', '3', '--out', {str(out)!r}]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    if result.returncode == 0:
        pytest.skip("this machine has 3 or more devices")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1 and result.stdout == ""
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("feature-map-explorer train: error: 3 devices were asked for, but this machine")
    assert not out.exists()
