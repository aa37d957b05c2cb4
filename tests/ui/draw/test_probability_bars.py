"""ProbabilityBars: the bars, the large top guess, class names and the light and dark themes."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from explorer.core.render.luts import BACKGROUND_RGB
from explorer.ui.draw.probability_bars import ProbabilityBars
from explorer.ui.widgets.activations_view import ActivationsView
from explorer.ui.widgets.class_bars import TOP_RGB
from tests.ui.network_samples import DIGITS, explains_a_concept, make_prediction, show


def test_probability_bars(qtbot):
    view = ProbabilityBars()
    qtbot.addWidget(view)
    explains_a_concept(view)
    assert view.message() and view.guess_text() == ""
    p = np.full(10, 0.002, np.float64)
    p[7] = 1.0 - p.sum() + 0.002
    p = p / p.sum()
    view.set_probabilities(p, DIGITS)
    np.testing.assert_allclose(view.bar_values(), p, rtol=1e-6)
    item = view.bars.bar_item
    np.testing.assert_allclose(item.opts["width"], p)            # horizontal bars: length = p
    np.testing.assert_array_equal(item.opts["x0"], np.zeros(10))
    assert view.guess_text() == f"7 \u2014 {100 * p[7]:.1f}%" == "7 \u2014 98.2%"
    brushes = item.opts["brushes"]
    assert brushes[7].color() == QColor(*TOP_RGB)
    assert all(b.color() != QColor(*TOP_RGB) for i, b in enumerate(brushes) if i != 7)
    assert view.message() is None
    assert view.guess_label.font().pointSizeF() >= 30            # readable from the back row
    show(qtbot, view, (520, 560))
    view.grab().save("/tmp/nv_probabilities.png")
    # Another image: same items, new values and top guess.
    q = np.roll(p, -4)
    view.set_probabilities(q, DIGITS)
    assert view.bars.bar_item is item and view.guess_text() == "3 \u2014 98.2%"
    assert item.opts["brushes"][3].color() == QColor(*TOP_RGB)
    view.clear("Draw something.")
    assert view.message() == "Draw something." and view.guess_text() == ""
    view.grab().save("/tmp/nv_probabilities_empty.png")


def test_probability_bars_class_names(qtbot):
    view = ProbabilityBars()
    qtbot.addWidget(view)
    names = ("cat", "dog", "bird")
    view.set_probabilities(np.array([0.2, 0.7, 0.1]), names)
    assert view.guess_text() == "dog \u2014 70.0%"
    ticks = view.bars.axis._tickLevels[0]
    assert [t[1] for t in ticks] == list(names)
    view.set_probabilities(np.array([0.5, 0.5]))          # names missing: indices
    assert view.guess_text() == "0 \u2014 50.0%" and view.bars.bar_count == 2
    # A long name shrinks the guess to fit a narrow panel instead of widening the window.
    view.set_probabilities(np.array([0.03, 0.97]), ("T-shirt/top", "Ankle boot"))
    assert view.minimumSizeHint().width() < 200
    show(qtbot, view, (240, 300))
    label = view.guess_label
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    assert label.font().pointSizeF() < 40


def test_probability_bars_follow_the_light_and_dark_themes(qtbot):
    from explorer.ui.widgets.appearance import apply_theme

    view = ProbabilityBars()
    qtbot.addWidget(view)
    p = np.array([0.02, 0.9, 0.08] + [0.0] * 7)
    view.set_probabilities(p, DIGITS)
    bars = view.bars

    def lightness():  # background, class names, a value written past its bar (0.02: "2.0%")
        return (bars.backgroundBrush().color().lightness(), bars.axis.textPen().color().lightness(),
                bars._texts[0].color.lightness())

    background, names, value = lightness()
    assert background > 200 and names < 100 and value < 100
    try:
        apply_theme("dark")
        QApplication.processEvents()
        background, names, value = lightness()
        assert background < 80 and names > 180 and value > 180
        # The dark panel's bars (the activations' last layer) keep their own colours.
        dark_panel = ActivationsView()
        qtbot.addWidget(dark_panel)
        dark_panel.set_prediction(make_prediction())
        assert dark_panel.rows()[-1].body.backgroundBrush().color() == QColor(*BACKGROUND_RGB)
    finally:
        apply_theme("light")
        QApplication.processEvents()
    assert lightness()[0] > 200
