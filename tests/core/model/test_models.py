"""The seeds' models and custom stacks: plain-Python arithmetic against Keras."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core.model import models
from explorer.core.model.models import LayerSpec, StackError


@pytest.fixture(scope="module")
def keras():
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    return keras


def params(rows):
    return [row.params for row in rows]


def shapes(rows):
    return [row.output_shape for row in rows]


# ----------------------------------------------------------- the seeds' numbers
def test_mnist_convnet_reproduces_seeds_000_and_001():
    rows = models.summarize("mnist-convnet")
    assert params(rows) == [320, 0, 18_496, 0, 36_928, 0, 36_928, 650]
    assert shapes(rows) == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64), (576,), (64,), (10,)]
    assert sum(params(rows[:5])) == 55_744  # the convolutional base's "Total params"
    assert models.total_params(rows) == 93_322
    assert rows[0].formula == "(3·3·1 + 1)·32 = 320"
    assert rows[2].formula == "(3·3·32 + 1)·64 = 18,496"
    assert rows[4].formula == "(3·3·64 + 1)·64 = 36,928"
    assert rows[6].formula == "(576 + 1)·64 = 36,928"
    assert rows[7].formula == "(64 + 1)·10 = 650"  # seed 000: "65 x 10 + 10 = 650"
    assert rows[0].shape_formula == "⌊(28 + 2·0 − 3)/1⌋ + 1 = 26"
    assert rows[5].shape_formula == "3·3·64 = 576"
    assert [row.name for row in rows[:3]] == ["conv2d", "max_pooling2d", "conv2d_1"]


def test_summary_text_shows_formulas_and_totals():
    text = models.summary_text(models.summarize("mnist-convnet"), title="mnist-convnet", shape_formulas=True)
    for needle in ("mnist-convnet", "conv2d (Conv2D)", "(None, 26, 26, 32)", "18,496", "(576 + 1)·64 = 36,928",
                   "Total params: 93,322", "convolutional base (before Flatten): 55,744",
                   "⌊(13 + 2·0 − 3)/1⌋ + 1 = 11"):
        assert needle in text
    assert "Output size" not in models.summary_text(models.summarize("mnist-convnet"))


def test_seed_002_totals_need_its_32x32x3_input():
    rows = models.summarize("cifar-small", (32, 32, 3))
    assert params(rows) == [208, 2_080, 8_256, 0, 32_768_500, 5_010]
    assert rows[3].output_shape == (65_536,)
    assert models.total_params(rows) == 32_784_054
    pooled = models.summarize("cifar-small-pooling", models.NATIVE_INPUT_SHAPES["cifar-small-pooling"])
    assert shapes(pooled)[:7] == [(32, 32, 16), (16, 16, 16), (16, 16, 32), (8, 8, 32), (8, 8, 64), (4, 4, 64),
                                  (1_024,)]
    assert models.total_params(pooled) == 528_054
    assert models.total_params(models.summarize("cifar-small")) != 32_784_054  # 28×28×1 is another network


def test_lenet5_and_fashion_cnn_layers():
    assert shapes(models.summarize("lenet5")) == [(26, 26, 6), (13, 13, 6), (11, 11, 16), (5, 5, 16), (400,), (120,),
                                                   (84,), (10,)]
    fashion = models.summarize("fashion-cnn")
    assert [row.kind for row in fashion].count("Dropout") == 2
    assert fashion[0].output_shape == (28, 28, 64) and fashion[8].output_shape == (2_304,)


# ------------------------------------------------------------ Keras agrees
def assert_same_as_keras(rows, model):
    assert len(rows) == len(model.layers)
    for row, layer in zip(rows, model.layers):
        assert (row.name, row.kind) == (layer.name, type(layer).__name__)
        assert row.output_shape == tuple(layer.output.shape[1:])
        assert row.params == layer.count_params()
    assert models.total_params(rows) == model.count_params()


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_every_model_matches_keras(keras, name):
    shape = models.NATIVE_INPUT_SHAPES[name]
    model = models.build_model(name, shape, num_classes=7)
    assert model.name == name and not model.compiled
    rows = models.summarize(name, shape, 7)
    assert_same_as_keras(rows, model)
    from_keras = models.summarize(model)
    assert [(r.formula, r.shape_formula) for r in from_keras] == [(r.formula, r.shape_formula) for r in rows]


def test_default_input_and_custom_preset_copy(keras):
    model = models.build_model("custom", layers=models.preset_layers("lenet5"))
    assert_same_as_keras(models.summarize("lenet5"), model)
    assert models.build_model("lenet5", layers=[LayerSpec("flatten")]).count_params() == 60_074  # layers ignored


@pytest.mark.parametrize(
    "specs, shape",
    [
        ([LayerSpec("conv2d", filters=8, kernel=(3, 5), stride=2, padding="same"), LayerSpec("gap")], (9, 13, 3)),
        ([LayerSpec("avgpool", pool=3, stride=1), LayerSpec("conv2d", filters=4, kernel=1, activation="linear"),
          LayerSpec("flatten"), LayerSpec("dropout", rate=0.2), LayerSpec("dense", units=5, activation="tanh")],
         (6, 5, 2)),
        ([LayerSpec("maxpool", pool=(2, 3), stride=(1, 2), padding="same"), LayerSpec("flatten")], (7, 7, 1)),
    ],
)
def test_custom_stacks_match_keras(keras, specs, shape):
    assert_same_as_keras(models.check_stack(specs, shape, 3), models.build_model("custom", shape, 3, specs))


# A structured stack (convs and pools, then Flatten/GAP, then Dense) or any
# sequence of kinds at all, on small inputs so that kernels often do not fit.
_sizes = st.integers(1, 4) | st.tuples(st.integers(1, 4), st.integers(1, 4))
_conv = st.builds(LayerSpec, st.just("conv2d"), filters=st.integers(1, 4), kernel=_sizes,
                  stride=st.none() | st.integers(1, 3), padding=st.sampled_from(models.PADDINGS),
                  activation=st.sampled_from(("relu", "linear", "tanh")))
_pool = st.builds(LayerSpec, st.sampled_from(("maxpool", "avgpool")), pool=_sizes,
                  stride=st.none() | _sizes, padding=st.sampled_from(models.PADDINGS))
_dropout = st.builds(LayerSpec, st.just("dropout"), rate=st.floats(0, 0.9))
_join = st.sampled_from((LayerSpec("flatten"), LayerSpec("gap")))
_dense = st.builds(LayerSpec, st.just("dense"), units=st.integers(1, 6),
                   activation=st.sampled_from(("relu", "sigmoid")))
_structured = st.tuples(st.lists(_conv | _pool | _dropout, max_size=4), _join, st.lists(_dense | _dropout, max_size=2)
                        ).map(lambda parts: (*parts[0], parts[1], *parts[2]))
_anything = st.lists(_conv | _pool | _dropout | _join | _dense, max_size=5).map(tuple)


def _raw_keras(keras, specs, shape, num_classes):
    """Keras' own verdict: the layers without check_stack in front."""
    layers = [models._keras_layer(keras, spec, None) for spec in (*specs, models.head_layer(num_classes))]
    return keras.Sequential([keras.Input(shape=shape), *layers])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=_structured | _anything, shape=st.tuples(st.integers(1, 10), st.integers(1, 10), st.integers(1, 3)))
