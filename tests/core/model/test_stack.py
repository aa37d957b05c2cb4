"""Layer specs and check_stack: the errors name the layer at fault and say why."""

from __future__ import annotations

import json

import pytest

from explorer.core.model.specs import LayerSpec, StackError
from explorer.core.model.stack import check_stack
from explorer.core.model.summary import summarize


# ------------------------------------------------------------- the errors
def _error(specs, shape=(28, 28, 1), num_classes=10) -> StackError:
    with pytest.raises(StackError) as info:
        check_stack(specs, shape, num_classes)
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
    rows = check_stack([LayerSpec("gap")], (5, 5, 4), num_classes=3)
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
        summarize("vgg16")
    assert isinstance(_error([]), ValueError)


def test_layer_spec_round_trips_through_json():
    spec = LayerSpec("maxpool", pool=(2, 3), stride=(1, 2), padding="same")
    assert LayerSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.label == "MaxPooling2D 2×3" and LayerSpec("dense", units=7).label == "Dense 7"
    with pytest.raises(ValueError, match="unknown layer field"):
        LayerSpec.from_dict({"kind": "dense", "neurons": 3})
