"""Presentation mode: full screen, UI scale, themes, colour schemes; Help: concepts, shortcuts, About."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from explorer.ui.widgets.appearance import SCALES


@pytest.fixture
def window(open_window):
    win = open_window()
    base = QApplication.font().pointSizeF()
    yield win
    win.set_ui_scale(100)
    win.set_theme("light")
    win.set_colour_scheme("classic")
    assert QApplication.font().pointSizeF() == pytest.approx(base)


def test_scale_multiplies_the_application_font_and_back(window):
    base = QApplication.font().pointSizeF()
    label = window.tf_status
    before = label.fontInfo().pointSizeF()
    for percent in SCALES:
        window.set_ui_scale(percent)
        assert QApplication.font().pointSizeF() == pytest.approx(base * percent / 100)
        assert window.scale_actions[percent].isChecked() and window.preferences.scale == percent
    QApplication.processEvents()  # Qt posts the font change to the widgets
    assert label.fontInfo().pointSizeF() > 1.8 * before  # widgets follow the application font
    window.set_ui_scale(100)
    assert QApplication.font().pointSizeF() == pytest.approx(base)


def test_zoom_shortcuts_step_through_the_scales(qtbot, window):
    window.activateWindow()
    for expected in (125, 150, 175, 200, 200):
        qtbot.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert window.ui_scale() == expected
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.ui_scale() == 175
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.ui_scale() == 100


def test_impossible_scale_is_refused(window):
    with pytest.raises(ValueError, match="100"):
        window.set_ui_scale(300)
    assert window.ui_scale() == 100


def test_dark_and_light_themes_switch_the_palette(window):
    window.set_theme("dark")
    dark = QApplication.palette()
    assert dark.color(QPalette.ColorRole.Window).lightness() < 80
    assert dark.color(QPalette.ColorRole.WindowText).lightness() > 200
    assert window.theme() == "dark" and window.preferences.theme == "dark"
    dark_png = window.grab().toImage()
    window.set_theme("light")
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 180
    light_png = window.grab().toImage()
    assert dark_png != light_png
    with pytest.raises(ValueError, match="light"):
        window.set_theme("neon")


def test_f11_toggles_full_screen(qtbot, window):
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.isFullScreen() and window.full_screen_action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert not window.isFullScreen() and not window.full_screen_action.isChecked()


def test_f1_opens_the_concepts_panel_and_search_filters_it(qtbot, window):
    assert not window.concepts.isVisible()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.concepts.isVisible()
    text = window.concepts.browser.toPlainText()
    assert "(3·3·1 + 1)·32 = 320" in text and "18,496" in text and "Padding" in text
    window.concepts.search.setText("max pooling")
    filtered = window.concepts.browser.toPlainText()
    assert "Max pooling" in filtered and "Softmax" not in filtered
    window.concepts.search.setText("zzzz")
    assert "No concept matches" in window.concepts.browser.toPlainText()


def test_shortcut_list_names_every_menu_shortcut(qtbot, window):
    dialog = window.show_shortcuts()
    rows = {(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text()) for r in range(dialog.table.rowCount())}
    for keys, command in (("F11", "Full screen"), ("F1", "Concepts"), ("Ctrl+S", "Save lesson"),
                          ("Ctrl+Shift+O", "Open lesson"), ("Ctrl+1", "Kernel lab"), ("Ctrl+Q", "Quit")):
        assert (keys, command) in rows
    # the kernel editor's own shortcuts are listed too, with where they work
    assert any(dialog.table.item(r, 2).text() != "Everywhere" for r in range(dialog.table.rowCount()))
    dialog.close()


def test_about_names_the_versions(window):
    text = window.about_text()
    for name in ("Python", "Qt", "TensorFlow", "Keras"):
        assert name in text


def test_colour_schemes_recolour_maps_kernels_and_activations(qtbot, window):
    lab = window.kernel_lab
    with qtbot.waitSignal(lab.rendered, timeout=10000):
        lab.settings_panel.set_settings(lab.settings_panel.settings().with_(mode="layer"))
    maps_before = lab.maps_view.render_png_array(with_labels=False)
    photo_before = lab.input_view.render_png_array(with_labels=False)
    cell = lab.editor.model.index(0, 1)  # a negative weight of the sharpen kernel
    cell_before = cell.data(Qt.ItemDataRole.BackgroundRole)
    window.set_colour_scheme("colour-blind")
    assert window.scheme_actions["colour-blind"].isChecked()
    maps_after = lab.maps_view.render_png_array(with_labels=False)
    assert maps_after.shape == maps_before.shape and not np.array_equal(maps_after, maps_before)
    cell_after = cell.data(Qt.ItemDataRole.BackgroundRole)
    assert cell_after != cell_before
    assert window.preferences.colour_scheme == "colour-blind"
    # the input photo is not a map: it keeps its own colours
    assert np.array_equal(lab.input_view.render_png_array(with_labels=False), photo_before)
    window.set_colour_scheme("classic")
    assert np.array_equal(lab.maps_view.render_png_array(with_labels=False), maps_before)
    with pytest.raises(ValueError, match="classic"):
        window.set_colour_scheme("rainbow")


def test_a_scheme_change_repaints_the_bank_thumbnails_and_keeps_the_selection(qtbot, window):
    from explorer.core.lab.kernels import PRESETS
    from explorer.core.lab.pipeline import KernelBank

    editor = window.kernel_lab.editor
    editor.set_bank(KernelBank.of([PRESETS["vertical-line"], PRESETS["horizontal-line"]]))
    before = [editor.bank_list.item(i).icon().pixmap(32).toImage() for i in range(2)]
    window.set_colour_scheme("colour-blind")
    assert editor.bank_list.count() == 2 and editor.bank_list.currentRow() == 0 and editor.current_index() == 0
    after = [editor.bank_list.item(i).icon().pixmap(32).toImage() for i in range(2)]
    assert all(a != b for a, b in zip(after, before))
