"""Trainer: the typed update sequence, its contents, snapshots, pause/resume/stop from another thread, NaN.

Tiny data (the offline "digits" set with limit=200, or random arrays through
``dataset=``), one or two epochs: the whole file runs in well under a minute.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time

import numpy as np
import pytest

from explorer.core.model.build import build_model
from explorer.core.model.model_files import load_model
from explorer.core.predict.predictor import Predictor
from explorer.core.train.config import Augmentation, TrainConfig
from explorer.core.train.datasets import Dataset, load_dataset
from explorer.core.train.snapshots import make_snapshot
from explorer.core.train.trainer import Trainer
from explorer.core.train.updates import (
    RUN_ENDS,
    BatchDone,
    Diverged,
    EpochDone,
    Failed,
    Finished,
    Paused,
    Progress,
    RunStarted,
    Stopped,
    TrainUpdate,
)

keras = pytest.importorskip("keras")


def _random_dataset(n_train=400, n_test=50, shape=(28, 28, 1), classes=10, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    arrays = (rng.random((n_train, *shape), dtype=np.float32), rng.integers(0, classes, n_train),
              rng.random((n_test, *shape), dtype=np.float32), rng.integers(0, classes, n_test))
    for array in arrays:
        array.setflags(write=False)
    return Dataset(*arrays, tuple(str(i) for i in range(classes)), shape, classes, "random test data")


class Recorder:
    """A `report` function that keeps the updates (and when they came) for the test; also takes snapshots."""

    def __init__(self):
        self.updates: list[TrainUpdate] = []
        self.times: list[float] = []
        self.snapshots: list = []
        self.snapshot_times: list[float] = []
        self.first_batch = threading.Event()
        self.done = threading.Event()

    def __call__(self, update: TrainUpdate) -> None:
        self.updates.append(update)
        self.times.append(time.perf_counter())
        if isinstance(update, BatchDone):
            self.first_batch.set()
        if isinstance(update, RUN_ENDS):
            self.done.set()

    def snapshot(self, snapshot) -> None:
        self.snapshots.append(snapshot)
        self.snapshot_times.append(time.perf_counter())

    def kinds(self) -> list[type]:
        return [type(u) for u in self.updates]

    def of(self, kind: type) -> list:
        return [u for u in self.updates if type(u) is kind]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One two-epoch run on 200 digits with a probe, shared by the tests that inspect it."""
    config = TrainConfig(model="mnist-convnet", dataset="digits", limit=200, epochs=2, batch_size=32,
                         validation_split=0.1)
    folder = tmp_path_factory.mktemp("checkpoints")
    trainer = Trainer(config, checkpoint_dir=folder)
    probe = load_dataset("digits", limit=1).x_test[0]
    trainer.set_probe(probe)
    recorder = Recorder()
    trainer.run(recorder, recorder.snapshot)
    return trainer, recorder, probe, folder


def test_the_update_sequence(digits_run):
    trainer, recorder, _, _ = digits_run
    kinds = recorder.kinds()
    assert kinds[0] is RunStarted and kinds[-1] is Finished
    assert kinds.count(EpochDone) == 2
    first_epoch_end = kinds.index(EpochDone)
    assert kinds[1] is BatchDone  # the UI moves at once
    assert BatchDone in kinds[first_epoch_end + 1:-2]  # the second epoch reports batches too
    assert set(kinds) == {RunStarted, BatchDone, EpochDone, Finished}  # no pause, one end
    assert all(isinstance(u, Progress) for u in recorder.updates[1:])
    assert all(u.epochs == 2 for u in recorder.updates)
    batches = math.ceil(180 / 32)
    assert all(u.batches == batches for u in recorder.updates)
    for update in recorder.of(BatchDone):
        assert 1 <= update.batch <= batches and update.epoch in (1, 2)
        assert set(update.metrics) == {"loss", "accuracy"}
    assert [u.epoch for u in recorder.of(EpochDone)] == [1, 2]


