"""Transfer-learning runs: the config's check, frozen weights, the fine-tune phases, snapshots.

Tiny real Keras models on offline "digits" data, 1-3 epochs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer.core.model.specs import LayerSpec
from explorer.core.train.config import TrainConfig, check_config
from explorer.core.train.training_data import load_data


@pytest.mark.parametrize(("changes", "needle"), [
    (dict(keep_up_to="flatten"), "need a base model"),
    (dict(frozen_layers=("conv2d",)), "need a base model"),
    (dict(base="b.keras", warmup_epochs=5, epochs=5), "warm-up"),
    (dict(base="b.keras", warmup_epochs=-1), "warm-up epochs"),
    (dict(base="b.keras", reinitialise=True, frozen_layers=("conv2d",)), "reinitialised"),
    (dict(classes=(5, 5, 6)), "twice"),
    (dict(classes=(5,)), "at least two classes"),
    (dict(classes=(-1, 2)), "class index"),
    (dict(per_class=0), "images per class"),
    (dict(base="b.keras", head=("dense 64",)), "LayerSpec"),
    (dict(base=3), "base must be"),
])
def test_check_config_refuses_impossible_transfer_fields(changes, needle):
    with pytest.raises(ValueError, match=needle):
        check_config(dataclasses.replace(TrainConfig(), **changes))


def test_check_config_accepts_transfer_fields():
    check_config(TrainConfig(base="b.keras", keep_up_to="flatten", head=(LayerSpec("dense", units=8),),
                             frozen_layers=("conv2d",), warmup_epochs=2, epochs=3, classes=(5, 6), per_class=10))
    check_config(TrainConfig(classes=(1, 0), per_class=1))


# ------------------------------------------------------------------ training
@pytest.fixture(scope="module")
def base_file(tmp_path_factory):
    """A tiny convnet with a BatchNormalization, trained one epoch on digits 0-4, as a .keras file."""
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    from explorer.core.model.model_files import save_model

    data = load_data(TrainConfig(dataset="digits", classes=(0, 1, 2, 3, 4), per_class=40))
    keras.utils.set_random_seed(0)
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(4, 3, activation="relu", name="conv_a"),
        layers.BatchNormalization(name="bn"), layers.MaxPooling2D(2, name="pool_a"),
        layers.Conv2D(8, 3, activation="relu", name="conv_b"), layers.MaxPooling2D(2, name="pool_b"),
        layers.Flatten(name="flat"), layers.Dense(16, activation="relu", name="hidden"),
        layers.Dense(5, activation="softmax", name="out"),
    ], name="tiny")
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    model.fit(data.x_train, data.y_train, epochs=1, batch_size=32, verbose=0)
    return save_model(model, tmp_path_factory.mktemp("base") / "tiny.keras")


KEPT = ("conv_a", "bn", "pool_a", "conv_b", "pool_b", "flat")


def _run(config, checkpoint_dir=None):
    from explorer.core.train.trainer import Trainer

    updates, snapshots = [], []
    trainer = Trainer(config, checkpoint_dir=checkpoint_dir)
    trainer.run(updates.append, snapshots.append)
    return trainer, updates, snapshots


def _weights(model, name):
    return [np.asarray(w) for w in model.get_layer(name).get_weights()]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _config(base_file, **changes):
    return dataclasses.replace(TrainConfig(
        base=str(base_file), dataset="digits", classes=(5, 6, 7, 8, 9), per_class=20, epochs=2, batch_size=16,
        validation_split=0.0, optimizer="adam", learning_rate=0.01), **changes)


def test_feature_extraction_keeps_the_frozen_layers_bit_for_bit(base_file):
    from explorer.core.model.model_files import load_model
    from explorer.core.predict.predictor import Predictor
    from explorer.core.train.updates import EpochDone, Finished, RunStarted

    base = load_model(base_file)
    trainer, updates, snapshots = _run(_config(base_file, frozen_layers=KEPT))
    assert isinstance(updates[-1], Finished), updates[-1]
    model = trainer.model
    for name in KEPT:
        assert _same(_weights(model, name), _weights(base, name)), name  # bn's moving statistics too
    assert model.layers[-1].name == "new_classifier" and model.layers[-1].units == 5
    assert not _same(_weights(model, "new_classifier"), [np.zeros_like(w) for w in _weights(model, "new_classifier")])
    started = next(u for u in updates if isinstance(u, RunStarted))
    assert "transfer from tiny.keras" in started.message and started.class_names == ("5", "6", "7", "8", "9")
    assert [u.epoch for u in updates if isinstance(u, EpochDone)] == [1, 2]
    final = snapshots[-1]
    assert final.final and final.architecture
    image = np.asarray(started.test_images[:1])
    predictor = Predictor.from_snapshot(final)
    expected = model.predict(image, verbose=0)[0]
    assert np.allclose(predictor.predict(image[0]).probabilities, expected, atol=1e-5)


def test_fine_tune_the_top_trains_the_head_first_then_the_top_block(base_file, tmp_path):
    from explorer.core.model import transfer
    from explorer.core.model.model_files import load_model
    from explorer.core.train.updates import EpochDone, Finished

    base = load_model(base_file)
    frozen, warmup = transfer.preset_frozen_layers(base, "", "fine-tune the top")
    assert frozen == ("conv_a", "bn", "pool_a")
    trainer, updates, _ = _run(_config(base_file, frozen_layers=frozen, warmup_epochs=1), checkpoint_dir=tmp_path)
    assert isinstance(updates[-1], Finished), updates[-1]
    assert [u.epoch for u in updates if isinstance(u, EpochDone)] == [1, 2]
    first, second = (load_model(path) for path in trainer.checkpoints)
    for name in ("conv_a", "bn", "conv_b"):
        assert _same(_weights(first, name), _weights(base, name)), name  # phase one: the head only
    assert not _same(_weights(first, "new_classifier"), _weights(second, "new_classifier"))
    assert _same(_weights(second, "conv_a"), _weights(base, "conv_a"))
    assert _same(_weights(second, "bn"), _weights(base, "bn"))
    assert not _same(_weights(second, "conv_b"), _weights(base, "conv_b"))  # phase two: the top block too
    assert trainer.model.get_layer("conv_b").trainable and not trainer.model.get_layer("conv_a").trainable


def test_reinitialise_trains_the_same_network_from_scratch(base_file):
    from explorer.core.train.updates import Finished

    trainer, updates, _ = _run(_config(base_file, reinitialise=True, epochs=1))
    assert isinstance(updates[-1], Finished)
    assert [layer.name for layer in trainer.model.layers] == [*KEPT, "new_classifier"]
    assert all(layer.trainable for layer in trainer.model.layers)


@pytest.mark.parametrize(("changes", "needle"), [
    (dict(keep_up_to="nowhere"), "no layer 'nowhere'"),
    (dict(head=(LayerSpec("conv2d", filters=2),)), "needs maps"),
    (dict(frozen_layers=("hidden",)), "cannot freeze 'hidden'"),
    (dict(base="missing.keras"), "no such file"),
])
def test_impossible_transfer_runs_fail_before_training(base_file, changes, needle):
    from explorer.core.train.updates import Failed

    _, updates, _ = _run(_config(base_file, **changes))
    assert len(updates) == 1 and isinstance(updates[0], Failed) and needle in updates[0].message
