"""Accessibility of the real window: every control explains itself, Tab follows the layout, text follows the UI scale.

The window is built with every part (parts are built lazily) and walked
widget by widget. "Controls" are the widgets a user operates or reads with
the keyboard: buttons, spin boxes, combo boxes, sliders, text fields, item
views, tab bars, graphics views and any other widget that takes the focus
with Tab, minus the sub-widgets Qt builds inside them (a spin box's line
edit, a combo box's popup, scroll bars, headers, viewports).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QHelpEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGraphicsView,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QToolTip,
    QWidget,
)

from explorer.core.train.updates import Failed
from explorer.ui.shell.main_window import PARTS, MainWindow

CONTROL_TYPES = (QAbstractButton, QAbstractSpinBox, QComboBox, QAbstractSlider, QLineEdit, QTextEdit,
                 QPlainTextEdit, QAbstractItemView, QTabBar, QGraphicsView)
# Controls a user types into or presses: these must never be out of the keyboard's reach.
INPUT_TYPES = (QAbstractButton, QAbstractSpinBox, QComboBox, QAbstractSlider, QLineEdit, QTextEdit, QPlainTextEdit)
# Widgets whose descendants are Qt's own machinery, not controls of the app.
COMPOUND_TYPES = (QAbstractSpinBox, QComboBox, QTabBar, QAbstractItemView, QGraphicsView, QTextEdit, QPlainTextEdit)


@pytest.fixture
def window(qtbot, open_window):
    win = open_window()
    qtbot.waitExposed(win)
    for name in PARTS:
        win.select_part(name)
        assert win.wait_until_ready()
    return win


@pytest.fixture
def restore_font():
    """Put the application font back however the test ends (the other tests expect the default)."""
    original = QFont(QApplication.font())
    yield original
    QApplication.setFont(original)
    QApplication.processEvents()


def _part(window: MainWindow, name: str) -> QWidget:
    return {"kernel-lab": window.kernel_lab, "training": window.training, "draw": window.draw,
            "inside": window.inside}[name]


# ----------------------------------------------------------------- what counts as a control
def _is_internal(widget: QWidget, root: QWidget) -> bool:
    """Qt's sub-widgets: scroll bars, focus-proxied viewports, anything inside a compound widget."""
    if isinstance(widget, QScrollBar) or widget.focusProxy() is not None:
        return True
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, COMPOUND_TYPES) or (isinstance(parent, QAbstractScrollArea)
                                                  and not isinstance(parent, QScrollArea)):
            return True
        parent = parent.parentWidget()
    return False


def _tab_focusable(widget: QWidget) -> bool:
    return bool(widget.focusPolicy().value & Qt.FocusPolicy.TabFocus.value)


def _is_control(widget: QWidget, root: QWidget) -> bool:
    return (isinstance(widget, CONTROL_TYPES) or _tab_focusable(widget)) and not _is_internal(widget, root)


def controls(root: QWidget) -> list[QWidget]:
    """Every control inside `root`, shown or hidden, enabled or not."""
    return [w for w in root.findChildren(QWidget) if _is_control(w, root)]


def focus_chain(root: QWidget) -> list[QWidget]:
    """The Tab-focusable controls inside `root`, in the order of the window's focus chain."""
    chain, widget = [], root.nextInFocusChain()
    for _ in range(10000):  # the chain is a ring; the guard only protects against a broken one
        if widget is root:
            return chain
        if root.isAncestorOf(widget) and _tab_focusable(widget) and not _is_internal(widget, root):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    raise AssertionError("the focus chain never came back to the part")


def where(widget: QWidget) -> str:
    """Class, objectName and parent chain, to find an offender in the code."""
    chain = []
    parent = widget.parentWidget()
    while parent is not None and len(chain) < 6:
        chain.append(f"{type(parent).__name__}({parent.objectName()!r})")
        parent = parent.parentWidget()
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__}({widget.objectName()!r}, text={text!r}) in {' < '.join(chain)}"


# ----------------------------------------------------------------- names and tooltips
@pytest.mark.parametrize("name", PARTS)
def test_every_control_has_a_tooltip_and_an_accessible_name(window, name):
    part = _part(window, name)
    found = controls(part)
    assert len(found) >= 15, [where(w) for w in found]
    missing = [f"{where(w)}: {'no tooltip ' if not w.toolTip().strip() else ''}"
               f"{'no accessible name' if not w.accessibleName().strip() else ''}"
               for w in found if not (w.toolTip().strip() and w.accessibleName().strip())]
    assert not missing, "controls without tooltip or accessible name:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", PARTS)
def test_every_tab_of_a_tab_bar_has_a_tooltip(window, name):
    part = _part(window, name)
    for bar in (w for w in part.findChildren(QTabBar) if not _is_internal(w, part)):
        untipped = [bar.tabText(i) for i in range(bar.count()) if not bar.tabToolTip(i).strip()]
        assert not untipped, f"tabs without tooltip in {where(bar)}: {untipped}"


