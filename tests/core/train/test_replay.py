"""The run kept for replay: bounds, order, what is thinned first, and a real run replayed against its checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core.train.replay import ReplayMoment, ReplayRecorder, RunReplay, moment_of
from explorer.core.train.updates import BatchDone, EpochDone, Finished, Paused, Stopped


def _weights(nbytes: int) -> tuple[np.ndarray, ...]:
    array = np.zeros(max(1, nbytes // 4), np.float32)
    array.setflags(write=False)
    return (array,)


def _moment(epoch: int, batch: int, batches: int = 10, nbytes: int = 400, end: str = "") -> ReplayMoment:
    return ReplayMoment(epoch=epoch, batch=batch, batches=batches, epochs=99, weights=_weights(nbytes),
                        epoch_end=batch == batches, end=end)


# A run: per epoch a few within-epoch points (sorted batches) and its end.
_runs = st.lists(st.lists(st.integers(1, 9), max_size=4).map(lambda b: sorted(set(b))), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(run=_runs, max_moments=st.integers(1, 12), max_bytes=st.integers(400, 6000),
       sizes=st.lists(st.integers(100, 1200), min_size=1, max_size=8))
def test_the_bounds_hold_and_the_order_is_kept(run, max_moments, max_bytes, sizes):
    replay = RunReplay(max_moments=max_moments, max_bytes=max_bytes)
    count = 0
    for epoch, batches in enumerate(run, start=1):
        for batch in [*batches, 10]:
            moment = _moment(epoch, batch, nbytes=sizes[count % len(sizes)])
            count += 1
            before = replay
            replay = replay.with_moment(moment)
            kept = replay.moments
            assert len(kept) <= max_moments and replay.nbytes <= max_bytes
            positions = [m.position for m in kept]
            assert positions == sorted(set(positions))  # strictly in the run's order
            if moment.nbytes > max_bytes:
                assert replay is before
                continue
            assert kept[-1] is moment  # the newest always stays
            candidates = [m for m in before.moments if m.position != moment.position]
            dropped = [m for m in candidates if m not in kept]
            if any(m.epoch_end for m in dropped if m is not candidates[0]):
                # epoch ends go only once no within-epoch point is left to go
                assert all(m.epoch_end for m in kept[1:-1])
            if candidates and candidates[0] in dropped:  # the first goes only when nothing else can
                assert kept == (moment,)


def test_the_first_and_last_stay_and_the_rest_thin_evenly():
    replay = RunReplay(max_moments=6)
    for batch in (1, 3, 5):
        replay = replay.with_moment(_moment(1, batch))
    for epoch in range(1, 21):
        replay = replay.with_moment(_moment(epoch, 10))
    kept = replay.moments
    assert len(kept) == 6 and kept[0].batch == 1 and kept[-1].epoch == 20
    assert all(m.epoch_end for m in kept[1:])  # the within-epoch points went first
    gaps = np.diff([m.position for m in kept[1:-1]])  # the newest is always next to the one before
    assert gaps.max() <= 2 * gaps.min() and gaps.min() > 1  # evenly spread: every other old epoch went


def test_a_moment_at_the_newest_position_replaces_it_and_older_ones_are_refused():
    replay = RunReplay().with_moment(_moment(1, 10)).with_moment(_moment(2, 10))
    finished = _moment(2, 10, end="finished")
    replay = replay.with_moment(finished)
    assert len(replay) == 2 and replay.moments[-1] is finished and finished.label == "end of epoch 2 of 99 (finished)"
    assert replay.with_moment(_moment(1, 5)) is replay
    assert RunReplay(max_bytes=100).with_moment(_moment(1, 1, nbytes=400)).moments == ()
    assert replay.nearest(1.7) == 1 and replay.nearest(1.2) == 0 and RunReplay().nearest(1.0) == -1
    with pytest.raises(ValueError):
        RunReplay(max_moments=0)


def test_labels_and_positions():
    moment = _moment(2, 300, batches=844)
    assert moment.label == "epoch 2, batch 300 of 844"
    assert moment.position == pytest.approx(1 + 300 / 844)
    assert _moment(3, 844, batches=844).label == "end of epoch 3 of 99"
    assert _moment(1, 4, end="stopped").label == "epoch 1, batch 4 of 10 (stopped)"


def _batch(epoch, batch, weights=True, batches=100):
    return BatchDone(epoch=epoch, epochs=3, batch=batch, batches=batches, metrics={"loss": 1.0},
                     weights=_weights(40) if weights else None)


def test_the_recorder_keeps_a_few_points_of_the_first_epoch_and_every_end():
    recorder = ReplayRecorder()
    offered = [_batch(1, 1), _batch(1, 5), _batch(1, 9), _batch(1, 11), _batch(1, 12), _batch(1, 20, weights=False),
               _batch(1, 30), _batch(1, 60), _batch(1, 70), _batch(2, 50),
               Paused(epoch=1, epochs=3, batch=80, batches=100, weights=_weights(40))]
    changed = [recorder.offer(update) for update in offered]
    assert changed == [True, False, False, True, False, False, True, True, False, False, False]
    assert [m.batch for m in recorder.replay.moments] == [1, 11, 30, 60]
    assert recorder.offer(EpochDone(epoch=1, epochs=3, batch=100, batches=100, weights=_weights(40),
                                    history={"loss": [0.5]}))
    ended = recorder.replay.moments[-1]
    assert ended.epoch_end and ended.history == {"loss": (0.5,)}
    assert recorder.offer(Stopped(epoch=2, epochs=3, batch=40, batches=100, weights=_weights(40)))
    assert recorder.replay.moments[-1].label == "epoch 2, batch 40 of 100 (stopped)"
    assert moment_of(Finished(epoch=2, epochs=3, batch=100, batches=100)) is None  # no weights, no moment
    recorder.clear()
    assert len(recorder.replay) == 0 and recorder.offer(_batch(1, 3))


def test_replay_at_epoch_k_gives_the_same_predictions_as_the_checkpoint_of_epoch_k(tmp_path):
    pytest.importorskip("keras")
    from explorer.core.model.model_files import load_model
    from explorer.core.predict.predictor import Predictor
    from explorer.core.train.config import TrainConfig
    from explorer.core.train.snapshots import make_snapshot
    from explorer.core.train.trainer import Trainer

    config = TrainConfig(model="mnist-convnet", dataset="digits", limit=160, epochs=3, batch_size=32,
                         validation_split=0.1)
    trainer = Trainer(config, checkpoint_dir=tmp_path)
    updates, recorder = [], ReplayRecorder()
    trainer.run(lambda update: (updates.append(update), recorder.offer(update)))
    started = updates[0]
    ends = [m for m in recorder.replay.moments if m.epoch_end]
    assert [m.epoch for m in ends] == [1, 2, 3] and len(trainer.checkpoints) == 3
    images = np.asarray(started.test_images[:8])
    predictions = []
    for moment, checkpoint in zip(ends, trainer.checkpoints):
        predictor = Predictor.from_snapshot(make_snapshot(config, started, moment.weights, moment.label))
        replayed = np.stack([predictor.predict(image).probabilities for image in images])
        saved = np.asarray(load_model(checkpoint).predict(images, verbose=0))
        np.testing.assert_allclose(replayed, saved, atol=1e-5)
        predictions.append(replayed)
    assert not np.allclose(predictions[0], predictions[-1], atol=1e-3)  # the epochs differ: the test can fail
