"""Lessons in the real window: made in one run, opened identically in another; bad files change nothing."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from explorer.core.lab.pipeline import KernelBank
from explorer.core.lesson import Lesson, read_lesson, training_to_json, write_lesson
from explorer.core.train.config import TrainConfig
from explorer.ui.shell.preferences import Preferences

REPO = pathlib.Path(__file__).resolve().parents[3]
TINY = TrainConfig(model="lenet5", dataset="digits", epochs=1, batch_size=16, limit=160, validation_split=0.2,
                   optimizer="adam", learning_rate=0.002)


@pytest.fixture
def window(open_window):
    return open_window()


def lab_snapshot(win):
    """Everything the kernel lab computes from: image, bank, settings, and the maps on screen."""
    request = win.kernel_lab.request()
    return request.image, request.bank, request.settings, np.asarray(win.kernel_lab.maps_view.current_maps())


def settle(qtbot, win, action):
    with qtbot.waitSignal(win.kernel_lab.rendered, timeout=10000):
        action()


def prepare_lesson_state(qtbot, win, tmp_path):
    """A teacher at home: a photo cropped, two edited kernels, Conv-layer settings, per-map levels."""
    lab = win.kernel_lab
    rng = np.random.default_rng(5)
    photo = tmp_path / "leaf.png"
    Image.fromarray((rng.random((60, 90, 3)) * 255).astype(np.uint8)).save(photo)
    settle(qtbot, win, lambda: lab.source.load_path(photo))
    settle(qtbot, win, lambda: lab.source.crop_box.setChecked(True))
    settle(qtbot, win, lambda: lab.source.crop_spins["top"].setValue(7))
    bank = KernelBank.of([[[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[0.1, 0.2, 0.3], [0, 0, 0], [-0.5, 0.25, 1e-3]]],
                         [0.5, -0.25])
    settle(qtbot, win, lambda: lab.editor.set_bank(bank))
    lab.editor.select_kernel(1)
    settings = lab.settings_panel.settings().with_(mode="layer", stride=2, padding="valid", activation="relu",
                                                   pool="max", pool_size=2)
    settle(qtbot, win, lambda: lab.settings_panel.set_settings(settings))
    lab.levels.setCurrentIndex(lab.levels.findData("per-map"))
    win.training.set_training_config(TINY)
    win.select_part("draw")


def train(qtbot, studio, config=TINY):
    with qtbot.waitSignal(studio.running_changed, check_params_cb=lambda running: not running, timeout=120000):
        assert studio.start(config, checkpoint_dir=None)


def assert_same_lab(a, b, *, exact_maps=True):
    """Same inputs bit for bit; the maps too, unless one run computed them with TensorFlow's engine."""
    (image_a, bank_a, settings_a, maps_a), (image_b, bank_b, settings_b, maps_b) = a, b
    assert np.array_equal(image_a, image_b)
    assert bank_a.biases == bank_b.biases
    assert all(np.array_equal(x, y) for x, y in zip(bank_a.kernels, bank_b.kernels, strict=True))
    assert settings_a == settings_b
    assert maps_a.shape == maps_b.shape
    if exact_maps:
        assert np.array_equal(maps_a, maps_b)
    else:
        np.testing.assert_allclose(maps_a, maps_b, rtol=1e-5, atol=1e-6)


def test_a_lesson_with_its_model_opens_identically_in_a_new_window(qtbot, open_window, tmp_path):
    home = open_window()
    prepare_lesson_state(qtbot, home, tmp_path)
    train(qtbot, home.training)
    before = lab_snapshot(home)
    lesson_path = tmp_path / "week 3.fmlesson"
    assert home.save_lesson_as(str(lesson_path)), home.lessons.last_error
    assert (tmp_path / "week 3.keras").is_file()  # the trained model beside the lesson
    assert home.windowTitle().startswith("week 3")
    probe = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    expected = home.training.trained_model()(probe).numpy()
    home.close()

    classroom = open_window()
    try:
        assert classroom.open_lesson(str(lesson_path)), classroom.lessons.last_error
        assert classroom.current_part() == "draw"
        with qtbot.waitSignal(classroom.kernel_lab.rendered, timeout=10000, raising=False):
            pass
        # Opening loaded TensorFlow (for the model), so these maps come from its engine, the saved ones from NumPy.
        assert_same_lab(before, lab_snapshot(classroom), exact_maps=False)
        lab = classroom.kernel_lab
        assert lab.editor.current_index() == 1 and lab.levels.currentData() == "per-map"
        assert lab.source.crop_box.isChecked() and lab.source.crop_spins["top"].value() == 7
        assert classroom.training.training_config() == TINY
        got = classroom.training.trained_model()(probe).numpy()
        np.testing.assert_array_equal(got, expected)
    finally:
        classroom.close()


