"""``feature-map-explorer inspect``: every method's files and JSON, and one-line errors.

A tiny convnet (a nested Functional base inside a Sequential) is trained for a
few steps on generated images and saved with ``save_model``; the commands run
in-process (TensorFlow is imported once), one round trip in a fresh process.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.app import main
from tests.cli.test_cli import png_size, run_cli

PROG_ERROR = "feature-map-explorer inspect: error: "


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    from explorer.core.model.model_files import save_model

    keras.utils.set_random_seed(0)
    inp = keras.Input((12, 12, 1))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv1")(inp)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv2")(x)
    base = keras.Model(inp, x, name="base")
    model = keras.Sequential([keras.Input((12, 12, 1)), base, keras.layers.Flatten(name="flat"),
                              keras.layers.Dense(8, activation="relu", name="hidden"),
                              keras.layers.Dense(3, activation="softmax", name="probs")])
    rng = np.random.default_rng(0)
    images = rng.random((60, 12, 12, 1), dtype=np.float32)
    labels = (images[:, :6].mean(axis=(1, 2, 3)) > images[:, 6:].mean(axis=(1, 2, 3))).astype(int)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=1, batch_size=20, verbose=0)
    folder = tmp_path_factory.mktemp("inspect")
    path = folder / "tiny.keras"
    save_model(model, path)
    np.save(folder / "images.npy", images)
    np.save(folder / "one.npy", images[0])
    return folder, model, images


def _run(capsys, *args):
    code = main(["inspect", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(out):
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1
    return json.loads(lines[0])


def test_maximize_saves_the_input_and_reports_its_activation(saved, capsys):
    from explorer.core.inspect.maximize import unit_response

    folder, model, _ = saved
    code, out, err = _run(capsys, "--model", str(folder / "tiny.keras"), "--method", "maximize", "--layer", "conv2",
                          "--unit", "1", "--steps", "12", "--out", str(folder / "m.png"),
                          "--npy", str(folder / "m.npy"), "--json")
    assert code == 0, err
    record = _json(out)
    assert record["layer"] == "conv2" and record["unit"] == 1
    image = np.load(folder / "m.npy")
    assert image.shape == (12, 12, 1) and image.dtype == np.float32 and 0 <= image.min() <= image.max() <= 1
    # The reported activation is the unit's response to the saved input, measured again here.
    again = unit_response(model, "conv2", image[None], [1])[0]
    assert record["activation"] == pytest.approx(float(again), rel=1e-4, abs=1e-6)
    assert png_size(folder / "m.png")[0] > 12


def test_maximize_a_class(saved, capsys):
    folder, _, _ = saved
    code, out, err = _run(capsys, "--model", str(folder / "tiny.keras"), "--method", "maximize", "--class", "2",
                          "--steps", "6", "--out", str(folder / "c.png"), "--json")
    assert code == 0, err
    assert _json(out)["layer"] == "probs" and _json(out)["class"] == 2


def test_top_images_match_a_ranking_by_hand(saved, capsys):
    from explorer.core.inspect.layers import output_model

    folder, model, images = saved
    code, out, err = _run(capsys, "--model", str(folder / "tiny.keras"), "--method", "top-images", "--layer",
                          "conv1", "--unit", "3", "--images", str(folder / "images.npy"), "--count", "4",
                          "--out", str(folder / "t.png"), "--json")
    assert code == 0, err
    record = _json(out)
    responses = np.asarray(output_model(model, ["conv1"])(images))[..., 3].mean(axis=(1, 2))
    assert record["indices"] == list(np.argsort(-responses, kind="stable")[:4])
    np.testing.assert_allclose(record["activations"], np.sort(responses)[::-1][:4], rtol=1e-5, atol=1e-6)
    assert record["receptive_field"] == [3, 3]


@pytest.mark.parametrize("method", ["occlusion", "saliency", "gradcam"])
def test_attribution_maps_at_input_resolution(saved, capsys, method):
    folder, _, _ = saved
    code, out, err = _run(capsys, "--model", str(folder / "tiny.keras"), "--method", method, "--image",
                          str(folder / "one.npy"), "--class", "1", "--patch", "3", "--stride", "2",
                          "--out", str(folder / f"{method}.png"), "--npy", str(folder / f"{method}.npy"), "--json")
    assert code == 0, err
    heat = np.load(folder / f"{method}.npy")
    assert heat.shape == (12, 12) and heat.dtype == np.float32
    record = _json(out)
    assert record["class"] == 1 and record["max"] == pytest.approx(float(heat.max()))


def test_occlusion_of_an_image_file_is_resized(saved, capsys, tmp_path):
    from PIL import Image

    folder, _, _ = saved
    Image.fromarray(np.tile(np.arange(0, 240, 10, dtype=np.uint8), (24, 1))).save(tmp_path / "g.png")
    code, _, err = _run(capsys, "--model", str(folder / "tiny.keras"), "--method", "occlusion", "--image",
                        str(tmp_path / "g.png"), "--out", str(tmp_path / "o.png"), "--npy", str(tmp_path / "o.npy"))
    assert code == 0, err
    plain = np.load(tmp_path / "o.npy")
    assert plain.shape == (12, 12)
    code, _, err = _run(capsys, "--model", str(folder / "tiny.keras"), "--method", "occlusion", "--image",
                        str(tmp_path / "g.png"), "--invert", "--out", str(tmp_path / "o.png"),
                        "--npy", str(tmp_path / "o.npy"))
    assert code == 0, err
    assert not np.array_equal(np.load(tmp_path / "o.npy"), plain)


def test_embedding_coordinates(saved, capsys):
    folder, _, _ = saved
    code, out, err = _run(capsys, "--model", str(folder / "tiny.keras"), "--method", "embedding", "--images",
                          str(folder / "images.npy"), "--count", "40", "--algorithm", "pca",
                          "--out", str(folder / "e.png"), "--npy", str(folder / "e.npy"), "--json")
    assert code == 0, err
    assert _json(out) == {"layer": "hidden", "algorithm": "pca", "count": 40}
    assert np.load(folder / "e.npy").shape == (40, 2)


def _lying_npy(path):
    import struct

    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 12, 12, 1), }"
    header += " " * (118 - len(header)) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 64)


@pytest.mark.parametrize("extra, needle", [
    (["--method", "maximize", "--layer", "nope", "--unit", "0"], "unknown layer 'nope'"),
    (["--method", "maximize", "--layer", "conv2", "--unit", "6"], "unit 6 is out of range"),
    (["--method", "maximize", "--layer", "conv2"], "--unit K"),
    (["--method", "top-images", "--layer", "conv1", "--unit", "0", "--images", "LYING"], "cannot read"),
    (["--method", "top-images", "--layer", "conv1", "--unit", "0", "--images", "WRONG"], "--images must be"),
    (["--method", "saliency", "--image", "WRONG"], "this model takes (12, 12, 1)"),
    (["--method", "occlusion", "--image", "ONE", "--patch", "30"], "patch must be"),
    (["--method", "embedding", "--layer", "conv1"], "--dataset NAME or --images"),
])
def test_bad_arguments_are_one_line(saved, capsys, tmp_path, extra, needle):
    folder, _, _ = saved
    _lying_npy(tmp_path / "lying.npy")
    np.save(tmp_path / "wrong.npy", np.zeros((3, 8, 8, 1), np.float32))
    names = {"LYING": str(tmp_path / "lying.npy"), "WRONG": str(tmp_path / "wrong.npy"), "ONE": str(folder / "one.npy")}
    extra = [names.get(a, a) for a in extra]
    code, _, err = _run(capsys, "--model", str(folder / "tiny.keras"), *extra, "--out", str(tmp_path / "x.png"))
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and lines[0].startswith(PROG_ERROR)
    assert needle in lines[0], lines[0]
    assert not (tmp_path / "x.png").exists()


def test_unsafe_model_file_is_refused(saved, capsys, tmp_path):
    import keras

    model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Lambda(lambda x: x * 2),
                              keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    model.save(tmp_path / "evil.keras")  # saving is allowed; running it on load is what is refused
    code, _, err = _run(capsys, "--model", str(tmp_path / "evil.keras"), "--method", "saliency", "--image", "x.npy",
                        "--out", str(tmp_path / "x.png"))
    assert code == 1 and "Lambda" in err and len(err.strip().splitlines()) == 1


def test_round_trip_in_a_fresh_process(saved):
    folder, _, _ = saved
    result = run_cli("inspect", "--model", str(folder / "tiny.keras"), "--method", "gradcam", "--image",
                     str(folder / "one.npy"), "--out", str(folder / "g.png"), "--npy", str(folder / "g.npy"),
                     "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    heat = np.load(folder / "g.npy")
    assert record["method"] == "gradcam" and heat.shape == (12, 12) and 0 <= heat.min() and heat.max() <= 1
