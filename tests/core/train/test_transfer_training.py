"""Transfer-learning runs: the config's check, frozen weights, the fine-tune phases, snapshots.

Tiny real Keras models on offline "digits" data, 1-3 epochs.
"""

from __future__ import annotations

import dataclasses

import pytest

from explorer.core.model.specs import LayerSpec
from explorer.core.train.config import TrainConfig, check_config


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
