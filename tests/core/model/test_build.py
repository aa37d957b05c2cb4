"""Layer stacks as Keras models: the arithmetic of check_stack and summarize against Keras itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core.model.build import build_model, keras_layer
from explorer.core.model.presets import MODEL_NAMES, NATIVE_INPUT_SHAPES, preset_layers
from explorer.core.model.specs import PADDINGS, LayerSpec, StackError
from explorer.core.model.stack import check_stack, head_layer
from explorer.core.model.summary import summarize, total_params


@pytest.fixture(scope="module")
def keras():
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    return keras


# ------------------------------------------------------------ Keras agrees
def assert_same_as_keras(rows, model):
    assert len(rows) == len(model.layers)
    for row, layer in zip(rows, model.layers):
        assert (row.name, row.kind) == (layer.name, type(layer).__name__)
        assert row.output_shape == tuple(layer.output.shape[1:])
        assert row.params == layer.count_params()
    assert total_params(rows) == model.count_params()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_matches_keras(keras, name):
    shape = NATIVE_INPUT_SHAPES[name]
    model = build_model(name, shape, num_classes=7)
    assert model.name == name and not model.compiled
    rows = summarize(name, shape, 7)
    assert_same_as_keras(rows, model)
    from_keras = summarize(model)
    assert [(r.formula, r.shape_formula) for r in from_keras] == [(r.formula, r.shape_formula) for r in rows]


def test_default_input_and_custom_preset_copy(keras):
    model = build_model("custom", layers=preset_layers("lenet5"))
    assert_same_as_keras(summarize("lenet5"), model)
    assert build_model("lenet5", layers=[LayerSpec("flatten")]).count_params() == 60_074  # layers ignored


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
    assert_same_as_keras(check_stack(specs, shape, 3), build_model("custom", shape, 3, specs))


# A structured stack (convs and pools, then Flatten/GAP, then Dense) or any
# sequence of kinds at all, on small inputs so that kernels often do not fit.
_sizes = st.integers(1, 4) | st.tuples(st.integers(1, 4), st.integers(1, 4))
_conv = st.builds(LayerSpec, st.just("conv2d"), filters=st.integers(1, 4), kernel=_sizes,
                  stride=st.none() | st.integers(1, 3), padding=st.sampled_from(PADDINGS),
                  activation=st.sampled_from(("relu", "linear", "tanh")))
_pool = st.builds(LayerSpec, st.sampled_from(("maxpool", "avgpool")), pool=_sizes,
                  stride=st.none() | _sizes, padding=st.sampled_from(PADDINGS))
_dropout = st.builds(LayerSpec, st.just("dropout"), rate=st.floats(0, 0.9))
_join = st.sampled_from((LayerSpec("flatten"), LayerSpec("gap")))
_dense = st.builds(LayerSpec, st.just("dense"), units=st.integers(1, 6),
                   activation=st.sampled_from(("relu", "sigmoid")))
_structured = st.tuples(st.lists(_conv | _pool | _dropout, max_size=4), _join, st.lists(_dense | _dropout, max_size=2)
                        ).map(lambda parts: (*parts[0], parts[1], *parts[2]))
_anything = st.lists(_conv | _pool | _dropout | _join | _dense, max_size=5).map(tuple)


def _raw_keras(keras, specs, shape, num_classes):
    """Keras' own verdict: the layers without check_stack in front."""
    layers = [keras_layer(keras, spec, None) for spec in (*specs, head_layer(num_classes))]
    return keras.Sequential([keras.Input(shape=shape), *layers])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=_structured | _anything, shape=st.tuples(st.integers(1, 10), st.integers(1, 10), st.integers(1, 3)))
def test_check_stack_agrees_with_keras(keras, specs, shape):
    try:
        rows = check_stack(specs, shape, 3)
    except StackError as exc:
        if "needs Flatten or global pooling" in str(exc) or "needs a flat input" in str(exc):
            return  # our rule: Keras would apply Dense to every pixel, never what these lessons mean
        with pytest.raises(Exception):
            _raw_keras(keras, specs, shape, 3)
        return
    assert_same_as_keras(rows, build_model("custom", shape, 3, specs))