def test_each_kind_of_update_has_only_its_own_fields(digits_run):
    _, recorder, _, _ = digits_run
    started, batch, epoch, final = (recorder.of(kind)[0] for kind in (RunStarted, BatchDone, EpochDone, Finished))
    assert not hasattr(started, "weights") and not hasattr(started, "metrics")
    assert not hasattr(batch, "evaluation") and not hasattr(batch, "test_images")
    assert not hasattr(epoch, "evaluation") and not hasattr(final, "eta_s")
    assert not hasattr(Failed(message="x"), "history")
    with pytest.raises(dataclasses.FrozenInstanceError):
        batch.epoch = 3


def test_samples_per_s_leave_out_compiling_the_training_step(digits_run):
    """The first batch compiles the step (far longer than an epoch of 180 digits): not a pace of training."""
    _, recorder, _, _ = digits_run
    first, second = (u.samples_per_s for u in recorder.of(EpochDone))
    assert first > 0.3 * second
    assert recorder.updates[-1].samples_per_s > 0.3 * second  # the run's mean, as the CLI prints it


def test_started_carries_the_data_the_ui_shows(digits_run):
    _, recorder, _, _ = digits_run
    started = recorder.updates[0]
    assert started.input_shape == (28, 28, 1)
    assert started.class_names == tuple("0123456789")
    assert started.test_images.shape[1:] == (28, 28, 1) and started.test_images.dtype == np.float32
    assert len(started.test_labels) == len(started.test_images) > 0
    assert not started.test_images.flags.writeable and not started.test_labels.flags.writeable
    assert "180 training, 20 validation" in started.message


def test_batch_and_epoch_contents(digits_run):
    trainer, recorder, probe, _ = digits_run
    model = trainer.model
    shapes = [w.shape for w in model.get_weights()]
    first = recorder.of(BatchDone)[0]
    assert first.weights is not None and [w.shape for w in first.weights] == shapes
    assert all(not w.flags.writeable for w in first.weights)
    assert first.probe is not None
    layer_shapes = [tuple(layer.output.shape[1:]) for layer in model.layers]
    assert [a.output.shape for a in first.probe.activations] == layer_shapes
    assert [a.name for a in first.probe.activations] == [layer.name for layer in model.layers]
    assert first.probe.probabilities.shape == (10,)

    epochs = recorder.of(EpochDone)
    for number, update in enumerate(epochs, start=1):
        assert set(update.metrics) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert all(len(curve) == number for curve in update.history.values())
        assert update.weights is not None and update.probe is not None
        assert update.samples_per_s > 0 and update.eta_s is not None
    assert epochs[-1].eta_s == 0
    assert epochs[0].history["loss"][0] == epochs[0].metrics["loss"]

    # The probe of the final update is exactly what the trained model says.
    final = recorder.updates[-1]
    np.testing.assert_allclose(final.probe.probabilities, model(probe[None]).numpy()[0], atol=1e-5)
    for array, current in zip(final.weights, model.get_weights()):
        np.testing.assert_array_equal(array, current)


def test_batch_updates_are_throttled_by_time(digits_run):
    """After each epoch's first update (always sent): on the beat, at most one per interval, never a burst."""
    _, recorder, _, _ = digits_run
    interval = Trainer.BATCH_INTERVAL_S
    for epoch in (1, 2):
        times = [t for u, t in zip(recorder.updates, recorder.times) if isinstance(u, BatchDone) and u.epoch == epoch]
        later = np.array(times[1:])
        assert np.all(np.diff(later) >= interval / 2 * 0.99)
        assert np.all(later - later[:1] >= np.arange(len(later)) * interval * 0.99)


