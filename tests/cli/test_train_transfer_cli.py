"""``train --from``: the layers line, a saved transfer model, and one-line refusals before training.

Runs in-process on offline "digits" images with mnist-convnet, 1 epoch.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from explorer.app import main

CONV_BASE = ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "conv2d_2", "flatten"]
SMALL = ["--dataset", "digits", "--epochs", "1", "--batch-size", "32"]


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """mnist-convnet trained one epoch on digits 0-4, saved by the command itself."""
    path = tmp_path_factory.mktemp("base") / "base04.keras"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["train", "--model", "mnist-convnet", *SMALL, "--classes", "0-4", "--per-class", "40",
                     "--out", str(path)])
    assert code == 0
    return path


def _sizes(weights) -> int:
    return int(sum(np.prod(w.shape) for w in weights))


def test_freeze_round_trip(base, tmp_path, capsys):
    from explorer.core.model.model_files import load_model

    out = tmp_path / "t59.keras"
    assert main(["train", "--from", str(base), *SMALL, "--classes", "5,6,7,8,9", "--per-class", "10", "--freeze",
                 "--validation-split", "0", "--out", str(out)]) == 0
    lines = _lines(capsys.readouterr().out)
    first, epoch, final = lines
    assert [layer["name"] for layer in first["layers"]] == [*CONV_BASE, "new_classifier"]
    assert [layer["trainable"] for layer in first["layers"]] == [False] * 6 + [True]
    assert epoch["epoch"] == 1 and final["out"] == str(out)
    model = load_model(out)
    assert [layer.name for layer in model.layers] == [*CONV_BASE, "new_classifier"]
    assert model.layers[-1].units == 5
    assert first["trainable_params"] == _sizes(model.trainable_weights) == 576 * 5 + 5
    assert first["non_trainable_params"] == _sizes(model.non_trainable_weights) == model.count_params() - 2885
    original = load_model(base)
    for name in ("conv2d", "conv2d_1", "conv2d_2"):
        assert all(np.array_equal(a, b) for a, b in zip(model.get_layer(name).get_weights(),
                                                         original.get_layer(name).get_weights()))


def test_fine_tune_from_and_a_head(base, tmp_path, capsys):
    out = tmp_path / "tuned.keras"
    assert main(["train", "--from", str(base), *SMALL, "--classes", "5-9", "--per-class", "10", "--epochs", "2",
                 "--head", "dense 8 relu; dropout 0.2", "--fine-tune-from", "conv2d_2", "--warmup-epochs", "1",
                 "--validation-split", "0", "--out", str(out)]) == 0
    first, *epochs, final = _lines(capsys.readouterr().out)
    names = [layer["name"] for layer in first["layers"]]
    assert names == [*CONV_BASE, "new_dense", "new_dropout", "new_classifier"]
    # the line shows the warm-up: every kept layer frozen, the head training
    assert [layer["trainable"] for layer in first["layers"]] == [False] * 6 + [True] * 3
    assert [line["epoch"] for line in epochs] == [1, 2] and final["epochs"] == 2
    from explorer.core.model.model_files import load_model

    model = load_model(out)
    assert [layer.trainable for layer in model.layers[:6]] == [False] * 4 + [True, True]


@pytest.mark.parametrize(("args", "needle"), [
    (["--keep-up-to", "nowhere"], "no layer 'nowhere': its layers are conv2d"),
    (["--head", "conv2d 8 3"], "needs maps"),
    (["--head", "banana 3"], "--head line 1: unknown layer"),
    (["--freeze", "--fine-tune-from", "conv2d_2"], "not both"),
    (["--fine-tune-from", "dense"], "'dense' is not a kept layer"),
    (["--warmup-epochs", "1"], "--warmup-epochs needs --fine-tune-from"),
    (["--classes", "5,x"], "classes must be indices"),
    (["--classes", "5,42"], "no class 42"),
    (["--per-class", "0"], "--per-class must be at least 1"),
])
def test_impossible_requests_fail_before_training_in_one_line(base, tmp_path, capsys, args, needle):
    out = tmp_path / "never.keras"
    assert main(["train", "--from", str(base), *SMALL, "--classes", "5-9", *args, "--out", str(out)]) == 1
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], captured.err
    assert lines[0].startswith("feature-map-explorer train: error: ")
    assert captured.out == "" and not out.exists()


def test_a_base_whose_input_does_not_match_the_data_is_refused(tmp_path, capsys):
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    from explorer.core.model.model_files import save_model

    small = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(2, 3, name="c"),
                              keras.layers.Flatten(name="f"), keras.layers.Dense(3, activation="softmax")])
    path = save_model(small, tmp_path / "small.keras")
    assert main(["train", "--from", str(path), *SMALL, "--freeze", "--out", str(tmp_path / "x.keras")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = [line for line in captured.err.splitlines() if line.strip()]
    assert "takes 16×16×1 images but the data are 28×28×1" in line


@pytest.mark.parametrize(("args", "needle"), [
    (["--model", "mnist-convnet", "--freeze"], "--freeze needs --from BASE"),
    (["--model", "mnist-convnet", "--keep-up-to", "flatten"], "--keep-up-to needs --from BASE"),
    (["--from", "missing.keras"], "no such file"),
])
def test_options_that_need_a_base(tmp_path, capsys, args, needle):
    assert main(["train", *args, *SMALL, "--out", str(tmp_path / "m.keras")]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0]


def test_model_and_from_together_is_a_usage_error(capsys):
    assert main(["train", "--model", "lenet5", "--from", "b.keras", "--dataset", "digits", "--out", "m.keras"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_help_names_the_transfer_options(capsys):
    main(["train", "--help"])
    text = capsys.readouterr().out
    for option in ("--from", "--keep-up-to", "--head", "--freeze", "--fine-tune-from", "--warmup-epochs",
                   "--reinitialise", "--classes", "--per-class"):
        assert option in text
