"""The kernel lab in the real main window: what is displayed equals explorer.core.lab.ops."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from explorer.core import arithmetic
from explorer.core.lab import kernels, ops


@pytest.fixture
def window(open_window):
    return open_window()


@pytest.fixture
def lab(window):
    return window.kernel_lab


@pytest.fixture
def photo(tmp_path):
    """A small colour PNG, loaded through the same path as File > Open."""
    rng = np.random.default_rng(3)
    pixels = (rng.random((40, 56, 3)) * 255).astype(np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    return path, pixels.astype(np.float32) / 255


def settle(qtbot, lab, action):
    """Do `action` and wait until the lab has drawn the result of it."""
    with qtbot.waitSignal(lab.rendered, timeout=10000):
        action()


def shown_maps(lab):
    """The maps as displayed, as (H, W, K) whatever the view mode."""
    data = np.asarray(lab.maps_view.current_maps())
    return np.concatenate(list(data), axis=-1) if data.ndim == 4 else data


def test_default_state_shows_the_china_photo_sharpened(lab):
    from explorer.core.lab.sample_images import sample

    china = sample("china")
    np.testing.assert_allclose(shown_maps(lab), ops.filter_image(china, kernels.PRESETS["sharpen"]), atol=1e-5)
    assert "⌊(427 + 2·1 − 3)/1⌋ + 1 = 427" in lab.shapes.text()
    assert "⌊(640 + 2·1 − 3)/1⌋ + 1 = 640" in lab.shapes.text()


def test_open_edit_and_settings_drive_the_maps(qtbot, lab, photo):
    path, image = photo
    settle(qtbot, lab, lambda: lab.source.load_path(path))
    np.testing.assert_allclose(lab.input_view.current_maps()[0], image, atol=1e-6)

    settle(qtbot, lab, lambda: lab.editor.apply_preset("edge-laplacian"))
    laplacian = kernels.PRESETS["edge-laplacian"]
    np.testing.assert_allclose(shown_maps(lab), ops.filter_image(image, laplacian), atol=1e-5)

    model = lab.editor.grid.model()
    settle(qtbot, lab, lambda: model.setData(model.index(0, 0), "2", Qt.EditRole))
    edited = laplacian.copy()
    edited[0, 0] = 2
    np.testing.assert_allclose(shown_maps(lab), ops.filter_image(image, edited), atol=1e-5)

    panel = lab.settings_panel
    settle(qtbot, lab, lambda: panel.modes.button(1).click())  # conv layer: sum over channels + bias
    settle(qtbot, lab, lambda: panel.padding.setCurrentIndex(panel.padding.findData("valid")))
    settle(qtbot, lab, lambda: panel.stride.setValue(2))
    settle(qtbot, lab, lambda: panel.pool.setCurrentIndex(panel.pool.findData("max")))
    bank = np.repeat(edited[:, :, None, None], 3, axis=2)
    conv = ops.conv2d(image, bank, stride=2, padding="valid") + lab.editor.bank().biases[0]
    np.testing.assert_allclose(shown_maps(lab), conv, atol=1e-5)
    np.testing.assert_allclose(lab.pooled_view.current_maps(), ops.pool2d(conv, 2), atol=1e-5)
    text = lab.shapes.text()
    assert arithmetic.output_size_formula(40, 3, 2, "valid") in text  # ⌊(40 + 2·0 − 3)/2⌋ + 1 = 19
    assert arithmetic.output_size_formula(19, 2, 2) in text
    assert arithmetic.conv_params_formula(3, 3, 1) in text  # (3·3·3 + 1)·1 = 28


def test_hover_explains_the_pixel_and_outlines_its_window(qtbot, lab):
    settle(qtbot, lab, lambda: lab.settings_panel.modes.button(1).click())
    lab.explain_pixel(0, 0, 0)
    assert "output (0, 0) reads input rows -1…1, columns -1…1" in lab.explain.arithmetic.text()
    rect = lab.input_view.highlight_rect()  # the window without its padding row/column: clipped to the image
    assert (rect.top(), rect.left(), rect.height(), rect.width()) == (0, 0, 2, 2)
    lab.explain_pixel(0, 5, 7)
    rect = lab.input_view.highlight_rect()
    assert (rect.top(), rect.left(), rect.height(), rect.width()) == (4, 6, 3, 3)


def test_bad_files_keep_the_previous_image(qtbot, lab, tmp_path):
    before = np.array(lab.input_view.current_maps())
    noise = _png_bytes()
    for name, data in [("empty.png", b""), ("text.png", b"not an image"), ("cut.png", noise[:len(noise) // 2])]:
        (tmp_path / name).write_bytes(data)
        assert not lab.source.load_path(tmp_path / name)
        assert name in lab.source.error_label.text() and "previous image is kept" in lab.source.error_label.text()
        np.testing.assert_array_equal(lab.input_view.current_maps(), before)


def test_impossible_shapes_explain_instead_of_crashing(qtbot, lab):
    panel = lab.settings_panel
    settle(qtbot, lab, lambda: panel.padding.setCurrentIndex(panel.padding.findData("valid")))
    lab.source.crop_box.setChecked(True)
    for name, value in (("height", 4), ("width", 4)):
        lab.source.crop_spins[name].setValue(value)
    settle(qtbot, lab, lambda: lab.editor.apply_preset("vertical-line"))  # 7x7 on a 4x4 crop
    assert "larger than the padded input" in lab.maps_view.message()
    assert "Impossible shape" in lab.shapes.text()
    settle(qtbot, lab, lambda: panel.padding.setCurrentIndex(panel.padding.findData("same")))
    assert lab.maps_view.message() is None


def test_exports_write_whole_files(qtbot, lab, tmp_path):
    png = lab.export_png(tmp_path / "maps.png")
    npy = lab.export_npy(tmp_path / "maps.dat")
    assert Image.open(png).size[0] > 100
    np.testing.assert_array_equal(np.load(npy), lab.shown()[1].maps)
    lab.copy_view()
    assert not QApplication.clipboard().pixmap().isNull()


def test_drop_and_paste_load_images(qtbot, lab, photo):
    path, image = photo
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    settle(qtbot, lab, lambda: lab.dropEvent(drop))
    np.testing.assert_allclose(lab.input_view.current_maps()[0], image, atol=1e-6)

    QApplication.clipboard().setImage(QImage(str(path)).flipped(Qt.Horizontal))
    settle(qtbot, lab, lab.source.paste)
    np.testing.assert_allclose(lab.input_view.current_maps()[0], image[:, ::-1], atol=1e-6)


def _png_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    noise = (np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8)  # a big IDAT to cut into
    Image.fromarray(noise).save(buffer, format="PNG")
    return buffer.getvalue()


def test_real_mouse_hover_and_click_pin_an_explanation(qtbot, lab):
    """Zoomed out, one screen pixel spans several map pixels: check the pixel the view reports."""
    from PySide6.QtTest import QTest

    settle(qtbot, lab, lambda: lab.settings_panel.modes.button(1).click())
    qtbot.wait(200)  # the view re-fits to the new maps on its next paint
    viewport = lab.maps_view.graphics.viewport()
    hovered = []
    lab.maps_view.pixel_hovered.connect(lambda *pixel: hovered.append(pixel))
    for y in (98, 100):  # a real pointer arrives through a stream of moves
        QTest.mouseMove(viewport, lab.maps_view.viewport_point(0, y, 200))
        qtbot.wait(30)
    qtbot.waitUntil(lambda: bool(hovered), timeout=3000)
    qtbot.wait(50)
    _, y, x = hovered[-1]
    assert abs(y - 100) <= 2 and abs(x - 200) <= 2
    assert lab.explain.title.text().startswith(f"<b>filter 1, pixel ({y}, {x})")
    target = lab.maps_view.viewport_point(0, 50, 60)
    QTest.mouseMove(viewport, target)
    qtbot.wait(30)
    with qtbot.waitSignal(lab.maps_view.pixel_clicked, timeout=3000) as clicked:
        QTest.mouseClick(viewport, Qt.LeftButton, pos=target)
    _, y, x = clicked.args
    assert lab.is_pinned() and f"pixel ({y}, {x})" in lab.explain.title.text()
    for near in (12, 10):  # pinned: hovering elsewhere no longer changes it
        QTest.mouseMove(viewport, lab.maps_view.viewport_point(0, near, 10))
        qtbot.wait(30)
    qtbot.wait(100)
    assert f"pixel ({y}, {x})" in lab.explain.title.text()


def test_a_pinned_explanation_follows_kernel_edits(qtbot, lab):
    lab.pin_pixel(0, 300, 100)  # in the trees: texture, so the kernels disagree
    before = lab.explain.arithmetic.text()
    settle(qtbot, lab, lambda: lab.editor.apply_preset("box-blur"))
    assert "pixel (300, 100)" in lab.explain.title.text() and lab.explain.arithmetic.text() != before
    step_value = lab.shown()[1].maps[300, 100, 0]
    assert f"= {step_value:.3f}".rstrip("0").replace("-", "\u2212") in lab.explain.title.text()


def test_depth_wise_and_global_pooling_are_shown(qtbot, lab):
    from explorer.core.lab import pipeline as lab_core

    panel = lab.settings_panel
    bank = lab_core.KernelBank.of([kernels.PRESETS["vertical-line"], kernels.PRESETS["horizontal-line"]])
    settle(qtbot, lab, lambda: lab.editor.set_bank(bank))
    settle(qtbot, lab, lambda: panel.modes.button(1).click())
    settle(qtbot, lab, lambda: panel.depth_pool.setValue(2))
    settle(qtbot, lab, lambda: panel.global_pool.setCurrentIndex(panel.global_pool.findData("max")))
    result = lab.shown()[1]
    assert lab.pooled_holder.isVisibleTo(lab) and "depth-wise" in lab.pooled_title.text()
    np.testing.assert_allclose(lab.pooled_view.current_maps(), result.depth_pooled)
    assert lab.pooled_view.current_labels() == ("max of filter 1 … filter 2",)
    assert "one number per map" in lab.shapes.text()
    assert np.allclose(result.depth_pooled, result.maps.max(axis=2, keepdims=True))


# ----------------------------------------------------------------- the state
def test_every_edit_replaces_the_state_and_the_controls_show_it(qtbot, lab):
    from dataclasses import replace

    start = lab.state()
    assert lab.request().bank is start.bank and lab.request().image is start.view
    settle(qtbot, lab, lambda: lab.editor.apply_preset("sobel-x"))
    after_preset = lab.state()
    assert after_preset is not start and after_preset == replace(start, bank=lab.editor.bank())
    np.testing.assert_array_equal(start.bank.kernels[0], kernels.PRESETS["sharpen"])  # the old value is kept
    settle(qtbot, lab, lambda: lab.settings_panel.stride.setValue(2))
    assert lab.state().settings == lab.settings_panel.settings() and lab.state().settings.stride == 2
    lab.levels.setCurrentIndex(lab.levels.findData("per-map"))
    lab.signed.setChecked(True)
    settle(qtbot, lab, lambda: lab.source.crop_box.setChecked(True))
    lab.editor.add_kernel()
    lab.editor.select_kernel(0)
    state = lab.state()
    assert (state.levels, state.signed, state.selected, len(state.bank)) == ("per-map", True, 0, 2)
    assert state.picture == lab.source.picture() and state.crop is not None
    lab.editor.undo_action.trigger()  # the added kernel goes again
    assert len(lab.state().bank) == 1 and lab.state().selected == 0
    assert lab.request().bank is lab.state().bank and lab.request().image is lab.state().view


def _restored_state(lab):
    from explorer.core.lab import pipeline as lab_core
    from explorer.core.lab.state import LabState

    rng = np.random.default_rng(11)
    return LabState(image=rng.random((30, 40, 3), dtype=np.float32), origin="noise.png", crop=(4, 5, 20, 25),
                    bank=lab_core.KernelBank.of([kernels.PRESETS["sobel-x"], kernels.PRESETS["emboss"]], [0.5, -1]),
                    settings=lab_core.LabSettings(mode="layer", padding="valid", stride=2, activation="relu",
                                                  pool="max", pool_size=2, pool_stride=2),
                    levels="per-map", signed=True, selected=1)


def test_setting_a_state_renders_it_and_reading_it_back_gives_the_same_value(qtbot, lab):
    state = _restored_state(lab)
    settle(qtbot, lab, lambda: lab.set_state(state))
    assert lab.state() is state
    assert lab.editor.bank() == state.bank and lab.editor.current_index() == 1
    assert lab.settings_panel.settings() == state.settings
    assert lab.levels.currentData() == "per-map" and lab.signed.isChecked()
    assert lab.source.crop_box.isChecked() and lab.source.picture() == state.picture
    assert [lab.source.crop_spins[n].value() for n in ("top", "left", "height", "width")] == [4, 5, 20, 25]
    np.testing.assert_array_equal(lab.input_view.current_maps()[0], state.image[4:24, 5:30])
    request, result = lab.shown()
    assert request.image is lab.state().view and request.bank == state.bank
    weights = state.bank.layer_weights(3)
    conv = np.maximum(ops.conv2d(state.view, weights, stride=2, padding="valid") + np.float32([0.5, -1]), 0)
    np.testing.assert_allclose(result.maps, conv, atol=1e-5)


def test_the_request_comes_from_the_state_not_from_the_controls(qtbot, lab):
    settle(qtbot, lab, lambda: lab.set_state(_restored_state(lab)))
    state = lab.state()
    stride = lab.settings_panel.stride
    stride.blockSignals(True)  # the control changes, but no edit reaches the lab
    stride.setValue(5)
    stride.blockSignals(False)
    assert lab.request().settings is state.settings and lab.request().settings.stride == 2
    assert lab.state() is state


def test_values_a_control_cannot_show_become_what_it_shows(qtbot, lab):
    from dataclasses import replace

    from explorer.core.lab import pipeline as lab_core

    state = _restored_state(lab)
    wide = replace(state, bank=lab_core.KernelBank.of(state.bank.kernels, [500.0, -1.0]),
                   settings=state.settings.with_(stride=20))
    settle(qtbot, lab, lambda: lab.set_state(wide))
    assert lab.state() != wide
    assert lab.state().bank.biases == (100.0, -1.0) == lab.editor.bank().biases
    assert lab.state().settings.stride == lab.settings_panel.stride.value() == 16
    assert lab.request().settings.stride == 16
