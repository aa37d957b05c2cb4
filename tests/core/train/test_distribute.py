"""Training on several devices: the ``devices`` setting, its strategy, and a real two-replica run.

The two-device run needs two logical CPU devices, which TensorFlow allows only
before it initialises its devices: it runs in a fresh Python process (about
30 s: one run on two devices, one on one, 540 digits, 3 epochs each).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from explorer.core.train.config import TrainConfig, check_config
from explorer.core.train.distribute import ALL, DeviceError, check_devices, parse_devices, strategy_for

REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("text, expected", [("1", 1), ("2", 2), (" 8 ", 8), ("all", ALL), ("ALL", ALL)])
def test_parse_devices(text, expected):
    assert parse_devices(text) == expected


@pytest.mark.parametrize("text", ["0", "-2", "two", "", "1.5"])
def test_parse_devices_refuses_anything_else(text):
    with pytest.raises(ValueError, match="devices must be 'all' or a whole number >= 1"):
        parse_devices(text)


@pytest.mark.parametrize("devices", [0, -1, True, 2.0, "All", "2", None])
def test_the_config_check_refuses_bad_devices(devices):
    with pytest.raises(ValueError, match="devices must be"):
        check_config(dataclasses.replace(TrainConfig(), devices=devices))


def test_one_device_is_the_default_and_the_default_strategy():
    tf = pytest.importorskip("tensorflow")
    assert TrainConfig().devices == 1
    check_devices(ALL)
    strategy = strategy_for(tf, 1)
    assert strategy is tf.distribute.get_strategy() and strategy.num_replicas_in_sync == 1
    assert not tf.distribute.has_strategy()


def test_more_devices_than_the_machine_has_is_one_sentence():
    tf = pytest.importorskip("tensorflow")
    found = len(tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU"))
    with pytest.raises(DeviceError) as caught:
        strategy_for(tf, found + 1)
    message = str(caught.value)
    assert f"{found + 1} devices were asked for" in message and f"at most {found}" in message
    assert "\n" not in message


def test_several_replicas_keep_the_gradient_sum(monkeypatch):
    """The one-replica workaround must not drop the sum that combines several replicas' gradients."""
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    from explorer.core.train.optimizers import without_replica_sum

    one = without_replica_sum(keras.optimizers.Adam())
    assert one._all_reduce_sum_gradients is list

    class TwoReplicas:
        num_replicas_in_sync = 2

    monkeypatch.setattr(tf.distribute, "get_strategy", TwoReplicas)
    two = without_replica_sum(keras.optimizers.Adam())
    assert two._all_reduce_sum_gradients is not list
    assert two._all_reduce_sum_gradients.__func__ is type(two)._all_reduce_sum_gradients


_TWO_DEVICES = textwrap.dedent("""
    import json
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from explorer.core.train.config import TrainConfig
    from explorer.core.train.distribute import strategy_for
    from explorer.core.train.optimizers import without_replica_sum
    from explorer.core.train.trainer import Trainer

    runs = {}
    for devices in (2, 1):
        config = TrainConfig(model="mnist-convnet", dataset="digits", limit=600, epochs=3, batch_size=32,
                             optimizer="adam", devices=devices)
        trainer = Trainer(config, checkpoint_dir=None)
        updates = []
        trainer.run(updates.append)
        end = updates[-1]
        runs[devices] = dict(replicas=trainer.replicas, end=type(end).__name__, started=updates[0].message,
                             accuracy=end.evaluation.test_accuracy if end.evaluation else None,
                             message=end.message)
    with strategy_for(tf, 2).scope():
        kept = without_replica_sum(keras.optimizers.Adam())._all_reduce_sum_gradients is not list
    print("RESULT " + json.dumps(dict(runs=runs, sum_kept=kept)))
""")


@pytest.fixture(scope="module")
def two_device_runs():
    pytest.importorskip("tensorflow")
    result = subprocess.run([sys.executable, "-c", _TWO_DEVICES], cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3"), timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def test_two_logical_devices_train_as_two_replicas(two_device_runs):
    two = two_device_runs["runs"]["2"]
    assert two["end"] == "Finished", two["message"]
    assert two["replicas"] == 2
    assert two["started"].endswith("on 2 devices (CPU:0, CPU:1)")


def test_two_devices_reach_the_accuracy_of_one(two_device_runs):
    runs = two_device_runs["runs"]
    one, two = runs["1"], runs["2"]
    assert one["end"] == "Finished" and one["replicas"] == 1 and "devices" not in one["started"]
    print(f"test accuracy: 1 device {one['accuracy']:.3f}, 2 devices {two['accuracy']:.3f}")
    assert one["accuracy"] > 0.6 and two["accuracy"] > 0.6  # 10 classes: chance is 0.1
    assert abs(one["accuracy"] - two["accuracy"]) <= 0.1


def test_a_real_two_replica_strategy_keeps_the_gradient_sum(two_device_runs):
    assert two_device_runs["sum_kept"] is True
