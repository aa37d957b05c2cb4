"""The live loss and accuracy curves: what each update draws, and what it leaves alone."""

from __future__ import annotations

import math

from explorer.core.train.updates import BatchDone, EpochDone, Paused
from explorer.ui.training.curves_view import INITIAL_LOSS_TOP, CurvesView


def _batch(batch: int, loss: float, history=None) -> BatchDone:
    return BatchDone(epochs=2, epoch=2, batch=batch, batches=10, metrics={"loss": loss, "accuracy": 0.5},
                     history=history or {})


def test_batches_extend_the_live_line_and_history_is_drawn_once(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.reset(2)
    history = {"loss": (1.5,), "accuracy": (0.6,), "val_loss": (1.2,), "val_accuracy": (0.7,)}
    drawn = []
    view.lines["loss"].sigPlotChanged.connect(lambda *_: drawn.append("loss"))
    for batch in (2, 4, 6):
        view.show_update(_batch(batch, 0.9, history))
    assert drawn == ["loss"]  # the same history three times: its line (with symbols) is set once
    assert view.data("loss") == ([1], [1.5]) and view.data("val_accuracy") == ([1], [0.7])
    xs, ys = view.data("live_loss")
    assert [round(x, 6) for x in xs] == [1.2, 1.4, 1.6] and ys == [0.9, 0.9, 0.9]


def test_an_epoch_ends_the_live_line_and_a_pause_continues_it(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.reset(2)
    view.show_update(_batch(5, 0.9))
    view.show_update(Paused(epochs=2, epoch=2, batch=5, batches=10, metrics={"loss": 0.9, "accuracy": 0.5}))
    assert len(view.data("live_loss")[0]) == 2  # the pause shows where training is held
    view.show_update(EpochDone(epochs=2, epoch=2, batch=10, batches=10, metrics={"loss": 0.8},
                               history={"loss": (1.0, 0.8)}))
    assert view.data("loss") == ([1, 2], [1.0, 0.8])
    view.show_update(_batch(1, 0.7))
    assert view.data("live_loss")[1] == [0.7]  # a fresh live line for the next epoch


def test_the_loss_axis_starts_above_an_untrained_guess_and_only_grows(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.reset(2)
    top = lambda: view.plots["loss"].getViewBox().state["targetRange"][1][1]  # noqa: E731  (the range asked for)
    assert INITIAL_LOSS_TOP > math.log(10) and top() >= INITIAL_LOSS_TOP
    view.show_update(_batch(1, 2.31))  # a first batch of ten classes: no re-ranging
    assert top() < INITIAL_LOSS_TOP * 1.05
    view.show_update(_batch(2, 7.0))  # diverging: the axis makes room
    assert top() >= 7.0
    view.show_update(_batch(3, 0.2))
    assert top() >= 7.0


def test_each_legend_sits_in_the_corner_its_lines_leave_empty(qtbot):
    from PySide6.QtWidgets import QApplication

    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    for metric, low in (("loss", False), ("accuracy", True)):  # loss falls, accuracy rises
        item = view.plots[metric].getPlotItem()
        legend = item.legend.sceneBoundingRect()
        box = item.getViewBox().sceneBoundingRect()
        assert legend.right() > box.center().x()
        assert (legend.center().y() > box.center().y()) == low, metric


def test_the_plots_follow_the_light_and_dark_themes(qtbot):
    from PySide6.QtWidgets import QApplication

    from explorer.ui.widgets.appearance import apply_theme

    view = CurvesView()
    qtbot.addWidget(view)

    def colours(metric: str):
        item = view.plots[metric].getPlotItem()
        background = view.plots[metric].backgroundBrush().color()
        return background, item.getAxis("left").textPen().color(), item.legend.opts["labelTextColor"]

    light_background, light_ticks, _ = colours("loss")
    assert light_background.lightness() > 200 and light_ticks.lightness() < light_background.lightness() - 100
    try:
        apply_theme("dark")
        QApplication.processEvents()
        for metric in view.plots:
            background, ticks, legend = colours(metric)
            assert background.lightness() < 60, metric
            assert ticks.lightness() > background.lightness() + 100 and legend.lightness() > 200
    finally:
        apply_theme("light")
        QApplication.processEvents()
    assert colours("accuracy")[0] == light_background


def test_a_replayed_moment_shows_the_curves_up_to_then_with_a_marker(qtbot):
    from explorer.core.train.replay import ReplayMoment

    view = CurvesView()
    qtbot.addWidget(view)
    view.reset(3)
    first = BatchDone(epochs=3, epoch=1, batch=3, batches=10, metrics={"loss": 2.0, "accuracy": 0.2})
    view.show_update(first)
    view.show_update(BatchDone(epochs=3, epoch=1, batch=6, batches=10, metrics={"loss": 1.5, "accuracy": 0.4}))
    one = {"loss": (1.2,), "val_loss": (1.1,), "accuracy": (0.6,), "val_accuracy": (0.65,)}
    view.show_update(EpochDone(epochs=3, epoch=1, batch=10, batches=10, metrics={"loss": 1.2}, history=one))
    two = {key: (*values, values[0] / 2) for key, values in one.items()}
    view.show_update(EpochDone(epochs=3, epoch=2, batch=10, batches=10, metrics={"loss": 0.6}, history=two))
    assert view.marker_position() is None and len(view.data("loss")[0]) == 2

    inside = ReplayMoment(epoch=1, batch=4, batches=10, epochs=3, weights=(), metrics={"loss": 1.8})
    view.show_moment(inside)
    assert view.marker_position() == 0.4 and view.markers["loss"].isVisible()
    assert view.data("loss") == ([], []) and view.data("live_loss") == ([0.3], [2.0])  # up to the moment
    assert view.data("moment_loss") == ([0.4], [1.8])
    # A live update while replaying is kept for later, not drawn.
    three = {key: (*values, values[-1]) for key, values in two.items()}
    view.show_update(EpochDone(epochs=3, epoch=3, batch=10, batches=10, metrics={"loss": 0.6}, history=three))
    assert view.data("loss") == ([], [])
    end_one = ReplayMoment(epoch=1, batch=10, batches=10, epochs=3, weights=(), history=one, epoch_end=True,
                           metrics={"loss": 1.2, "val_loss": 1.1})
    view.show_moment(end_one)
    assert view.data("loss") == ([1], [1.2]) and view.data("live_loss") == ([], [])
    assert view.data("moment_loss") == ([1.0, 1.0], [1.2, 1.1])
    view.show_live()
    assert view.marker_position() is None and not view.markers["loss"].isVisible()
    assert view.data("loss")[0] == [1, 2, 3] and view.data("moment_loss") == ([], [])