def test_final_evaluation(digits_run):
    trainer, recorder, _, _ = digits_run
    started, final = recorder.updates[0], recorder.updates[-1]
    evaluation = final.evaluation
    assert evaluation is trainer.evaluation
    x, y = started.test_images, started.test_labels
    probabilities = trainer.model.predict(x, verbose=0)
    predicted = probabilities.argmax(axis=1)
    np.testing.assert_array_equal(evaluation.predicted, predicted)
    assert evaluation.test_accuracy == pytest.approx(np.mean(predicted == y))
    loss, accuracy = trainer.model.evaluate(x, y, verbose=0)
    assert evaluation.test_loss == pytest.approx(loss, rel=1e-4)
    assert evaluation.test_accuracy == pytest.approx(accuracy, abs=1e-6)
    assert evaluation.confusion.shape == (10, 10) and evaluation.confusion.sum() == len(y)
    assert np.trace(evaluation.confusion) == np.sum(predicted == y)
    assert not evaluation.confusion.flags.writeable and not evaluation.predicted.flags.writeable
    wrong = list(evaluation.misclassified)
    assert sorted(wrong) == list(np.flatnonzero(predicted != y))
    confidence = probabilities[wrong, predicted[wrong]]
    assert np.all(np.diff(confidence) <= 0)  # most confident mistakes first
    assert final.metrics["test_accuracy"] == evaluation.test_accuracy
    assert "test accuracy" in final.message and final.message.startswith("finished 2 epochs")


def test_checkpoints_each_epoch(digits_run):
    trainer, _, _, folder = digits_run
    assert [p.name for p in trainer.checkpoints] == ["epoch-01.keras", "epoch-02.keras"]
    assert all(p.parent == folder / trainer.run_id for p in trainer.checkpoints)
    assert sorted(p.name for p in (folder / trainer.run_id).iterdir()) == ["epoch-01.keras", "epoch-02.keras"]
    restored = load_model(trainer.checkpoints[-1])
    images = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(restored(images).numpy(), trainer.model(images).numpy(), atol=1e-6)


def test_snapshots_rebuild_the_trained_model(digits_run):
    trainer, recorder, probe, _ = digits_run
    started, final = recorder.updates[0], recorder.updates[-1]
    snapshot = make_snapshot(trainer.config, started, final.weights, "trained", final=True)
    assert snapshot.model == "mnist-convnet" and snapshot.input_shape == (28, 28, 1) and snapshot.final
    assert snapshot.class_names == tuple("0123456789") and snapshot.source == "trained"
    predictor = Predictor.from_snapshot(snapshot)
    np.testing.assert_allclose(predictor.predict(probe).probabilities, final.probe.probabilities, atol=1e-5)
    copied = make_snapshot(trainer.config, started, [np.ones(3)], "x")
    assert not copied.weights[0].flags.writeable


def test_the_trainer_makes_the_snapshots_throttled_at_their_source(digits_run):
    """While training, at most one snapshot a second (from weights it copied anyway); the evaluated model last."""
    trainer, recorder, probe, _ = digits_run
    *training, final = recorder.snapshots
    assert training and all(not s.final and s.source.startswith("training: epoch ") for s in training)
    assert np.all(np.diff(recorder.snapshot_times[:-1]) >= Trainer.SNAPSHOT_INTERVAL_S * 0.99)
    assert final.final and final.source == f"trained: {trainer.evaluation.test_accuracy:.2%} test accuracy"
    assert final.input_shape == (28, 28, 1) and final.class_names == tuple("0123456789")
    assert all(a is b for a, b in zip(final.weights, recorder.updates[-1].weights, strict=True))  # no new copies
    shared = {id(w) for u in recorder.updates if getattr(u, "weights", None) for w in u.weights}
    assert all(id(w) in shared for s in training for w in s.weights)
    np.testing.assert_allclose(Predictor.from_snapshot(final).predict(probe).probabilities,
                               recorder.updates[-1].probe.probabilities, atol=1e-5)