def test_check_stack_agrees_with_keras(keras, specs, shape):
    try:
        rows = models.check_stack(specs, shape, 3)
    except StackError as exc:
        if "needs Flatten or global pooling" in str(exc) or "needs a flat input" in str(exc):
            return  # our rule: Keras would apply Dense to every pixel, never what these lessons mean
        with pytest.raises(Exception):
            _raw_keras(keras, specs, shape, 3)
        return
    assert_same_as_keras(rows, models.build_model("custom", shape, 3, specs))


# ------------------------------------------------------------- the errors
def _error(specs, shape=(28, 28, 1), num_classes=10) -> StackError:
    with pytest.raises(StackError) as info:
        models.check_stack(specs, shape, num_classes)
    return info.value


def test_kernel_larger_than_input_names_the_layer():
    conv, pool = LayerSpec("conv2d"), LayerSpec("maxpool")
    error = _error([conv, pool, conv, pool, conv, pool, conv])
    assert error.index == 6
    assert str(error) == "layer 7 (Conv2D 3×3): the input is only 1×1 pixels, smaller than the 3×3 kernel"
    error = _error([LayerSpec("avgpool", pool=3)], (2, 8, 1))
    assert str(error) == ("layer 1 (AveragePooling2D 3×3): the input is only 2×8 pixels, smaller than the 3×3 "
                          "pooling window")


def test_dense_needs_a_flat_input():
    error = _error([LayerSpec("conv2d"), LayerSpec("dense")])
    assert error.index == 1
    assert "Dense after a spatial layer (26×26×32) needs Flatten or global pooling first" in str(error)
    error = _error([LayerSpec("conv2d")])
    assert error.index == 1 and "needs a flat input" in str(error) and "Flatten or global pooling" in str(error)
    error = _error([LayerSpec("flatten"), LayerSpec("conv2d")])
    assert error.index == 1 and "Conv2D needs a height×width×channels input" in str(error)
    assert _error([LayerSpec("flatten"), LayerSpec("gap")]).index == 1


def test_the_head_is_automatic():
    error = _error([LayerSpec("flatten"), LayerSpec("dense", units=10, activation="softmax")])
    assert error.index == 1 and "added automatically" in str(error)
    rows = models.check_stack([LayerSpec("gap")], (5, 5, 4), num_classes=3)
    assert rows[-1].output_shape == (3,) and rows[-1].formula == "(4 + 1)·3 = 15"


@pytest.mark.parametrize(
    "spec, needle",
    [
        (LayerSpec("conv"), "unknown layer kind 'conv'"),
        (LayerSpec("conv2d", filters=0), "filters must be a whole number >= 1"),
        (LayerSpec("conv2d", padding="full"), "padding must be one of valid, same"),
        (LayerSpec("conv2d", activation="relu6"), "activation must be one of"),
        (LayerSpec("conv2d", kernel=(3, 0)), "kernel size must be at least 1"),
        (LayerSpec("maxpool", stride=0), "stride must be at least 1"),
        (LayerSpec("dropout", rate=1.0), "dropout rate must be a fraction"),
    ],
)
def test_bad_fields_are_reported_with_the_layer(spec, needle):
    error = _error([spec, LayerSpec("flatten")])
    assert error.index == 0 and str(error).startswith("layer 1") and needle in str(error)


def test_bad_input_shape_class_count_and_names():
    assert _error([LayerSpec("flatten")], (28, 28)).index is None
    assert "at least 2 classes" in str(_error([LayerSpec("flatten")], num_classes=1))
    assert _error(["conv2d"]).index == 0
    with pytest.raises(ValueError, match="unknown model 'vgg16'"):
        models.summarize("vgg16")
    assert isinstance(_error([]), ValueError)


def test_layer_spec_round_trips_through_json():
    spec = LayerSpec("maxpool", pool=(2, 3), stride=(1, 2), padding="same")
    assert LayerSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.label == "MaxPooling2D 2×3" and LayerSpec("dense", units=7).label == "Dense 7"
    with pytest.raises(ValueError, match="unknown layer field"):
        LayerSpec.from_dict({"kind": "dense", "neurons": 3})