def test_tooltips_explain_concepts_in_the_course_notes_words(window):
    lab, studio = window.kernel_lab, window.training
    settings, train = lab.settings_panel, studio.controls
    expectations = {
        settings.padding: ("valid", "same", "zeros"),
        settings.stride: ("stride 2 halves",),
        settings.pool: ("max pooling", "no parameters to learn"),
        lab.shapes: ("(kh·kw·c_in + 1)·filters",),
        train.epochs: ("whole training set",),
        train.batch_size: ("gradient step",),
        train.validation_split: ("held back",),
        train.rotation: ("augmentation", "overfit"),
        window.draw.bars: ("softmax",),
    }
    for widget, words in expectations.items():
        for word in words:
            assert word.lower() in widget.toolTip().lower(), (widget.accessibleName(), word)


def test_every_concept_is_explained_in_one_sentence():
    from explorer.ui.widgets.help_text import CONCEPTS

    for key, text in CONCEPTS.items():
        assert text[0].isupper() and text.endswith(".") and ". " not in text, key


def test_the_custom_layer_editor_explains_its_controls(qtbot):
    from explorer.ui.training.layer_editor import LayerEditorDialog

    dialog = LayerEditorDialog()
    qtbot.addWidget(dialog)
    found = controls(dialog)
    assert len(found) >= 4
    missing = [where(w) for w in found if not (w.toolTip().strip() and w.accessibleName().strip())]
    assert not missing, missing


def test_the_maps_tooltip_never_covers_the_pixel_being_explained(qtbot):
    """Over a map pixel the hover explains that pixel; the concept tooltip shows around the maps only."""
    from explorer.ui.widgets.feature_maps import FeatureMapView

    view = FeatureMapView()
    qtbot.addWidget(view)
    view.describe("Feature maps", "Feature maps: a test concept.")
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_maps(np.ones((8, 8, 2), np.float32), ["a", "b"])
    QApplication.processEvents()
    viewport = view.graphics.viewport()

    def tooltip_at(pos: QPoint) -> str:
        QToolTip.hideText()
        QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos)))
        return QToolTip.text() if QToolTip.isVisible() else ""

    assert tooltip_at(view.viewport_point(0, 3, 3)) == ""
    assert tooltip_at(QPoint(2, 2)) == "Feature maps: a test concept."  # the margin around the mosaic
    QToolTip.hideText()


# ----------------------------------------------------------------- keyboard
@pytest.mark.parametrize("name", PARTS)
def test_the_keyboard_reaches_every_control(window, name):
    part = _part(window, name)
    unreachable = [where(w) for w in controls(part) if isinstance(w, INPUT_TYPES) and not _tab_focusable(w)]
    assert not unreachable, "controls Tab never reaches:\n" + "\n".join(unreachable)
    chain = focus_chain(part)
    focusable = [w for w in controls(part) if _tab_focusable(w)]
    assert not [where(w) for w in focusable if w not in chain]


def _rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _reads_before(a: QRect, b: QRect) -> bool:
    """Reading order: on one line (the boxes share most of their height) left to right, else top to bottom."""
    overlap = min(a.bottom(), b.bottom()) - max(a.top(), b.top())
    if overlap > 0.5 * min(a.height(), b.height()):
        return a.left() < b.left()
    return a.center().y() < b.center().y()


def _columns(window: MainWindow) -> dict[str, QWidget]:
    lab, studio, pad = window.kernel_lab, window.training, window.draw
    return {
        "kernel lab: image and layer settings": lab.settings_panel.parentWidget(),
        "kernel lab: kernel editor": lab.editor,
        "training: settings and buttons": studio.controls.parentWidget(),
        "draw: pad and its tools": pad.canvas.parentWidget(),
    }


def test_tab_follows_the_reading_order_of_each_column(window):
    for name in PARTS:  # every part on screen once, so every column has its geometry
        window.select_part(name)
        window.wait_until_ready()
        for title, column in _columns(window).items():
            if not column.isVisible():
                continue
            shown = [w for w in focus_chain(column) if w.isVisible()]
            assert len(shown) >= 5, title
            for a, b in zip(shown, shown[1:]):
                assert _reads_before(_rect(a, window), _rect(b, window)), \
                    f"{title}: Tab goes from {a.accessibleName()!r} to {b.accessibleName()!r}"


def _order(chain: list[QWidget], expected: list[QWidget]) -> list[str]:
    return [w.accessibleName() for w in sorted(expected, key=chain.index)]


def test_each_part_is_tabbed_through_column_by_column(window):
    lab, studio, pad = window.kernel_lab, window.training, window.draw
    s = lab.settings_panel
    lab_order = [lab.source.samples, s.modes.button(0), s.padding, *s.explicit, s.stride, s.dilation, s.activation,
                 s.pool, s.pool_size, s.pool_stride, s.depth_pool, s.global_pool, lab.input_view.graphics,
                 lab.levels, lab.signed, lab.maps_view.graphics, lab.pooled_view.graphics, lab.editor.preset_button,
                 lab.editor.grid, lab.editor.bank_list, lab.editor.remove_button]
    c = studio.controls
    studio_order = [c.model, c.dataset, c.data_dir, c.limit, c.validation_split, c.optimizer, c.learning_rate,
                    c.batch_size, c.epochs, c.patience, c.rotation, c.translation, c.zoom, studio.buttons["start"],
                    studio.buttons["export"], studio.curves.plots["loss"], studio.curves.plots["accuracy"],
                    studio.tabs.tabBar(), studio.follow_drawing, studio.activations.input_row.body]
    pad_order = [pad.canvas, pad.brush, pad.eraser, pad.sample_label, pad.quick_button, pad.load_button,
                 pad.bars.bars, pad.heat_box, pad.steps.graphics]
    for part, expected in ((lab, lab_order), (studio, studio_order), (pad, pad_order)):
        chain = focus_chain(part)
        assert _order(chain, expected) == [w.accessibleName() for w in expected]


