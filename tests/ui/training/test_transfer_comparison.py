"""The run pair of "Compare with from scratch": which runs start, in what order, and what is recorded."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.train.config import TrainConfig
from explorer.core.train.evaluation import Evaluation
from explorer.core.train.updates import Failed, Finished, Stopped
from explorer.ui.training.comparison_view import SCRATCH, TRANSFER, ComparisonView
from explorer.ui.training.transfer_comparison import TransferComparison, scratch_twin

CONFIG = TrainConfig(dataset="digits", base="/models/base.keras", frozen_layers=("conv2d",), warmup_epochs=1,
                     epochs=3, classes=(5, 6, 7), per_class=10)
HISTORY = {"accuracy": (0.5, 0.7), "val_accuracy": (0.4, 0.6), "loss": (1.0, 0.6), "val_loss": (1.1, 0.8)}


def _finished(accuracy):
    evaluation = Evaluation(0.5, accuracy, np.zeros((3, 3), int), (), np.zeros(9, int))
    return Finished(epoch=2, epochs=2, history=HISTORY, evaluation=evaluation)


class Studio:
    """Starts runs as TrainingStudio.start does, telling the comparison (no training here)."""

    def __init__(self):
        self.started, self.accept, self.comparison = [], True, None

    def start(self, config, **options):
        if self.accept:
            self.started.append((config, options))
            self.comparison.note_start(config, options)
        return self.accept


@pytest.fixture
def pair(qtbot):
    view = ComparisonView()
    qtbot.addWidget(view)
    studio = Studio()
    studio.comparison = TransferComparison(view, studio.start)
    return studio, studio.comparison, view


def test_the_scratch_twin_is_the_same_network_every_layer_trainable():
    twin = scratch_twin(CONFIG)
    assert twin.reinitialise and twin.frozen_layers == () and twin.warmup_epochs == 0
    assert (twin.base, twin.classes, twin.per_class, twin.epochs) == (CONFIG.base, CONFIG.classes, 10, 3)


def test_compare_runs_the_transfer_then_the_twin_and_records_both(qtbot, pair):
    studio, comparison, view = pair
    assert comparison.compare(CONFIG, {"checkpoint_dir": None}) == ""
    assert studio.started == [(CONFIG, {"checkpoint_dir": None})] and comparison.is_pending()
    comparison.on_update(_finished(0.9))
    comparison.on_running_changed(False)
    qtbot.waitUntil(lambda: len(studio.started) == 2)
    assert studio.started[1] == (scratch_twin(CONFIG), {"checkpoint_dir": None})
    assert "from scratch on the same data" in view.caption.text()
    with qtbot.waitSignal(comparison.both_shown):
        comparison.on_update(_finished(0.7))
    assert view.test_accuracy(TRANSFER) == 0.9 and view.test_accuracy(SCRATCH) == 0.7
    # the transfer run is recorded: comparing again trains only the twin
    assert comparison.compare(CONFIG) == "" and studio.started[-1][0] == scratch_twin(CONFIG)


def test_a_failed_or_stopped_transfer_run_cancels_the_twin(qtbot, pair):
    studio, comparison, view = pair
    comparison.compare(CONFIG)
    comparison.on_update(Failed(message="no data"))
    comparison.on_running_changed(False)
    qtbot.wait(20)
    assert len(studio.started) == 1 and not comparison.is_pending()
    comparison.compare(CONFIG)
    comparison.on_update(Stopped(epoch=1, epochs=3, history=HISTORY))
    assert not comparison.is_pending() and view.test_accuracy(TRANSFER) is None


def test_nothing_to_compare_without_a_base_or_while_a_run_goes_on(pair):
    studio, comparison, _view = pair
    assert "choose a model to start from" in comparison.compare(TrainConfig())
    studio.accept = False
    assert comparison.compare(CONFIG) == "a run is in progress" and not comparison.is_pending()
