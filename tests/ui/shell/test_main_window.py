"""Main window: tabs, menus, About text, TensorFlow status, clean shutdown."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap
import threading

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from explorer import __version__
from explorer.ui.shell.about import build_about_text, runtime_versions
from explorer.ui.shell.main_window import (
    LOADING_TEXT,
    PART_TITLES,
    PARTS,
    MainWindow,
)

REPO = pathlib.Path(__file__).resolve().parents[3]


def fake_importer() -> str:
    return "9.9.9"


@pytest.fixture
def window(qtbot):
    # No real TensorFlow import: tests must not depend on (or wait for) it.
    win = MainWindow(auto_load_tf=False)
    qtbot.addWidget(win)
    return win


def test_window_opens_offscreen_with_title_and_icon(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    assert "Feature Map Explorer" in window.windowTitle()
    assert not window.windowIcon().isNull()


def test_four_tabs_with_the_right_names(window):
    titles = [window.tabs.tabText(i).replace("&&", "&") for i in range(window.tabs.count())]
    assert titles == ["Kernel lab", "Training", "Draw & classify", "Inside the network"]
    assert PARTS == ("kernel-lab", "training", "draw", "inside")
    assert [PART_TITLES[p] for p in PARTS] == titles


def test_part_attributes_are_the_tab_widgets(window):
    assert window.tabs.widget(0) is window.kernel_lab
    assert window.tabs.widget(1) is window.training
    assert window.tabs.widget(2) is window.draw
    assert window.tabs.widget(3) is window.inside


def test_kernel_lab_builds_after_the_first_paint_and_shows_formulas(window):
    window.show()
    assert window.wait_until_ready()
    assert "⌊(427 + 2·1 − 3)/1⌋ + 1 = 427" in window.kernel_lab.shapes.text()


@pytest.mark.parametrize("index, name", list(enumerate(PARTS)))
def test_select_part_switches_tab_and_view_menu(window, index, name):
    window.select_part(name)
    assert window.tabs.currentIndex() == index
    assert window.current_part() == name
    assert window.part_actions[name].isChecked()


def test_select_unknown_part_raises(window):
    with pytest.raises(ValueError, match="unknown part"):
        window.select_part("nope")


def test_view_actions_have_ctrl_number_shortcuts_and_switch_tabs(window):
    for number, name in enumerate(PARTS, start=1):
        action = window.part_actions[name]
        assert action.shortcut().toString() == f"Ctrl+{number}"
        action.trigger()
        assert window.current_part() == name


def test_menus_exist(window):
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]


def test_replace_part_keeps_tab_position_and_title(qtbot, window):
    window.select_part("draw")
    new = QWidget()
    window.replace_part("training", new)
    assert window.training is new
    assert window.tabs.widget(1) is new
    assert window.tabs.tabText(1) == "Training"
    assert window.current_part() == "draw"


def test_about_text_before_tensorflow_is_loaded():
    text = build_about_text(
        {"app": "1.2.3", "python": "3.11.0", "qt": "6.9.0", "pyside": "6.9.0",
         "tensorflow": "loading…", "keras": "loading…"}
    )
    assert "1.2.3" in text and "3.11.0" in text and "6.9.0" in text
    assert text.count("loading…") == 2


def test_runtime_versions_report_app_python_and_qt():
    versions = runtime_versions()
    assert versions["app"] == __version__
    assert versions["python"].count(".") == 2
    assert versions["qt"][0].isdigit()


def test_about_dialog_opens_without_blocking(qtbot, window):
    box = window.show_about()
    qtbot.addWidget(box)
    assert isinstance(box, QMessageBox)
    assert box.isVisible()
    assert __version__ in box.text()
    assert "Python" in box.text() and "Qt" in box.text()
    box.close()


def test_status_bar_starts_loading_then_shows_version(qtbot):
    window = MainWindow(auto_load_tf=False, tf_importer=lambda: "2.99.0")
    qtbot.addWidget(window)
    assert window.tf_status.text() == LOADING_TEXT
    with qtbot.waitSignal(window.tensorflow_ready, timeout=5000):
        window.tf_loader.start()
    assert window.tf_status.text() == "TensorFlow 2.99.0 ready"
    assert window.tf_version == "2.99.0"


def _no_tensorflow() -> str:
    raise ModuleNotFoundError("No module named 'tensorflow'")


def test_status_bar_shows_import_error_without_crashing(qtbot):
    window = MainWindow(auto_load_tf=False, tf_importer=_no_tensorflow)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.tf_loader.errored, timeout=5000):
        window.tf_loader.start()
    text = window.tf_status.text()
    assert "could not be loaded" in text
    assert "No module named 'tensorflow'" in text
    if "tensorflow" not in sys.modules:
        assert "not available" in window.about_text()


def test_loader_runs_after_first_paint_and_updates_status(qtbot):
    win = MainWindow(tf_importer=fake_importer)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.tensorflow_ready, timeout=5000) as blocker:
        win.show()
    assert blocker.args == ["9.9.9"]
    assert win.tf_status.text() == "TensorFlow 9.9.9 ready"
    qtbot.waitUntil(lambda: not win.tf_loader.is_running(), timeout=2000)


def test_loader_error_reaches_status_bar(qtbot):
    def failing_importer() -> str:
        raise ImportError("libfoo.so: cannot open shared object file")

    win = MainWindow(tf_importer=failing_importer)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.tf_loader.errored, timeout=5000):
        win.show()
    assert "ImportError: libfoo.so" in win.tf_status.text()


def test_closing_while_loader_runs_waits_for_it(qtbot):
    started, release = threading.Event(), threading.Event()

    def slow_importer() -> str:
        started.set()
        release.wait(5)
        return "1.0.0"

    win = MainWindow(tf_importer=slow_importer)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert win.tf_loader.is_running()
    # Let the import finish a little later, while close() is waiting for it.
    threading.Timer(0.2, release.set).start()
    win.close()
    assert not win.tf_loader.is_running()


def test_no_loader_without_auto_load(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert not window.tf_loader.is_started()


def test_showing_the_window_does_not_import_tensorflow():
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from explorer.ui.shell.main_window import MainWindow

        def heavy():
            found = [m for m in ("tensorflow", "keras", "pyqtgraph") if m in sys.modules]
            return ",".join(found) or "none"

        app = QApplication([])
        # Run a full first paint without the loader; nothing heavy before it...
        quiet = MainWindow(auto_load_tf=False)
        quiet.first_painted.connect(lambda: print("AT_PAINT", heavy()))
        QTimer.singleShot(1500, app.quit)  # ...the kernel lab builds after it, TensorFlow never
        quiet.show()
        app.exec()
        print("AFTER_PAINT", heavy())
        # ...and build + show a default window: the import must not happen here.
        win = MainWindow()
        win.show()
        print("AFTER_SHOW", heavy(), "loader started:", win.tf_loader.is_started())
        win.close()
        quiet.close()
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "AT_PAINT none" in result.stdout
    assert "AFTER_PAINT pyqtgraph" in result.stdout  # the lab's views, built after the paint
    after_show = next(line for line in result.stdout.splitlines() if line.startswith("AFTER_SHOW"))
    assert "tensorflow" not in after_show and "keras" not in after_show
    assert after_show.endswith("loader started: False")


def _all_label_text(widget: QWidget) -> str:
    from PySide6.QtWidgets import QLabel

    return "\n".join(label.text() for label in widget.findChildren(QLabel))