def test_pause_resume_and_stop_from_another_thread(tmp_path):
    config = TrainConfig(epochs=50, batch_size=8, validation_split=0.0)
    trainer = Trainer(config, dataset=_random_dataset(n_train=400), checkpoint_dir=None)
    recorder = Recorder()
    worker = threading.Thread(target=trainer.run, args=(recorder, recorder.snapshot))
    worker.start()
    try:
        assert recorder.first_batch.wait(60)
        trainer.pause()
        time.sleep(0.3)  # the current batch ends, then the pause holds
        assert trainer.paused
        held = len(recorder.updates)
        cpu = time.process_time()
        time.sleep(0.6)
        assert time.process_time() - cpu < 0.2  # waiting, not spinning
        assert len(recorder.updates) == held  # nothing moves while paused
        paused = recorder.updates[-1]
        assert isinstance(paused, Paused) and paused.weights is not None
        assert recorder.kinds().count(Paused) == 1
        trainer.set_probe(np.full((28, 28, 1), 0.5, np.float32))  # answered even while paused
        deadline = time.time() + 5
        while len(recorder.updates) == held and time.time() < deadline:
            time.sleep(0.02)
        assert isinstance(recorder.updates[-1], Paused) and recorder.updates[-1].probe is not None
        assert recorder.updates[-1].weights is None  # answering a probe copies no weights

        trainer.resume()
        position = (paused.epoch, paused.batch)
        deadline = time.time() + 30
        while time.time() < deadline:
            last = recorder.updates[-1]
            if isinstance(last, BatchDone) and (last.epoch, last.batch) > position:
                break
            time.sleep(0.02)
        else:
            pytest.fail("training did not resume")
        before_stop = recorder.updates[-1]
        stop_time = time.perf_counter()
        trainer.stop()
        assert recorder.done.wait(30)
    finally:
        trainer.stop()
        worker.join(60)
    assert not worker.is_alive()
    final = recorder.updates[-1]
    assert isinstance(final, Stopped)
    assert final.message.startswith(f"stopped at epoch {final.epoch}, batch {final.batch}")
    assert (final.epoch, final.batch) >= (before_stop.epoch, before_stop.batch)
    assert recorder.times[-1] - stop_time < 5  # one batch, then evaluating 50 test images
    assert final.evaluation is not None  # 50 test images: quick enough to evaluate
    assert final.evaluation.confusion.sum() == 50
    assert trainer.model is not None
    assert trainer.model.predict(np.zeros((1, 28, 28, 1), np.float32), verbose=0).shape == (1, 10)
    assert recorder.snapshots[-1].final  # a stopped run that was evaluated hands over its model too


def test_stop_ends_within_about_one_batch(monkeypatch):
    """stop() between two batches: the next batch is the last one trained."""
    monkeypatch.setattr(Trainer, "BATCH_INTERVAL_S", 0.0)  # report every batch (read when a Trainer is made)
    config = TrainConfig(epochs=20, batch_size=8, validation_split=0.0)
    trainer = Trainer(config, dataset=_random_dataset(n_train=200, n_test=10), checkpoint_dir=None)
    seen = []

    def report(update):
        seen.append(update)
        if isinstance(update, BatchDone) and update.epoch == 2 and update.batch >= 3 and not trainer.stop_requested:
            trainer.stop()  # as if from another thread, right after this batch's report

    trainer.run(report)
    stop_at = next(u for u in seen if isinstance(u, BatchDone) and u.epoch == 2 and u.batch >= 3)
    final = seen[-1]
    assert isinstance(final, Stopped)
    assert (final.epoch, final.batch) == (stop_at.epoch, stop_at.batch)  # not one more batch
    assert [type(u) for u in seen].count(EpochDone) == 1  # the interrupted epoch is not reported as done
    assert len(final.history["loss"]) == 1


def test_stop_before_the_run():
    trainer = Trainer(TrainConfig(epochs=3), dataset=_random_dataset(), checkpoint_dir=None)
    trainer.stop()
    recorder = Recorder()
    trainer.run(recorder, recorder.snapshot)
    assert recorder.kinds() == [Stopped]
    assert recorder.updates[0].message == "stopped before training began" and not recorder.snapshots


