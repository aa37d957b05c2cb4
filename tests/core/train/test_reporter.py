"""The Reporter's hooks driven by hand (no TensorFlow): what each batch costs, pauses, NaN, snapshots."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np

from explorer.core.predict.prediction import Prediction
from explorer.core.train.config import TrainConfig
from explorer.core.train.reporter import Reporter
from explorer.core.train.run_control import RunControl
from explorer.core.train.updates import BatchDone, EpochDone, Paused, RunStarted


class FakeModel:
    """What the reporter reads from the training model: its weights (counted)."""

    def __init__(self):
        self.copies = 0

    def get_weights(self):
        self.copies += 1
        return [np.ones((3, 3, 1, 2), np.float32), np.zeros(2, np.float32)]


class FakePredictor:
    def __init__(self):
        self.calls = 0

    def predict(self, image):
        self.calls += 1
        return Prediction(probabilities=np.array([0.25, 0.75]), activations=())


class Hooked(Reporter):
    """A Reporter as Keras would drive it; `model` stands in for Keras' (fit's model)."""

    model = None


def make(control=None, *, rate=0.001, **config_fields):
    """A reporter on fakes; `rate` is the optimizer's learning rate, `config_fields` go to TrainConfig."""
    config = TrainConfig(**{"epochs": 2, "batch_size": 10, **config_fields})
    control = control or RunControl(batch_interval_s=3600, weights_interval_s=3600, probe_interval_s=3600,
                                    snapshot_interval_s=3600)
    started = RunStarted(epochs=config.epochs, batches=5, input_shape=(4, 4, 1), class_names=("a", "b"),
                         test_images=np.zeros((0, 4, 4, 1), np.float32), test_labels=np.zeros(0, np.int64))
    updates, snapshots, model, predictor = [], [], FakeModel(), FakePredictor()
    reporter = Hooked(control=control, report=updates.append, snapshots=snapshots.append, predictor=predictor,
                      model=model, config=config, started=started, n_fit=50, learning_rate=rate,
                      checkpoint=lambda epoch: "")
    reporter.model = SimpleNamespace(stop_training=False, stop_evaluating=False)
    return reporter, control, updates, snapshots, model, predictor


def test_between_reports_a_batch_copies_nothing_and_reports_nothing():
    reporter, control, updates, snapshots, model, predictor = make()
    control.set_probe(np.zeros((4, 4, 1), np.float32))
    reporter.on_train_begin()
    for epoch in range(2):
        reporter.on_epoch_begin(epoch)
        for batch in range(5):
            reporter.on_train_batch_end(batch, {"loss": 0.5, "accuracy": 0.5})
        reporter.on_epoch_end(epoch, {"loss": 0.5, "accuracy": 0.5})
    assert [type(u) for u in updates] == [BatchDone, EpochDone, BatchDone, EpochDone]
    assert [u.batch for u in updates] == [1, 5, 1, 5]  # the first batch of every epoch is reported
    assert updates[0].weights is not None and updates[0].probe is not None
    assert updates[2].weights is None and updates[2].probe is None  # both throttled for an hour
    assert model.copies == 3 and predictor.calls == 3  # the first batch, then each epoch's end
    assert len(snapshots) == 1 and snapshots[0].source == "training: epoch 1 of 2, batch 1"
    assert not reporter.model.stop_training and reporter.completed_epochs == 2 and reporter.trained_samples == 100
    assert reporter.history_view() == {"loss": (0.5, 0.5), "accuracy": (0.5, 0.5)}


def test_a_pause_holds_the_batch_answers_probes_and_resumes():
    reporter, control, updates, snapshots, model, predictor = make()
    reporter.on_epoch_begin(0)
    reporter.on_train_batch_end(0, {"loss": 1.0})
    control.pause()
    trainer = threading.Thread(target=reporter.on_train_batch_end, args=(1, {"loss": 0.9}))
    trainer.start()
    time.sleep(0.2)
    assert trainer.is_alive() and isinstance(updates[-1], Paused) and updates[-1].weights is not None
    assert updates[-1].batch == 2 and updates[-1].metrics == {"loss": 0.9}
    held = len(updates)
    control.set_probe(np.zeros((4, 4, 1), np.float32))
    deadline = time.time() + 5
    while len(updates) == held and time.time() < deadline:
        time.sleep(0.01)
    assert isinstance(updates[-1], Paused) and updates[-1].probe is not None and updates[-1].weights is None
    control.resume()
    trainer.join(5)
    assert not trainer.is_alive() and not reporter.model.stop_training
    reporter.on_train_batch_end(2, {"loss": 0.8})  # training goes on: shown at once
    assert isinstance(updates[-1], BatchDone) and updates[-1].batch == 3


