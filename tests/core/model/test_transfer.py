"""Transfer plans and models: the default cut, Keras' own parameter counts, nested bases, clear refusals."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest

from explorer.core.model import transfer
from explorer.core.model.build import build_model
from explorer.core.model.model_files import load_model, save_model
from explorer.core.model.specs import LayerSpec
from explorer.core.model.transfer import TransferError

CONV_BASE = ("conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "conv2d_2", "flatten")


@pytest.fixture(scope="module")
def keras():
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    return keras


@pytest.fixture(scope="module")
def convnet(keras):
    keras.utils.set_random_seed(3)
    return build_model("mnist-convnet", num_classes=5)


def _keras_counts(model) -> tuple[int, int]:
    def size(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    return size(model.trainable_weights), size(model.non_trainable_weights)


def test_default_cut_of_mnist_convnet_is_the_conv_base(convnet):
    assert transfer.default_cut(convnet) == "flatten"
    assert transfer.kept_layer_names(convnet) == CONV_BASE


@pytest.mark.parametrize(("keep_up_to", "head", "frozen"), [
    ("", (), CONV_BASE),
    ("", (LayerSpec("dense", units=16), LayerSpec("dropout", rate=0.3)), ("conv2d", "conv2d_1")),
    ("conv2d_1", (LayerSpec("conv2d", filters=4),), ()),
    ("max_pooling2d", (), ("conv2d",)),
])
def test_plan_counts_are_keras_counts_and_the_head_has_the_new_classes(convnet, keep_up_to, head, frozen):
    plan = transfer.plan(convnet, keep_up_to=keep_up_to, head=head, num_classes=3, frozen_layers=frozen)
    model = transfer.build(convnet, plan)
    trainable, non_trainable = _keras_counts(model)
    assert (plan.trainable_params, plan.non_trainable_params) == (trainable, non_trainable)
    assert trainable + non_trainable == model.count_params()
    assert [row.name for row in plan.rows] == [layer.name for layer in model.layers]
    assert [row.params for row in plan.rows] == [layer.count_params() for layer in model.layers]
    assert model.layers[-1].name == "new_classifier" and model.layers[-1].output.shape[-1] == 3
    kept = [row for row in plan.rows if row.kept]
    assert kept[-1].name == (keep_up_to or "flatten")
    assert all(row.trainable == (row.name not in frozen) for row in kept)
    assert all(row.trainable and row.new for row in plan.rows if not row.kept)


def test_build_copies_the_kept_weights_and_leaves_the_base_alone(convnet):
    before = [w.copy() for w in convnet.get_weights()]
    model = transfer.build(convnet, transfer.plan(convnet, num_classes=5))
    for name in ("conv2d", "conv2d_1", "conv2d_2"):
        for a, b in zip(model.get_layer(name).get_weights(), convnet.get_layer(name).get_weights()):
            assert np.array_equal(a, b)
    model.get_layer("conv2d").kernel.assign(np.zeros(model.get_layer("conv2d").kernel.shape, np.float32))
    assert all(np.array_equal(a, b) for a, b in zip(before, convnet.get_weights()))


def test_reinitialise_keeps_the_architecture_with_fresh_trainable_weights(convnet):
    plan = transfer.plan(convnet, num_classes=5, frozen_layers=CONV_BASE, reinitialise=True)
    assert plan.non_trainable_params == 0 and all(row.trainable for row in plan.rows)
    model = transfer.build(convnet, plan)
    assert not np.array_equal(model.get_layer("conv2d").get_weights()[0], convnet.get_layer("conv2d").get_weights()[0])


def test_a_spatial_cut_gets_a_flatten_before_the_classifier(convnet):
    plan = transfer.plan(convnet, keep_up_to="max_pooling2d_1", head=(LayerSpec("dense", units=8),), num_classes=2)
    assert [(row.name, row.kind) for row in plan.rows[-3:]] == [
        ("new_flatten", "Flatten"), ("new_dense", "Dense"), ("new_classifier", "Dense")]
    assert plan.rows[-3].output_shape == (5 * 5 * 64,)


def test_a_nested_base_works_and_its_bn_counts_as_keras_does(keras):
    inner = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, name="c"),
                              keras.layers.BatchNormalization(name="bn"), keras.layers.Flatten(name="f")],
                             name="inner")
    outer = keras.Sequential([keras.Input((12, 12, 1)), inner, keras.layers.Dense(3, activation="softmax", name="d")])
    assert transfer.default_cut(outer) == "inner"
    for frozen in ((), ("inner",)):
        plan = transfer.plan(outer, num_classes=2, frozen_layers=frozen, head=(LayerSpec("dense", units=5),))
        model = transfer.build(outer, plan)
        assert (plan.trainable_params, plan.non_trainable_params) == _keras_counts(model)
        assert [row.name for row in plan.rows] == ["inner", "new_dense", "new_classifier"]
        assert model.predict(np.zeros((2, 12, 12, 1), np.float32), verbose=0).shape == (2, 2)
        bn = model.get_layer("inner").get_layer("bn")
        assert not bn.trainable  # frozen with the base, and kept in inference mode when the base trains
    assert plan.non_trainable_params == 40 + 16  # conv 4*9+4, BN 4*4 (moving statistics counted as Keras does)
    trains = transfer.plan(outer, num_classes=2)
    assert trains.non_trainable_params == 16 and trains.trainable_params == 40 + 400 * 2 + 2


def test_a_functional_stack_works_and_a_branching_one_is_refused(keras):
    x = inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(2, 3, name="a")(x)
    x = keras.layers.Flatten(name="fl")(x)
    chain = keras.Model(inputs, keras.layers.Dense(2, name="out")(x))
    assert [row.name for row in transfer.plan(chain, num_classes=3).rows] == ["a", "fl", "new_classifier"]
    y = keras.layers.Conv2D(2, 3, padding="same", name="b")(inputs)
    merged = keras.layers.Add(name="add")([y, inputs])
    branched = keras.Model(inputs, keras.layers.Dense(2, name="o")(keras.layers.Flatten(name="g")(merged)))
    with pytest.raises(TransferError, match="branches"):
        transfer.plan(branched, num_classes=2)


@pytest.mark.parametrize(("options", "needle"), [
    (dict(keep_up_to="nope"), "no layer 'nope': its layers are conv2d, max_pooling2d"),
    (dict(keep_up_to="dense_1"), "the base model.s classifier"),
    (dict(frozen_layers=("dense",)), "cannot freeze 'dense'"),
    (dict(head=(LayerSpec("conv2d", filters=3),)), "needs maps"),
    (dict(keep_up_to="conv2d", head=(LayerSpec("conv2d", filters=3, kernel=40),)), "does not fit"),
    (dict(input_shape=(32, 32, 3)), "takes 28×28×1 images but the data are 32×32×3"),
    (dict(num_classes=1), "at least 2 classes"),
])
def test_impossible_requests_are_one_sentence(convnet, options, needle):
    options = {"num_classes": 4, **options}
    with pytest.raises(TransferError, match=needle):
        transfer.plan(convnet, **options)


def test_a_built_model_saves_and_loads_in_safe_mode_with_the_kept_names(convnet, tmp_path):
    model = transfer.build(convnet, transfer.plan(convnet, num_classes=5, frozen_layers=CONV_BASE))
    loaded = load_model(save_model(model, tmp_path / "t.keras"))
    assert [layer.name for layer in loaded.layers] == [*CONV_BASE, "new_classifier"]
    assert not loaded.get_layer("conv2d").trainable and loaded.get_layer("new_classifier").trainable
    image = np.random.default_rng(0).random((1, 28, 28, 1), dtype=np.float32)
    assert np.allclose(loaded.predict(image, verbose=0), model.predict(image, verbose=0), atol=1e-6)


def test_load_base_reads_files_in_safe_mode(convnet, tmp_path):
    path = save_model(convnet, tmp_path / "base.keras")
    assert [layer.name for layer in transfer.load_base(str(path)).layers] == [layer.name for layer in convnet.layers]
    with pytest.raises(TransferError, match="no such file"):
        transfer.load_base(str(tmp_path / "missing.keras"))
    with pytest.raises(TransferError, match="unknown Keras application"):
        transfer.load_base("keras:NoSuchNet")


def test_an_application_offline_says_plainly_the_weights_cannot_be_downloaded(keras, monkeypatch, capsys):
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    if os.path.exists(os.path.join(home, "models", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5")):
        pytest.skip("the weights are already downloaded here")

    def offline(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    monkeypatch.setattr(socket.socket, "connect", offline)
    with pytest.raises(TransferError, match="ImageNet weights of MobileNetV2 cannot be downloaded") as info:
        transfer.load_base("keras:MobileNetV2", input_shape=(28, 28, 1))
    assert "\n" not in str(info.value) and "unreachable" in str(info.value)
    assert capsys.readouterr().out == ""  # the train command's stdout is JSON lines only


def test_presets(convnet):
    assert transfer.preset_frozen_layers(convnet, "", "feature extraction") == (CONV_BASE, 0)
    frozen, warmup = transfer.preset_frozen_layers(convnet, "", "fine-tune the top")
    assert frozen == ("conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1") and warmup >= 1
    assert transfer.preset_frozen_layers(convnet, "", "fine-tune everything") == ((), 0)
    with pytest.raises(TransferError, match="unknown preset"):
        transfer.preset_frozen_layers(convnet, "", "melt")
    assert set(transfer.PRESETS) >= {"feature extraction", "fine-tune the top"}


@pytest.mark.parametrize(("per_class", "similar", "case", "hint", "preset"), [
    (10, True, 1, transfer.HINT_CONV_BASE, "feature extraction"),
    (10, False, 2, transfer.HINT_EARLY, "feature extraction"),
    (5000, True, 3, transfer.HINT_CONV_BASE, "fine-tune everything"),
    (5000, False, 4, transfer.HINT_CONV_BASE, "fine-tune everything"),
])
def test_recommend_follows_the_four_cases(per_class, similar, case, hint, preset):
    advice = transfer.recommend(per_class, similar)
    assert (advice.case, advice.keep_up_to_hint, advice.preset) == (case, hint, preset)
    assert advice.why.startswith(f"Case {case}") and advice.preset in transfer.PRESETS
    words = {1: "avoid overfitting", 2: "low-level features", 3: "re-train", 4: "from scratch"}
    assert words[case] in advice.why


def test_hint_layer_names_a_cut(convnet):
    assert transfer.hint_layer(convnet, transfer.HINT_CONV_BASE) == "flatten"
    assert transfer.hint_layer(convnet, transfer.HINT_EARLY) == "max_pooling2d"


def test_an_application_base_for_grey_images_saves_and_loads_in_safe_mode(keras, tmp_path, monkeypatch):
    made = {}

    def small_stand_in(*, include_top, weights, input_shape):  # MobileNetV2's 155 layers take minutes here
        made.update(include_top=include_top, weights=weights, input_shape=input_shape)
        x = inputs = keras.Input(input_shape)
        x = keras.layers.Conv2D(1280, 3, strides=32, name="conv")(x)
        x = keras.layers.BatchNormalization(name="bn")(x)
        return keras.Model(inputs, x, name="mobilenetv2_1.00_96")

    monkeypatch.setattr(keras.applications, "MobileNetV2", small_stand_in)
    base = transfer.load_base("keras:MobileNetV2", input_shape=(28, 28, 1), weights=None)
    assert made == dict(include_top=False, weights=None, input_shape=(96, 96, 3))
    assert [layer.name for layer in base.layers][:3] == ["resize", "grey_to_rgb", "to_minus1_1"]
    assert transfer.default_cut(base) == "pool"
    plan = transfer.plan(base, num_classes=5, frozen_layers=transfer.kept_layer_names(base), input_shape=(28, 28, 1))
    model = transfer.build(base, plan)
    assert plan.trainable_params == 1280 * 5 + 5 and (plan.trainable_params, plan.non_trainable_params) == \
        _keras_counts(model)
    images = np.random.default_rng(1).random((2, 28, 28, 1), dtype=np.float32)
    colour = model.get_layer("grey_to_rgb")(images).numpy()
    assert np.array_equal(colour[..., 0], images[..., 0]) and np.array_equal(colour[..., 2], images[..., 0])
    loaded = load_model(save_model(model, tmp_path / "mobile.keras"))
    assert np.allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-5)