def test_a_nan_loss_stops_with_a_clear_message():
    config = TrainConfig(optimizer="sgd", learning_rate=1e6, epochs=3, batch_size=16, validation_split=0.1)
    trainer = Trainer(config, dataset=_random_dataset(n_train=300), checkpoint_dir=None)
    recorder = Recorder()
    trainer.run(recorder)
    final = recorder.updates[-1]
    assert isinstance(final, Diverged)
    assert recorder.kinds().count(EpochDone) == 0
    assert final.message.startswith(
        f"the loss became NaN at epoch 1, batch {final.batch}: the learning rate 1000000.0 is too high — try 0.001")
    assert "weights may now be NaN" in final.message
    assert math.isnan(final.metrics["loss"])
    assert final.weights is not None and not hasattr(final, "evaluation")
    assert trainer.model is not None  # still usable: it answers (with NaN)
    assert trainer.model.predict(np.zeros((1, 28, 28, 1), np.float32), verbose=0).shape == (1, 10)


def test_failures_are_updates_not_exceptions(tmp_path):
    recorder = Recorder()
    Trainer(TrainConfig(dataset="mnist", data_dir=str(tmp_path / "missing")), checkpoint_dir=None).run(recorder)
    assert recorder.kinds() == [Failed]
    assert "does not exist" in recorder.updates[0].message

    recorder = Recorder()
    tiny = _random_dataset(n_train=100, shape=(6, 6, 1))  # too small for mnist-convnet's three convolutions
    Trainer(TrainConfig(epochs=1), dataset=tiny, checkpoint_dir=None).run(recorder)
    assert recorder.kinds() == [Failed]
    assert recorder.updates[0].message.startswith("cannot build the model 'mnist-convnet'")

    recorder = Recorder()
    Trainer(TrainConfig(validation_split=0.5), dataset=_random_dataset(n_train=1), checkpoint_dir=None).run(recorder)
    assert recorder.kinds() == [Failed] and "leaves no training images" in recorder.updates[0].message

    bad = _random_dataset(n_train=20)
    broken = dataclasses.replace(bad, x_train=np.full_like(bad.x_train, np.nan))
    recorder = Recorder()
    Trainer(TrainConfig(validation_split=0.0), dataset=broken, checkpoint_dir=None).run(recorder)
    assert recorder.kinds() == [Failed] and "NaN" in recorder.updates[0].message


@pytest.mark.parametrize(
    "changes, needle",
    [
        ({"optimizer": "adagrad"}, "unknown optimizer 'adagrad'"),
        ({"epochs": 0}, "epochs must be a whole number >= 1"),
        ({"batch_size": 0}, "batch size must be"),
        ({"learning_rate": -1.0}, "learning rate must be a number > 0"),
        ({"learning_rate": float("nan")}, "learning rate must be a number > 0"),
        ({"validation_split": 1.0}, "validation split must be a fraction"),
        ({"augmentation": Augmentation(rotation=-0.1)}, "augmentation rotation"),
    ],
)
def test_bad_configurations_are_refused_at_once(changes, needle):
    with pytest.raises(ValueError, match=needle):
        Trainer(TrainConfig(**changes), checkpoint_dir=None)


