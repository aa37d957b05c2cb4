"""Top images per unit: the batched ranking equals one computed unit by unit."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.inspect.errors import InspectError
from explorer.core.inspect.top_images import crop, top_images
from tests.core.inspect.inspect_models import functional_model, nested_model, random_images


def _one_by_one(model, layer, images):
    import keras

    from explorer.core.inspect.layers import output_model

    flat = output_model(model, [layer])
    return [np.asarray(keras.ops.convert_to_numpy(flat(image[None])))[0] for image in images]


def _brute_force(outputs, unit, count):
    values, where = [], []
    for out in outputs:  # one image and one unit at a time
        unit_map = out[..., unit]
        values.append(float(unit_map.mean()))
        where.append(np.unravel_index(np.argmax(unit_map), unit_map.shape) if unit_map.ndim == 2 else (0, 0))
    order = sorted(range(len(outputs)), key=lambda i: (-values[i], i))[:count]
    return order, [values[i] for i in order], [where[i] for i in order]


@pytest.mark.parametrize("make, layer", [(nested_model, "base_conv2"), (nested_model, "hidden"),
                                         (functional_model, "inner_pool")])
def test_ranking_equals_brute_force(make, layer):
    model = make()
    images = random_images(40, seed=2)
    result = top_images(model, layer, images, count=5, batch_size=16)
    assert result.indices.shape == (result.activations.shape[0], 5)
    outputs = _one_by_one(model, layer, images)
    for unit in range(result.indices.shape[0]):
        order, values, where = _brute_force(outputs, unit, 5)
        assert list(result.indices[unit]) == order
        np.testing.assert_allclose(result.activations[unit], values, rtol=1e-5, atol=1e-6)
        assert [tuple(p) for p in result.positions[unit]] == [tuple(int(v) for v in w) for w in where]
    assert (result.field is None) == (layer == "hidden")


def test_crop_is_the_receptive_field_box():
    model = nested_model()
    images = random_images(10, seed=4)
    result = top_images(model, "base_conv2", images, count=3)
    field = result.field
    assert field.size == (8, 8)
    image = images[result.indices[0, 0]]
    top, left, bottom, right = field.box(*result.positions[0, 0])
    np.testing.assert_array_equal(crop(image, field, result.positions[0, 0]), image[top:bottom, left:right])
    np.testing.assert_array_equal(crop(image, None, (0, 0)), image)


def test_bad_inputs():
    model = nested_model()
    with pytest.raises(InspectError, match="shape"):
        top_images(model, "base_conv2", np.zeros((3, 8, 8, 1), np.float32))
    with pytest.raises(InspectError, match="count"):
        top_images(model, "base_conv2", random_images(3), count=0)