def test_tab_moves_through_the_layer_settings_as_displayed(qtbot, window):
    window.select_part("kernel-lab")
    window.activateWindow()
    s = window.kernel_lab.settings_panel
    s.pool.setCurrentIndex(s.pool.findData("max"))  # pool size and stride are only reachable with pooling on
    expected = [s.padding, s.stride, s.dilation, s.activation, s.pool, s.pool_size, s.pool_stride, s.depth_pool,
                s.global_pool]
    s.padding.setFocus()
    qtbot.waitUntil(s.padding.hasFocus)
    visited = [s.padding]
    for _ in expected[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        # A spin box's line edit holds the focus on behalf of its spin box.
        visited.append(focus.parentWidget() if isinstance(focus.parentWidget(), QAbstractSpinBox) else focus)
    assert [w.accessibleName() for w in visited] == [w.accessibleName() for w in expected]


# ----------------------------------------------------------------- the UI scale
def _pixels(font: QFont) -> int:
    return QFontInfo(font).pixelSize()


def _tick_pixels(axis, widget: QWidget) -> int:
    """pyqtgraph draws tick values in the axis's tick font, or in the view's font when it has none."""
    return _pixels(axis.style["tickFont"] or widget.font())


def _text_sizes(window: MainWindow) -> dict[str, float]:
    """Sizes of texts that Qt alone would leave at a fixed size."""
    lab, studio, pad = window.kernel_lab, window.training, window.draw
    loss = studio.curves.plots["loss"].getPlotItem()
    bar_axis = lab.maps_view.color_bar.getAxis("bottom")
    return {
        "feature-map message": _pixels(lab.maps_view.message_label.font()),
        "colour-bar ticks": _tick_pixels(bar_axis, lab.maps_view.color_bar_widget),
        "curves axis ticks": _tick_pixels(loss.getAxis("bottom"), studio.curves.plots["loss"]),
        "curves axis label": loss.getAxis("bottom").label.boundingRect().height(),
        "curves title": loss.titleLabel.item.boundingRect().height(),
        "explain grid numbers": _pixels(lab.explain.patch.font()),
        "image error line": _pixels(lab.source.error_label.font()),
        "kernel editor message": _pixels(lab.editor.status_label.font()),
        "training status (an error)": _pixels(studio.status.font()),
        "confusion caption": _pixels(studio.confusion.caption.font()),
        "activations message": _pixels(studio.activations.message_label.font()),
        "probability message": _pixels(pad.bars.message_label.font()),
        "top guess": _pixels(pad.bars.guess_label.font()),
        "class names": _tick_pixels(pad.bars.bars.axis, pad.bars.bars),
    }


def test_text_follows_the_application_font(qtbot, window, restore_font):
    window.kernel_lab.maps_view.set_message("No feature maps: a test message.")
    window.training.build()
    window.training.controller.progressed.emit(Failed(message="Cannot start: a test error."))  # the red status line
    before = _text_sizes(window)
    bar_height = window.kernel_lab.maps_view.color_bar_widget.height()
    bigger = QFont(restore_font)
    bigger.setPointSizeF(restore_font.pointSizeF() * 2)
    QApplication.setFont(bigger)
    qtbot.waitUntil(lambda: _pixels(window.kernel_lab.shapes.font()) > _pixels(restore_font) * 1.5)
    QApplication.processEvents()
    after = _text_sizes(window)
    smaller = {key: (before[key], after[key]) for key in before if not after[key] >= 1.5 * before[key]}
    assert not smaller, f"texts that did not follow the doubled font (before, after): {smaller}"
    # The colour bar's strip keeps its thickness; its ticks and caption need the room of the bigger text.
    assert window.kernel_lab.maps_view.color_bar_widget.height() > 1.3 * bar_height


def test_the_layer_editor_text_follows_the_application_font(qtbot, restore_font):
    from explorer.ui.training.layer_editor import LayerEditorDialog

    dialog = LayerEditorDialog()
    qtbot.addWidget(dialog)
    before = _pixels(dialog.text.font())
    bigger = QFont(restore_font)
    bigger.setPointSizeF(restore_font.pointSizeF() * 2)
    QApplication.setFont(bigger)
    qtbot.waitUntil(lambda: _pixels(dialog.text.font()) >= 1.5 * before)
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert QFontInfo(dialog.text.font()).family() == QFontInfo(fixed).family()  # still the fixed-width family