def test_augmentation_trains_a_wrapper_but_hands_out_the_plain_model():
    config = TrainConfig(model="lenet5", epochs=1, batch_size=32, validation_split=0.0, limit=96,
                         augmentation=Augmentation(rotation=0.05, translation=0.1, zoom=0.1))
    trainer = Trainer(config, dataset=_random_dataset(n_train=200), checkpoint_dir=None)
    trainer.set_probe(np.zeros((28, 28), np.float32))  # (H, W) is fine for one channel
    recorder = Recorder()
    trainer.run(recorder)
    assert recorder.kinds()[-1] is Finished
    assert recorder.updates[0].batches == 3  # the limit applies to a given dataset too
    plain = build_model("lenet5")
    assert [type(layer) for layer in trainer.model.layers] == [type(layer) for layer in plain.layers]
    assert [w.shape for w in recorder.updates[-1].weights] == [w.shape for w in plain.get_weights()]
    assert recorder.updates[-1].probe is not None
    # Inference is deterministic: the random layers are not part of the model.
    image = np.random.default_rng(1).random((2, 28, 28, 1), dtype=np.float32)
    np.testing.assert_array_equal(trainer.model(image).numpy(), trainer.model(image).numpy())


def test_early_stopping_on_val_loss():
    # Random labels: nothing generalises, so val_loss stops improving at once.
    config = TrainConfig(optimizer="adam", learning_rate=0.01, epochs=12, batch_size=32, patience=1,
                         validation_split=0.25)
    recorder = Recorder()
    Trainer(config, dataset=_random_dataset(n_train=160), checkpoint_dir=None).run(recorder)
    final = recorder.updates[-1]
    assert isinstance(final, Finished) and recorder.kinds().count(EpochDone) < 12
    epochs = len(final.history["val_loss"])
    assert final.message.startswith(
        f"finished {epochs} epochs (early stopping: val_loss had not improved for 1 epoch)")


def test_a_probe_of_the_wrong_shape_is_dropped():
    trainer = Trainer(TrainConfig(epochs=1, validation_split=0.0), dataset=_random_dataset(n_train=64),
                      checkpoint_dir=None)
    trainer.set_probe(np.zeros((5, 5, 1), np.float32))
    recorder = Recorder()
    trainer.run(recorder)
    assert recorder.kinds()[-1] is Finished
    assert all(getattr(u, "probe", None) is None for u in recorder.updates)


def test_a_pause_that_comes_after_a_stop_cannot_hang_the_run():
    """A pause() landing just after stop() (two threads racing) must not hold the run: the stop wins."""
    trainer = Trainer(TrainConfig(model="lenet5", dataset="digits", epochs=3, batch_size=32, limit=128),
                      dataset=load_dataset("digits"), checkpoint_dir=None)
    kinds = []

    def report(update):
        kinds.append(type(update))
        if isinstance(update, BatchDone) and update.epoch == 2 and "raced" not in kinds:
            kinds.append("raced")
            trainer.stop()
            trainer.pause()  # the late pause of the race
            assert not trainer.paused

    thread = threading.Thread(target=trainer.run, args=(report,))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and kinds[-1] is Stopped and Paused not in kinds


def test_models_trained_one_after_another_leave_no_traced_steps_behind():
    """Each run's traced training step is freed with its model (Keras 3 kept them all: ~8 MB a run)."""
    import gc

    from tensorflow.python.framework.func_graph import FuncGraph

    def graphs_after_a_run() -> int:
        trainer = Trainer(TrainConfig(model="lenet5", dataset="random", epochs=1, batch_size=32,
                                      validation_split=0.0), dataset=_random_dataset(n_train=96, n_test=8),
                          checkpoint_dir=None)
        recorder = Recorder()
        trainer.run(recorder)
        assert recorder.kinds()[-1] is Finished
        del trainer, recorder
        gc.collect()
        return sum(isinstance(o, FuncGraph) for o in gc.get_objects())

    first = graphs_after_a_run()
    assert max(graphs_after_a_run() for _ in range(2)) <= first  # with the leak: +26 graphs a run


class _ManyStepsACall(Trainer):
    """A budget no step misses: every run here compiles with the most steps per call."""

    EXECUTION_BUDGET_S = 60.0
    MAX_STEPS_PER_EXECUTION = 4
    BATCH_INTERVAL_S = 0.0  # report after every call


