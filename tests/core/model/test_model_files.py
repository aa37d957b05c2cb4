"""Model files: atomic .keras saving, safe loading, one clear sentence per failure."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from explorer.core.model.build import build_model
from explorer.core.model.model_files import ModelFileError, load_model, save_model

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def convnet():
    keras.utils.set_random_seed(5)
    return build_model("lenet5")


@pytest.fixture(scope="module")
def saved(convnet, tmp_path_factory):
    return save_model(convnet, tmp_path_factory.mktemp("models") / "lenet.keras")


def test_round_trip_gives_the_same_predictions(convnet, saved):
    assert saved.is_absolute() and saved.name == "lenet.keras"
    assert [p.name for p in saved.parent.iterdir()] == ["lenet.keras"]  # no temporary file left behind
    loaded = load_model(saved)
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(loaded(images).numpy(), convnet(images).numpy(), atol=1e-6)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in convnet.layers]


def test_saving_replaces_a_file_and_needs_the_keras_suffix(convnet, tmp_path):
    target = tmp_path / "model.v2.keras"
    target.write_text("old")
    save_model(convnet, target)
    assert zipfile.is_zipfile(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.v2.keras"]
    with pytest.raises(ModelFileError, match=r"must end with \.keras"):
        save_model(convnet, tmp_path / "model.h5")
    with pytest.raises(OSError):
        save_model(convnet, tmp_path / "missing-folder" / "model.keras")


def _message(path) -> str:
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_missing_files_folders_and_other_formats(tmp_path):
    assert _message(tmp_path / "nothing.keras") == "nothing.keras: no such file"
    assert "is a folder" in _message(tmp_path)
    text = tmp_path / "notes.keras"
    text.write_text("hello")
    assert "not a Keras model file" in _message(text)
    h5 = tmp_path / "old.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert "HDF5" in _message(h5)
    other = tmp_path / "other.keras"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "not a model")
    assert "no config.json" in _message(other)


def test_damaged_archives_are_refused(saved, tmp_path):
    data = saved.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    assert "damaged" in _message(truncated)

    flipped = tmp_path / "flipped.keras"
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("model.weights.h5")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    broken = bytearray(data)
    broken[middle] ^= 0xFF
    flipped.write_bytes(bytes(broken))
    assert "damaged" in _message(flipped)


def test_lambda_layers_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Lambda(lambda x: x * 2),
                              keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    path = tmp_path / "lambda.keras"
    model.save(path)  # saving is allowed; running it on load is what safe mode refuses
    message = _message(path)
    assert message == ("lambda.keras: this model contains a Lambda layer, which Feature Map Explorer "
                       "does not run for safety")


class Doubling(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2


def test_custom_code_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((8, 8, 1)), Doubling(), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    path = tmp_path / "custom.keras"
    model.save(path)
    message = _message(path)
    assert "custom code ('Doubling')" in message and "does not run for safety" in message

    def my_activation(x):
        return keras.ops.relu(x)

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation=my_activation)])
    path = tmp_path / "activation.keras"
    model.save(path)
    assert "custom code ('my_activation')" in _message(path)


def test_models_that_do_not_take_images_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    path = tmp_path / "flat.keras"
    model.save(path)
    message = _message(path)
    assert "input has shape (None, 784), not an image" in message


def test_other_keras_failures_are_one_sentence(saved, tmp_path):
    with zipfile.ZipFile(saved) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(parts["config.json"])
    config["config"]["layers"][1]["config"]["filters"] = "many"
    parts["config.json"] = json.dumps(config).encode()
    path = tmp_path / "nonsense.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert "Keras could not load this model" in _message(path)


# ---------------------------------------------------------------- found in review


def _functional_model():
    from explorer.core import tf_backend

    keras = tf_backend.load().keras
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(2, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def test_functional_models_are_not_mistaken_for_custom_code(tmp_path):
    from explorer.core.model.model_files import load_model, save_model

    path = save_model(_functional_model(), tmp_path / "functional.keras")
    assert load_model(path).output_shape == (None, 3)


def test_upper_case_suffix_is_refused_before_any_work(tmp_path):
    import pytest

    from explorer.core.model.model_files import ModelFileError, save_model

    with pytest.raises(ModelFileError, match="lower case"):
        save_model(object(), tmp_path / "model.KERAS")  # the model is never touched


def test_declared_sizes_and_broken_streams_are_refused(tmp_path):
    import zipfile

    import pytest

    from explorer.core.model.model_files import ModelFileError, load_model, save_model

    good = save_model(_functional_model(), tmp_path / "good.keras")
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("padding.bin", b"\0" * (20 * 2**20))  # declared, compressible
    import explorer.core.model.model_files as mf

    original = mf.MAX_UNPACKED_BYTES
    mf.MAX_UNPACKED_BYTES = 10 * 2**20  # the real limit is 4 GiB; the rule is the same
    try:
        with pytest.raises(ModelFileError, match="implausible size"):
            load_model(bomb)
    finally:
        mf.MAX_UNPACKED_BYTES = original
    broken = tmp_path / "broken.keras"
    data = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo("padding.bin")
    start = info.header_offset + 30 + len(info.filename) + 40  # inside the deflate stream
    data[start:start + 16] = b"\xff" * 16
    broken.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        load_model(broken)
