"""Trainer on two logical CPU devices with a budget that asks for several steps per call (in a subprocess:
devices are configured before TensorFlow starts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

_SCRIPT = textwrap.dedent("""
    import json
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from explorer.core.train.config import TrainConfig
    from explorer.core.train.trainer import Trainer

    class ManySteps(Trainer):
        EXECUTION_BUDGET_S = 60.0
        MAX_STEPS_PER_EXECUTION = 4

    runs = {}
    for devices in (2, 1):
        config = TrainConfig(model="mnist-convnet", dataset="digits", limit=300, epochs=1, batch_size=32,
                             devices=devices)
        trainer = ManySteps(config, checkpoint_dir=None)
        updates = []
        trainer.run(updates.append)
        runs[devices] = dict(end=type(updates[-1]).__name__, steps=trainer.steps_per_execution,
                             message=updates[-1].message)
    print("RESULT " + json.dumps(runs))
""")


def test_several_devices_train_one_step_a_call_one_device_several():
    """Keras' multi-step loop fails under MirroredStrategy: with two replicas the trainer keeps one step a call."""
    pytest.importorskip("tensorflow")
    result = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3"), timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    runs = json.loads(line.removeprefix("RESULT "))
    assert runs["2"]["end"] == "Finished" and runs["2"]["steps"] == 1, runs["2"]["message"]
    assert runs["1"]["end"] == "Finished" and runs["1"]["steps"] == 4, runs["1"]["message"]