def test_the_trainer_runs_several_steps_a_call_and_numbers_the_batches_right():
    # 90 of 100 images train: 12 batches of 8 an epoch, in calls of 4 steps.
    config = TrainConfig(epochs=2, batch_size=8, validation_split=0.1)
    trainer = _ManyStepsACall(config, dataset=_random_dataset(n_train=100, n_test=10), checkpoint_dir=None)
    recorder = Recorder()
    trainer.run(recorder)
    assert trainer.steps_per_execution == 4 and trainer.model.steps_per_execution == 4
    assert isinstance(recorder.updates[-1], Finished)
    batches = [(u.epoch, u.batch) for u in recorder.of(BatchDone)]
    assert batches == [(1, 4), (1, 8), (1, 12), (2, 4), (2, 8), (2, 12)]
    assert all(u.batches == 12 for u in recorder.of(BatchDone))
    assert [u.batch for u in recorder.of(EpochDone)] == [12, 12]
    assert set(recorder.of(EpochDone)[0].metrics) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert recorder.updates[-1].samples_per_s > 0


def test_an_epoch_that_calls_do_not_divide_ends_on_its_last_batch():
    config = TrainConfig(epochs=1, batch_size=8, validation_split=0.0)  # 10 batches: calls of 4, 4, 2
    trainer = _ManyStepsACall(config, dataset=_random_dataset(n_train=80, n_test=10), checkpoint_dir=None)
    recorder = Recorder()
    trainer.run(recorder)
    assert [u.batch for u in recorder.of(BatchDone)] == [4, 8, 10]
    assert recorder.updates[-1].batch == 10 and recorder.updates[-1].message.startswith("finished 1 epoch")


def test_a_budget_of_zero_trains_one_step_a_call(monkeypatch):
    monkeypatch.setattr(Trainer, "EXECUTION_BUDGET_S", 0.0)
    monkeypatch.setattr(Trainer, "BATCH_INTERVAL_S", 0.0)
    trainer = Trainer(TrainConfig(epochs=1, batch_size=8, validation_split=0.0),
                      dataset=_random_dataset(n_train=40, n_test=10), checkpoint_dir=None)
    recorder = Recorder()
    trainer.run(recorder)
    assert trainer.steps_per_execution == 1
    assert [u.batch for u in recorder.of(BatchDone)] == [1, 2, 3, 4, 5]


def test_pause_and_stop_act_within_one_call_and_a_quarter_second():
    """Several steps per call: Pause and Stop still act at the end of the current call, promptly."""
    config = TrainConfig(epochs=100, batch_size=8, validation_split=0.0)
    trainer = _ManyStepsACall(config, dataset=_random_dataset(n_train=800, n_test=10), checkpoint_dir=None)
    recorder = Recorder()
    worker = threading.Thread(target=trainer.run, args=(recorder,))
    worker.start()
    try:
        assert recorder.first_batch.wait(60)
        time.sleep(0.5)  # into the steady pace
        latencies, steps = [], []
        for _ in range(3):
            before = recorder.updates[-1].batch + recorder.updates[-1].epoch * 100  # 100 batches an epoch
            asked = time.perf_counter()
            trainer.pause()
            while not isinstance(recorder.updates[-1], Paused):
                time.sleep(0.002)
            latencies.append(recorder.times[-1] - asked)
            steps.append(recorder.updates[-1].batch + recorder.updates[-1].epoch * 100 - before)
            trainer.resume()
            time.sleep(0.2)
        held = len(recorder.updates)
        trainer.stop()
        assert recorder.done.wait(30)
    finally:
        trainer.stop()
        worker.join(60)
    assert trainer.steps_per_execution == 4
    assert all(0 <= step <= 2 * 4 for step in steps), steps  # the call under way (and one reported meanwhile)
    final = recorder.updates[-1]
    assert isinstance(final, Stopped)
    assert sum(isinstance(u, BatchDone) for u in recorder.updates[held:]) <= 1  # at most the call under way
    assert sorted(latencies)[1] < 0.25, latencies  # the median of three, on a shared machine