def test_another_process_opens_the_lesson_to_the_same_numbers(qtbot, window, tmp_path):
    prepare_lesson_state(qtbot, window, tmp_path)
    before = lab_snapshot(window)
    lesson_path = tmp_path / "lesson.fmlesson"
    assert window.save_lesson_as(str(lesson_path))
    out = tmp_path / "other-run"
    script = textwrap.dedent(f"""
        import json, numpy as np
        from explorer.ui.shell.application import create_application
        from explorer.ui.shell.main_window import MainWindow
        from explorer.core.lesson import training_to_json
        app = create_application()
        win = MainWindow(auto_load_tf=False)
        win.resize(1280, 800); win.show()
        assert win.open_lesson({str(lesson_path)!r}), win.lessons.last_error
        assert win.wait_until_ready()
        while win.kernel_lab.request().serial != win.kernel_lab.shown()[0].serial:
            app.processEvents()
        request = win.kernel_lab.request()
        np.save({str(out) + "-image.npy"!r}, request.image)
        np.save({str(out) + "-maps.npy"!r}, np.asarray(win.kernel_lab.maps_view.current_maps()))
        print(json.dumps({{"part": win.current_part(), "training": training_to_json(win.training.training_config()),
                           "settings": repr(request.settings), "bank": [k.tolist() for k in request.bank.kernels],
                           "biases": list(request.bank.biases)}}))
        win.close()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    other = json.loads(done.stdout.strip().splitlines()[-1])
    image, bank, settings, maps = before
    assert other["part"] == "draw"
    assert other["training"] == training_to_json(TINY)
    assert other["settings"] == repr(settings)
    assert other["bank"] == [k.tolist() for k in bank.kernels] and other["biases"] == list(bank.biases)
    assert np.array_equal(np.load(str(out) + "-image.npy"), image)
    other_maps = np.load(str(out) + "-maps.npy")
    if "tensorflow" in sys.modules:  # an earlier test loaded it: this run's maps came from TF's engine
        np.testing.assert_allclose(other_maps, maps, rtol=1e-5, atol=1e-6)
    else:
        assert np.array_equal(other_maps, maps)


def test_a_lesson_restores_the_very_state_it_saved(qtbot, window, tmp_path):
    prepare_lesson_state(qtbot, window, tmp_path)
    lab = window.kernel_lab
    saved = lab.state()
    assert saved.selected == 1 and saved.levels == "per-map" and saved.crop is not None
    path = tmp_path / "state.fmlesson"
    assert window.save_lesson_as(str(path))
    assert read_lesson(path).lab == saved
    settle(qtbot, window, lambda: lab.editor.apply_preset("box-blur"))
    lab.levels.setCurrentIndex(lab.levels.findData("shared"))
    assert lab.state() != saved
    settle(qtbot, window, lambda: window.open_lesson(str(path)))
    assert lab.state() == saved
    assert lab.request().image is lab.state().view and lab.request().bank == saved.bank


def _close_boxes(win):
    boxes = [w for w in win.findChildren(QMessageBox) if w.isVisible()]
    for box in boxes:
        box.close()
    return boxes


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04 broken zip header"])
def test_a_damaged_lesson_is_explained_and_changes_nothing(qtbot, window, tmp_path, content):
    before = lab_snapshot(window)
    window.training.set_training_config(TINY)
    window.select_part("training")
    bad = tmp_path / "damaged.fmlesson"
    bad.write_bytes(content)
    assert not window.open_lesson(str(bad))
    assert "damaged.fmlesson" in window.lessons.last_error
    assert _close_boxes(window), "the reason is shown in the window"
    assert_same_lab(before, lab_snapshot(window))
    assert window.training.training_config() == TINY and window.current_part() == "training"
    assert window.windowTitle() == "Feature Map Explorer"


def saved_lesson_naming_model(qtbot, window, tmp_path, model_file: str):
    """A lesson saved from the window, then edited to name `model_file` as its model."""
    prepare_lesson_state(qtbot, window, tmp_path)
    path = tmp_path / "lesson.fmlesson"
    assert window.save_lesson_as(str(path))
    lesson = read_lesson(path)
    write_lesson(path, Lesson(lesson.part, lesson.lab, lesson.training, model_file=model_file))
    return path


def test_a_lesson_whose_model_is_damaged_changes_nothing(qtbot, window, open_window, tmp_path):
    path = saved_lesson_naming_model(qtbot, window, tmp_path, "lesson.keras")
    (tmp_path / "lesson.keras").write_bytes(b"this is not a zip archive")
    fresh = open_window()
    try:
        before = lab_snapshot(fresh)
        assert not fresh.open_lesson(str(path))
        assert "lesson.keras" in fresh.lessons.last_error
        _close_boxes(fresh)
        assert_same_lab(before, lab_snapshot(fresh))
        assert fresh.current_part() == "kernel-lab"
    finally:
        fresh.close()


def test_a_lesson_without_its_model_opens_and_says_so(qtbot, window, tmp_path):
    path = saved_lesson_naming_model(qtbot, window, tmp_path, "gone.keras")
    assert window.open_lesson(str(path))
    assert "gone.keras is not beside it" in window.statusBar().currentMessage()


def test_save_adds_the_suffix_and_lists_the_lesson_as_recent(qtbot, window, tmp_path):
    assert window.save_lesson_as(str(tmp_path / "intro"))
    assert (tmp_path / "intro.fmlesson").is_file()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts[0] == "&1 intro.fmlesson" and window.recent_menu.isEnabled()
    (tmp_path / "intro.fmlesson").unlink()
    window.recent_menu.actions()[0].trigger()  # a recent lesson that has gone away
    _close_boxes(window)
    assert window.preferences.recent_lessons() == []
    assert not window.recent_menu.isEnabled()


def test_save_into_a_missing_folder_is_explained(qtbot, window, tmp_path):
    assert not window.save_lesson_as(str(tmp_path / "no" / "such" / "lesson.fmlesson"))
    assert "lesson.fmlesson" in window.lessons.last_error
    _close_boxes(window)


def test_invalid_training_settings_block_saving_with_a_reason(qtbot, window, tmp_path):
    window.training.build()
    window.training.controls.learning_rate.setText("fast")
    assert not window.save_lesson_as(str(tmp_path / "x.fmlesson"))
    assert "learning rate" in window.lessons.last_error
    assert not (tmp_path / "x.fmlesson").exists()
    _close_boxes(window)


# ----------------------------------------------------------------- preferences
def test_preferences_remember_layout_appearance_and_choices(qtbot, open_window, tmp_path):
    ini = str(tmp_path / "settings.ini")
    first = open_window(preferences=Preferences(QSettings(ini, QSettings.Format.IniFormat)), size=None)
    first.set_theme("dark")
    first.set_ui_scale(150)
    first.set_colour_scheme("colour-blind")
    first.select_part("training")
    first.training.set_training_config(TINY)
    first.resize(700, 500)  # within the offscreen screen (800x600), which restoreGeometry respects
    first.close()

    second = open_window("training", Preferences(QSettings(ini, QSettings.Format.IniFormat)), size=None)
    try:
        assert second.theme() == "dark" and second.ui_scale() == 150
        assert second.scheme_actions["colour-blind"].isChecked()
        assert second.current_part() == "training"
        assert second.training.training_config() == TINY
        assert (second.width(), second.height()) == (700, 500)
    finally:
        second.set_theme("light")
        second.set_ui_scale(100)
        second.set_colour_scheme("classic")
        second.close()


def test_a_damaged_settings_file_falls_back_to_defaults(qtbot, open_window, tmp_path):
    ini = tmp_path / "settings.ini"
    ini.write_text("[appearance]\ntheme=purple\nscale=9000\ncolour_scheme=neon\n[window]\npart=nowhere\n"
                   "geometry=@ByteArray(garbage)\n[choices]\ntraining={\"model\": \"resnet\"}\n"
                   "[recent]\nlessons=7\n")
    win = open_window(preferences=Preferences(QSettings(str(ini), QSettings.Format.IniFormat)), size=None)
    try:
        assert win.theme() == "light" and win.ui_scale() == 100
        assert win.scheme_actions["classic"].isChecked() and win.current_part() == "kernel-lab"
        assert json.dumps(training_to_json(win.training.training_config()))  # still a valid configuration
    finally:
        win.close()


def test_recent_lessons_show_an_ampersand_literally(qtbot, window, tmp_path):
    assert window.save_lesson_as(str(tmp_path / "cats & dogs.fmlesson"))
    assert window.recent_menu.actions()[0].text() == "&1 cats && dogs.fmlesson"