def test_a_stop_ends_training_and_validation():
    reporter, control, updates, *_ = make()
    reporter.on_epoch_begin(0)
    control.stop()
    reporter.on_train_batch_end(0, {"loss": 1.0})
    assert reporter.model.stop_training
    reporter.on_test_batch_end(0)
    assert reporter.model.stop_evaluating
    reporter.on_epoch_end(0, {"loss": 1.0})
    assert [type(u) for u in updates] == [BatchDone] and reporter.completed_epochs == 0  # no curve point


def test_a_nan_loss_stops_at_once_and_says_what_to_change():
    reporter, control, updates, snapshots, model, _ = make(rate=1.0, optimizer="sgd", learning_rate=1.0)
    reporter.on_epoch_begin(0)
    reporter.on_train_batch_end(0, {"loss": 1.0})
    reporter.on_train_batch_end(1, {"loss": float("nan")})
    assert reporter.model.stop_training and reporter.diverged[:2] == (1, 2)
    assert len(updates) == 1  # nothing reported for the NaN batch itself
    assert reporter.divergence_message().startswith(
        "the loss became NaN at epoch 1, batch 2: the learning rate 1.0 is too high — try 0.001")


def test_snapshots_are_throttled_by_their_own_interval():
    control = RunControl(batch_interval_s=0, weights_interval_s=0, probe_interval_s=0, snapshot_interval_s=3600)
    reporter, _, updates, snapshots, model, _ = make(control)
    reporter.on_epoch_begin(0)
    for batch in range(5):
        reporter.on_train_batch_end(batch, {"loss": 1.0})
    assert len(updates) == 5 and all(u.weights is not None for u in updates)  # weights every batch here
    assert len(snapshots) == 1  # but one snapshot an hour
    assert all(a is b for a, b in zip(snapshots[0].weights, updates[0].weights, strict=True))  # no extra copy
    control.snapshots.open()
    reporter.offer_snapshot(updates[-1].weights, time.perf_counter())
    assert len(snapshots) == 2 and snapshots[-1].source == "training: epoch 1 of 2, batch 5"
    assert not snapshots[-1].final and snapshots[-1].model == "mnist-convnet"


def test_several_steps_per_call_number_batches_right_and_time_from_the_first_call(monkeypatch):
    """Keras calls back once per call of 2 steps, naming its last step (one past the data at the end)."""
    clock = [100.0]
    monkeypatch.setattr("explorer.core.train.reporter.time", SimpleNamespace(perf_counter=lambda: clock[0]))
    control = RunControl(batch_interval_s=0, weights_interval_s=3600, probe_interval_s=3600,
                         snapshot_interval_s=3600)
    reporter, _, updates, *_ = make(control)  # 50 images, batches of 10: 5 batches an epoch
    reporter.on_epoch_begin(0)
    clock[0] += 5.0  # the first call compiles the step: 5 s
    reporter.on_train_batch_end(1, {"loss": 1.0})
    for step in (3, 5):  # then 1 s per call of 2 batches (the last call holds only batch 5)
        clock[0] += 1.0
        reporter.on_train_batch_end(step, {"loss": 1.0})
    reporter.on_epoch_end(0, {"loss": 1.0})
    batches = [u for u in updates if isinstance(u, BatchDone)]
    assert [u.batch for u in batches] == [2, 4, 5]
    assert all(u.batch <= u.batches == 5 for u in updates)
    assert batches[1].samples_per_s == 20.0  # 20 images in the 1 s after the first call
    epoch = updates[-1]
    assert isinstance(epoch, EpochDone) and epoch.batch == 5
    assert epoch.samples_per_s == 15.0  # 30 images in 2 s: the 5 s of compiling left out
    assert reporter.trained_samples == 50


def test_batch_updates_keep_a_steady_rate_between_calls(monkeypatch):
    """A call every 0.1 s: the updates still come 3 times a second on average, none closer than 1/6 s."""
    clock = [0.0]
    monkeypatch.setattr("explorer.core.train.reporter.time", SimpleNamespace(perf_counter=lambda: clock[0]))
    control = RunControl(batch_interval_s=1 / 3, weights_interval_s=3600, probe_interval_s=3600,
                         snapshot_interval_s=3600)
    reporter, _, updates, *_ = make(control, epochs=1)
    reporter.batches = reporter.n_fit = 10**6  # one long epoch
    reporter.on_epoch_begin(0)
    for call in range(300):  # 30 s
        clock[0] += 0.1
        reporter.on_train_batch_end(call, {"loss": 1.0})
    times = [u.batch / 10 for u in updates]
    assert 89 <= len(updates) <= 91
    assert min(np.diff(times)) >= 1 / 6 - 1e-9
