"""explorer.core.lab.state: the kernel lab's state is one immutable value, and lessons keep it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer.core.lab import ops
from explorer.core.lab.pipeline import KernelBank, LabSettings, compute
from explorer.core.lab.state import LabImage, LabState
from explorer.core.lesson import Lesson, read_lesson, write_lesson

RNG = np.random.default_rng(7)


def a_state(**changes) -> LabState:
    values = dict(image=RNG.random((12, 16, 3), dtype=np.float32), origin="photo.png", crop=(2, 3, 6, 8),
                  bank=KernelBank.of([np.eye(3), -np.eye(3)], [0.5, -0.25]),
                  settings=LabSettings(mode="layer", stride=2, pool_stride=2), levels="per-map", signed=True,
                  selected=1)
    values.update(changes)
    return LabState(**values)


def test_the_state_cannot_be_changed_in_place():
    image = RNG.random((5, 6, 1), dtype=np.float32)
    state = a_state(image=image, crop=None, selected=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.selected = 1
    with pytest.raises(ValueError):
        state.image[0, 0, 0] = 1.0  # read-only, though the array it was made from is not
    with pytest.raises(ValueError):
        state.view[0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        state.bank.kernels[0][0, 0] = 1.0
    assert image.flags.writeable
    cropped = a_state()
    with pytest.raises(ValueError):
        cropped.view[0, 0, 0] = 1.0  # a cropped copy is read-only too


def test_an_edit_is_a_new_value_and_leaves_the_old_one_as_it_was():
    before = a_state()
    after = dataclasses.replace(before, levels="shared")
    assert after is not before and after.levels == "shared" and before.levels == "per-map"
    assert after.image is before.image and after.bank is before.bank  # nothing is copied


def test_states_are_equal_by_value():
    state = a_state()
    same = dataclasses.replace(state, image=state.image.copy(), bank=KernelBank.of(state.bank.kernels,
                                                                                   state.bank.biases))
    assert same == state and not same != state
    for changes in ({"image": state.image + 0.5}, {"origin": "x"}, {"crop": None}, {"selected": 0},
                    {"settings": LabSettings()}, {"levels": "shared"}, {"signed": False}, {"scale": 0.5},
                    {"bank": KernelBank.of([np.eye(3), np.eye(3)], [0.5, -0.25])}):
        assert dataclasses.replace(state, **changes) != state, changes
    assert state != "a state"


@pytest.mark.parametrize("changes, message", [
    ({"image": np.zeros((4, 4), np.float32)}, "H, W, 1 or 3"),
    ({"image": np.zeros((4, 4, 2), np.float32)}, "H, W, 1 or 3"),
    ({"crop": (12, 0, 2, 2)}, "outside"),
    ({"crop": (0, 0, 0, 2)}, "outside"),
    ({"crop": (0, 0, 2)}, "four numbers"),
    ({"levels": "loud"}, "levels"),
    ({"selected": 2}, "selected"),
    ({"bank": [np.eye(3)]}, "KernelBank"),
])
def test_impossible_states_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        a_state(**changes)


def test_the_computation_is_derived_from_the_state():
    state = a_state(crop=(2, 3, 100, 100))  # reaching past the image: cut off at its edges
    request = state.request(serial=9)
    np.testing.assert_array_equal(request.image, state.image[2:, 3:])
    assert request.bank is state.bank and request.settings is state.settings and request.serial == 9
    maps = compute(request).maps
    weights = state.bank.layer_weights(3)
    expected = ops.conv2d(state.image[2:, 3:], weights, stride=2, padding="same") + np.float32([0.5, -0.25])
    np.testing.assert_allclose(maps, expected, atol=1e-5)
    whole = a_state(crop=None)
    assert whole.request().image is whole.image  # no crop: the image itself, no copy


def test_the_image_part_round_trips():
    state = a_state(scale=0.5)
    picture = state.picture
    assert picture == LabImage(state.image, "photo.png", (2, 3, 6, 8), 0.5)
    np.testing.assert_array_equal(picture.view, state.view)
    other = LabImage(RNG.random((20, 10, 1), dtype=np.float32), "sample “digit”")
    moved = state.with_picture(other)
    assert moved.picture == other and moved.bank is state.bank and moved.selected == 1
    assert moved.with_picture(picture) == state


def test_a_lesson_saves_and_restores_the_very_state(tmp_path):
    state = a_state()
    lesson = Lesson(part="kernel-lab", lab=state)
    restored = read_lesson(write_lesson(tmp_path / "state.fmlesson", lesson)).lab
    assert isinstance(restored, LabState)
    assert restored == state
