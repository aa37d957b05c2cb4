"""The side-by-side view: both runs' curves overlaid and both test accuracies in the caption."""

from __future__ import annotations

import pytest

from explorer.ui.training.comparison_view import SCRATCH, TRANSFER, WAITING, ComparisonView

TRANSFER_RUN = {"loss": (1.2, 0.6, 0.4), "accuracy": (0.6, 0.8, 0.85), "val_loss": (1.0, 0.7, 0.5),
                "val_accuracy": (0.7, 0.78, 0.81)}
SCRATCH_RUN = {"loss": (2.2, 1.6, 1.2), "accuracy": (0.2, 0.45, 0.6), "val_loss": (2.0, 1.5, 1.3),
               "val_accuracy": (0.3, 0.5, 0.6)}


@pytest.fixture
def view(qtbot):
    widget = ComparisonView()
    qtbot.addWidget(widget)
    widget.resize(800, 400)
    widget.show()
    return widget


def test_both_runs_are_overlaid_with_their_test_accuracies(view):
    assert view.caption.text() == WAITING
    view.set_run(TRANSFER, TRANSFER_RUN, 0.812)
    assert view.data(TRANSFER, "val_accuracy") == ([1, 2, 3], [0.7, 0.78, 0.81])
    assert view.data(SCRATCH, "val_accuracy") == ([], [])
    assert "transfer 81.2 %" in view.caption.text() and "from scratch" not in view.caption.text()
    view.set_run(SCRATCH, SCRATCH_RUN, 0.704)
    assert view.data(SCRATCH, "loss") == ([1, 2, 3], [2.2, 1.6, 1.2])
    caption = view.caption.text()
    assert "transfer 81.2 %" in caption and "from scratch 70.4 %" in caption and "gain 10.8 points" in caption
    assert view.test_accuracy(SCRATCH) == pytest.approx(0.704)


def test_a_loss_for_different_data_is_said_plainly(view):
    view.set_run(TRANSFER, TRANSFER_RUN, 0.55)
    view.set_run(SCRATCH, SCRATCH_RUN, 0.6)
    assert "lose 5.0 points" in view.caption.text() and "too different" in view.caption.text()


def test_the_caption_says_when_the_scratch_run_is_on_its_way_and_clear_forgets(view):
    view.set_run(TRANSFER, TRANSFER_RUN, None)
    view.set_waiting_for_scratch(True)
    assert "transfer not evaluated" in view.caption.text() and "from scratch on the same data" in view.caption.text()
    view.clear()
    assert view.data(TRANSFER, "accuracy") == ([], []) and view.caption.text() == WAITING
    with pytest.raises(ValueError, match="unknown run"):
        view.set_run("other", TRANSFER_RUN, 0.5)
