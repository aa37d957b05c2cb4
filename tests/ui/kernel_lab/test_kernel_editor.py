"""Kernel editor: cell editing and refusals, presets, resizing, actions, undo/redo, the bank."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from explorer.core.lab import kernels
from explorer.core.lab.kernels import resize_centred
from explorer.core.lab.pipeline import KernelBank
from explorer.ui.kernel_lab.kernel_editor import KernelEditor

SHARPEN = kernels.PRESETS["sharpen"]
EDIT = Qt.ItemDataRole.EditRole
ASYMMETRIC = np.arange(1, 10, dtype=np.float32).reshape(3, 3)


@pytest.fixture
def editor(qtbot):
    widget = KernelEditor(seed=0)
    qtbot.addWidget(widget)
    widget.resize(420, 520)
    return widget


@pytest.fixture
def shown(qtbot, editor):
    """The editor on screen with the keyboard focus in its grid (for shortcuts)."""
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    editor.grid.setFocus()
    qtbot.waitUntil(lambda: editor.grid.hasFocus())
    return editor


def edit_cell(editor: KernelEditor, row: int, column: int, text) -> bool:
    """What the item delegate does when a learner commits a cell: setData(EditRole)."""
    return editor.model.setData(editor.model.index(row, column), text, EDIT)


def shown_text(editor: KernelEditor, row: int, column: int) -> str:
    return editor.model.index(row, column).data(Qt.ItemDataRole.DisplayRole)


def set_single(qtbot, editor: KernelEditor, kernel) -> None:
    with qtbot.waitSignal(editor.bank_changed):
        editor.set_bank(KernelBank.of([kernel]))


# ----------------------------------------------------------------- start state
def test_starts_with_one_sharpen_kernel(editor):
    bank = editor.bank()
    assert isinstance(bank, KernelBank)
    assert len(bank) == 1 and bank.size == (3, 3)
    np.testing.assert_array_equal(bank.kernels[0], SHARPEN)
    assert bank.biases == (0.0,)
    assert editor.current_index() == 0
    assert (editor.height_spin.value(), editor.width_spin.value()) == (3, 3)
    assert editor.bank_list.count() == 1
    assert editor.bank_list.item(0).text() == "kernel 1"
    assert editor.undo_stack.count() == 0
    assert not editor.undo_action.isEnabled() and not editor.remove_kernel_action.isEnabled()


def test_widget_renders(editor):
    editor.show()
    pixmap = editor.grab()
    assert not pixmap.isNull()
    assert pixmap.width() >= 400 and pixmap.height() >= 500


# ----------------------------------------------------------------- cells
def test_cell_edit_updates_bank_and_emits_it(qtbot, editor):
    with qtbot.waitSignal(editor.bank_changed) as blocker:
        assert edit_cell(editor, 0, 0, "2.5")
    emitted = blocker.args[0]
    assert emitted is editor.bank()
    expected = SHARPEN.copy()
    expected[0, 0] = 2.5
    np.testing.assert_array_equal(emitted.kernels[0], expected)
    assert shown_text(editor, 0, 0) == "2.5"
    assert editor.undo_stack.count() == 1


def test_cell_edit_through_the_keyboard_and_item_delegate(qtbot, shown):
    index = shown.model.index(1, 2)
    shown.grid.setCurrentIndex(index)
    qtbot.keyClick(shown.grid, Qt.Key.Key_F2)  # the platform's "edit" key
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit)
    line.selectAll()
    qtbot.keyClicks(line, "-0.75")
    with qtbot.waitSignal(shown.bank_changed):
        qtbot.keyClick(line, Qt.Key.Key_Return)
    assert shown.bank().kernels[0][1, 2] == np.float32(-0.75)
    assert shown_text(shown, 1, 2) == "-0.75"


def test_typing_garbage_through_the_delegate_is_refused(qtbot, shown):
    before = shown.bank()
    index = shown.model.index(0, 0)
    shown.grid.setCurrentIndex(index)
    qtbot.keyClick(shown.grid, Qt.Key.Key_F2)
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit)
    line.selectAll()
    qtbot.keyClicks(line, "abc")
    with qtbot.assertNotEmitted(shown.bank_changed):
        qtbot.keyClick(line, Qt.Key.Key_Return)
        # Qt commits the editor's text from a queued call after Return.
        qtbot.waitUntil(lambda: "abc" in shown.message())
    assert shown.bank() is before
    assert shown_text(shown, 0, 0) == "0"
    assert "“abc” is not a number" in shown.message()
    assert "unchanged" in shown.message()


@pytest.mark.parametrize("text", ["abc", "nan", "NaN", "inf", "-inf", "Infinity", "", "   ", "1e400", "1e39",
                                  "1/0", "1//2", "2**3", "0x10", "1_000", "__import__('os')"])
def test_refused_cell_inputs_change_nothing(qtbot, editor, text):
    before = editor.bank()
    with qtbot.assertNotEmitted(editor.bank_changed):
        assert not edit_cell(editor, 1, 1, text)
    assert editor.bank() is before
    np.testing.assert_array_equal(editor.bank().kernels[0], SHARPEN)
    assert shown_text(editor, 1, 1) == "5"  # the previous value is shown again
    assert "unchanged" in editor.message()
    assert editor.undo_stack.count() == 0


def test_non_finite_numbers_set_directly_are_refused(qtbot, editor):
    with qtbot.assertNotEmitted(editor.bank_changed):
        assert not edit_cell(editor, 0, 0, float("nan"))
        assert not edit_cell(editor, 0, 0, float("inf"))
    np.testing.assert_array_equal(editor.bank().kernels[0], SHARPEN)


@pytest.mark.parametrize(("text", "value"), [("1/9", 1 / 9), ("−2", -2.0), ("0,5", 0.5), (" .25 ", 0.25),
                                             ("1e-3", 0.001), ("-3/4", -0.75), ("+7", 7.0)])
def test_accepted_cell_inputs(qtbot, editor, text, value):
    with qtbot.waitSignal(editor.bank_changed):
        assert edit_cell(editor, 0, 0, text)
    assert editor.bank().kernels[0][0, 0] == np.float32(value)


def test_committing_an_unchanged_cell_is_not_an_edit(qtbot, editor):
    with qtbot.waitSignal(editor.bank_changed):
        edit_cell(editor, 0, 0, "1/9")
    # The line editor opens with the exact value, which must read back unchanged.
    exact = editor.model.index(0, 0).data(EDIT)
    with qtbot.assertNotEmitted(editor.bank_changed):
        edit_cell(editor, 0, 0, exact)
        edit_cell(editor, 1, 1, "5")
    assert editor.undo_stack.count() == 1
    assert shown_text(editor, 0, 0) == "0.111"


def test_cells_are_tinted_by_sign(editor):
    model = editor.model
    background = Qt.ItemDataRole.BackgroundRole
    positive = model.index(1, 1).data(background)
    negative = model.index(0, 1).data(background)
    zero = model.index(0, 0).data(background)
    assert positive.red() > positive.blue()
    assert negative.blue() > negative.red()
    assert (zero.red(), zero.green(), zero.blue()) == (255, 255, 255)
    # Text stays readable: white on the saturated centre, black on white.
    assert model.index(1, 1).data(Qt.ItemDataRole.ForegroundRole).lightness() == 255
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).lightness() == 0


def test_delete_key_zeroes_the_selected_cells(qtbot, shown):
    selection = shown.grid.selectionModel()
    selection.select(shown.model.index(1, 1), selection.SelectionFlag.Select)
    selection.select(shown.model.index(0, 1), selection.SelectionFlag.Select)
    with qtbot.waitSignal(shown.bank_changed):
        qtbot.keyClick(shown.grid, Qt.Key.Key_Delete)
    expected = SHARPEN.copy()
    expected[1, 1] = expected[0, 1] = 0
    np.testing.assert_array_equal(shown.bank().kernels[0], expected)
    assert shown.undo_stack.count() == 1


# ----------------------------------------------------------------- presets
def test_preset_menu_lists_every_preset_with_its_description(editor):
    assert list(editor.preset_actions) == list(kernels.PRESETS)
    for name, action in editor.preset_actions.items():
        assert action.toolTip() == kernels.DESCRIPTIONS[name]
    assert editor.preset_button.menu() is editor.preset_menu


@pytest.mark.parametrize("name", [n for n in kernels.PRESETS if n != "sharpen"])
def test_each_preset_replaces_the_kernel(qtbot, editor, name):
    with qtbot.waitSignal(editor.bank_changed) as blocker:
        editor.preset_actions[name].trigger()
    bank = blocker.args[0]
    assert len(bank) == 1
    assert bank.size == kernels.PRESETS[name].shape
    np.testing.assert_array_equal(bank.kernels[0], kernels.PRESETS[name])
    assert (editor.height_spin.value(), editor.width_spin.value()) == kernels.PRESETS[name].shape
    assert name in editor.message()


def test_choosing_the_current_preset_is_not_an_edit(qtbot, editor):
    with qtbot.assertNotEmitted(editor.bank_changed):
        editor.preset_actions["sharpen"].trigger()
    assert editor.undo_stack.count() == 0


def test_larger_preset_in_a_multi_kernel_bank_grows_the_bank(qtbot, editor):
    editor.add_kernel()  # kernel 2 (identity) is selected
    with qtbot.waitSignal(editor.bank_changed):
        editor.preset_actions["vertical-line"].trigger()
    bank = editor.bank()
    assert bank.size == (7, 7) and len(bank) == 2
    np.testing.assert_array_equal(bank.kernels[1], kernels.PRESETS["vertical-line"])
    # The other kernel is padded with zeros, centred: it computes the same thing.
    np.testing.assert_array_equal(bank.kernels[0][2:5, 2:5], SHARPEN)
    assert np.count_nonzero(bank.kernels[0]) == np.count_nonzero(SHARPEN)


def test_smaller_preset_in_a_multi_kernel_bank_is_padded(qtbot, editor):
    editor.preset_actions["vertical-line"].trigger()
    editor.add_kernel()
    with qtbot.waitSignal(editor.bank_changed):
        editor.preset_actions["sobel-x"].trigger()
    bank = editor.bank()
    assert bank.size == (7, 7)
    np.testing.assert_array_equal(bank.kernels[1], resize_centred(kernels.PRESETS["sobel-x"], (7, 7)))
    np.testing.assert_array_equal(bank.kernels[1][2:5, 2:5], kernels.PRESETS["sobel-x"])
    np.testing.assert_array_equal(bank.kernels[0], kernels.PRESETS["vertical-line"])


# ----------------------------------------------------------------- resizing
def test_resize_keeps_the_centre(qtbot, editor):
    with qtbot.waitSignal(editor.bank_changed):
        editor.height_spin.setValue(5)
    assert editor.bank().size == (5, 3)
    with qtbot.waitSignal(editor.bank_changed):
        editor.width_spin.setValue(5)
    kernel = editor.bank().kernels[0]
    assert kernel.shape == (5, 5)
    np.testing.assert_array_equal(kernel[1:4, 1:4], SHARPEN)
    assert kernel.sum() == SHARPEN.sum() and np.count_nonzero(kernel) == 5
    assert editor.model.rowCount() == 5 and editor.model.columnCount() == 5
    # Shrinking crops symmetrically and gives the original back.
    editor.height_spin.setValue(3)
    editor.width_spin.setValue(3)
    np.testing.assert_array_equal(editor.bank().kernels[0], SHARPEN)
    assert editor.undo_stack.count() == 4


def test_resize_to_even_and_to_the_limits(qtbot, editor):
    editor.height_spin.setValue(4)
    editor.width_spin.setValue(4)
    kernel = editor.bank().kernels[0]
    # The centre of an even side is index (n - 1) // 2 (TensorFlow's "same" alignment).
    np.testing.assert_array_equal(kernel[:3, :3], SHARPEN)
    assert not kernel[3].any() and not kernel[:, 3].any()
    editor.height_spin.setValue(1)
    editor.width_spin.setValue(1)
    np.testing.assert_array_equal(editor.bank().kernels[0], [[5]])
    assert editor.height_spin.maximum() == kernels.MAX_KERNEL_SIZE == 15
    editor.height_spin.setValue(15)
    editor.width_spin.setValue(15)
    kernel = editor.bank().kernels[0]
    assert kernel.shape == (15, 15) and kernel[7, 7] == 5 and np.count_nonzero(kernel) == 1


def test_resize_applies_to_every_kernel(qtbot, editor):
    editor.add_kernel()
    editor.duplicate_kernel()
    with qtbot.waitSignal(editor.bank_changed) as blocker:
        editor.width_spin.setValue(5)
    bank = blocker.args[0]
    assert bank.size == (3, 5) and len(bank) == 3
    np.testing.assert_array_equal(bank.kernels[0][:, 1:4], SHARPEN)
    for kernel in bank.kernels[1:]:
        assert kernel[1, 2] == 1 and np.count_nonzero(kernel) == 1


# ----------------------------------------------------------------- actions
def test_normalise_makes_the_sum_one(qtbot, editor):
    set_single(qtbot, editor, np.ones((3, 3)))
    with qtbot.waitSignal(editor.bank_changed):
        editor.normalise_action.trigger()
    kernel = editor.bank().kernels[0]
    assert kernel.sum() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(kernel, np.full((3, 3), 1 / 9), rtol=1e-6)


def test_normalise_refuses_a_zero_sum_kernel(qtbot, editor):
    editor.preset_actions["sobel-x"].trigger()
    before = editor.bank()
    count = editor.undo_stack.count()
    with qtbot.assertNotEmitted(editor.bank_changed):
        editor.normalise_action.trigger()
    assert editor.bank() is before
    assert editor.undo_stack.count() == count
    assert "sums to 0" in editor.message()


def test_normalise_of_a_kernel_that_already_sums_to_one_changes_nothing(qtbot, editor):
    with qtbot.assertNotEmitted(editor.bank_changed):
        editor.normalise_action.trigger()  # sharpen sums to 1
    assert "already" in editor.message()


def test_flips_and_rotation_match_numpy(qtbot, editor):
    set_single(qtbot, editor, ASYMMETRIC)
    with qtbot.waitSignal(editor.bank_changed):
        editor.flip_h_action.trigger()
    np.testing.assert_array_equal(editor.bank().kernels[0], np.fliplr(ASYMMETRIC))
    set_single(qtbot, editor, ASYMMETRIC)
    with qtbot.waitSignal(editor.bank_changed):
        editor.flip_v_action.trigger()
    np.testing.assert_array_equal(editor.bank().kernels[0], np.flipud(ASYMMETRIC))
    set_single(qtbot, editor, ASYMMETRIC)
    with qtbot.waitSignal(editor.bank_changed):
        editor.rotate_action.trigger()
    # Rotate turns anticlockwise: exactly np.rot90(k) (k=1).
    np.testing.assert_array_equal(editor.bank().kernels[0], np.rot90(ASYMMETRIC))
    np.testing.assert_array_equal(editor.bank().kernels[0], [[3, 6, 9], [2, 5, 8], [1, 4, 7]])


def test_rotating_a_sobel_x_gives_a_horizontal_edge_detector(qtbot, editor):
    editor.preset_actions["sobel-x"].trigger()
    editor.rotate_action.trigger()
    np.testing.assert_array_equal(editor.bank().kernels[0], -kernels.PRESETS["sobel-y"])


def test_rotating_a_non_square_kernel(qtbot, editor):
    wide = np.arange(6, dtype=np.float32).reshape(2, 3)
    set_single(qtbot, editor, wide)
    with qtbot.waitSignal(editor.bank_changed):
        editor.rotate_action.trigger()
    assert editor.bank().size == (3, 2)
    np.testing.assert_array_equal(editor.bank().kernels[0], np.rot90(wide))
    assert (editor.height_spin.value(), editor.width_spin.value()) == (3, 2)
    # With two kernels the bank could not keep one size: refused.
    editor.add_kernel()
    with qtbot.assertNotEmitted(editor.bank_changed):
        editor.rotate_action.trigger()
    assert editor.bank().size == (3, 2)
    assert "share one size" in editor.message()


def test_flipping_a_symmetric_kernel_is_not_an_edit(qtbot, editor):
    with qtbot.assertNotEmitted(editor.bank_changed):
        editor.flip_h_action.trigger()
        editor.flip_v_action.trigger()
        editor.rotate_action.trigger()
    assert editor.undo_stack.count() == 0
    assert "unchanged" in editor.message()


def test_clear_sets_zeros_but_keeps_size_and_bias(qtbot, editor):
    editor.bias_spin.setValue(2.0)
    with qtbot.waitSignal(editor.bank_changed) as blocker:
        editor.clear_action.trigger()
    bank = blocker.args[0]
    np.testing.assert_array_equal(bank.kernels[0], np.zeros((3, 3)))
    assert bank.biases == (2.0,)


def test_random_is_finite_standard_normal_and_seeded(qtbot, editor):
    editor.height_spin.setValue(15)
    editor.width_spin.setValue(15)
    with qtbot.waitSignal(editor.bank_changed):
        editor.random_action.trigger()
    values = editor.bank().kernels[0]
    assert values.shape == (15, 15) and values.dtype == np.float32
    assert np.isfinite(values).all()
    assert abs(values.mean()) < 0.3 and 0.7 < values.std() < 1.3
    other = KernelEditor(seed=0)
    qtbot.addWidget(other)
    other.height_spin.setValue(15)
    other.width_spin.setValue(15)
    other.random_action.trigger()
    np.testing.assert_array_equal(other.bank().kernels[0], values)
    editor.random_action.trigger()
    assert not np.array_equal(editor.bank().kernels[0], values)


# ----------------------------------------------------------------- undo / redo
def test_undo_and_redo_through_many_edits(qtbot, editor):
    start = editor.bank()
    states = [start]

    def step(action):
        with qtbot.waitSignal(editor.bank_changed):
            action()
        states.append(editor.bank())

    step(lambda: edit_cell(editor, 0, 0, "3"))
    step(lambda: editor.preset_actions["sobel-x"].trigger())
    step(lambda: editor.width_spin.setValue(5))
    step(editor.flip_h_action.trigger)
    step(editor.rotate_action.trigger)
    step(editor.add_kernel_action.trigger)
    step(lambda: editor.bias_spin.setValue(-1.5))
    step(editor.duplicate_kernel_action.trigger)
    step(editor.random_action.trigger)
    step(editor.remove_kernel_action.trigger)
    step(editor.clear_action.trigger)
    step(lambda: editor.height_spin.setValue(2))
    assert editor.undo_stack.count() == len(states) - 1

    for expected in reversed(states[:-1]):
        with qtbot.waitSignal(editor.bank_changed) as blocker:
            editor.undo_action.trigger()
        assert blocker.args[0] is editor.bank()
        assert_same_bank(editor.bank(), expected)
    assert editor.bank() is start
    assert not editor.undo_action.isEnabled()
    np.testing.assert_array_equal(editor.bank().kernels[0], SHARPEN)

    for expected in states[1:]:
        with qtbot.waitSignal(editor.bank_changed):
            editor.redo_action.trigger()
        assert_same_bank(editor.bank(), expected)
    assert not editor.redo_action.isEnabled()
    # The widgets follow the state.
    assert (editor.height_spin.value(), editor.width_spin.value()) == editor.bank().size
    assert editor.bank_list.count() == len(editor.bank())


def assert_same_bank(actual: KernelBank, expected: KernelBank) -> None:
    assert len(actual) == len(expected)
    assert actual.biases == expected.biases
    for a, b in zip(actual.kernels, expected.kernels):
        np.testing.assert_array_equal(a, b)


def test_undo_redo_keyboard_shortcuts(qtbot, shown):
    shown.flip_v_action.trigger()  # sharpen is symmetric: no change
    edit_cell(shown, 0, 0, "1")
    shown.width_spin.setValue(5)
    edited = shown.bank()
    shown.grid.setFocus()
    with qtbot.waitSignal(shown.bank_changed):
        qtbot.keyClick(shown.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert shown.bank().size == (3, 3)
    with qtbot.waitSignal(shown.bank_changed):
        qtbot.keyClick(shown.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(shown.bank().kernels[0], SHARPEN)
    with qtbot.waitSignal(shown.bank_changed):
        qtbot.keyClick(shown.grid, Qt.Key.Key_Z,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(shown.bank_changed):
        qtbot.keyClick(shown.grid, Qt.Key.Key_Z,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert_same_bank(shown.bank(), edited)
    assert "Redone" in shown.message()


def test_action_shortcuts_work_from_the_grid(qtbot, shown):
    shown.preset_actions["sobel-x"].trigger()
    shown.grid.setFocus()
    with qtbot.waitSignal(shown.bank_changed):
        qtbot.keyClick(shown.grid, Qt.Key.Key_H,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_array_equal(shown.bank().kernels[0], np.fliplr(kernels.PRESETS["sobel-x"]))


def test_shortcuts_do_not_fire_when_focus_is_elsewhere(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    other = QLineEdit()
    editor = KernelEditor()
    layout.addWidget(other)
    layout.addWidget(editor)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    edit_cell(editor, 0, 0, "9")
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    with qtbot.assertNotEmitted(editor.bank_changed):
        qtbot.keyClick(other, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.bank().kernels[0][0, 0] == 9


# ----------------------------------------------------------------- the bank
def test_add_duplicate_remove_and_the_one_kernel_minimum(qtbot, editor):
    with qtbot.waitSignal(editor.bank_changed) as blocker:
        editor.add_kernel_action.trigger()
    bank = blocker.args[0]
    assert len(bank) == 2 and editor.current_index() == 1
    np.testing.assert_array_equal(bank.kernels[1], kernels.PRESETS["identity"])
    assert editor.bank_list.count() == 2 and editor.bank_list.currentRow() == 1
    assert [editor.bank_list.item(i).text() for i in range(2)] == ["kernel 1", "kernel 2"]
    assert editor.remove_kernel_action.isEnabled()

    editor.select_kernel(0)
    editor.bias_spin.setValue(0.25)
    with qtbot.waitSignal(editor.bank_changed):
        editor.duplicate_kernel_action.trigger()
    bank = editor.bank()
    assert len(bank) == 3 and editor.current_index() == 1
    np.testing.assert_array_equal(bank.kernels[1], SHARPEN)
    assert bank.biases == (0.25, 0.25, 0.0)
    np.testing.assert_array_equal(bank.kernels[2], kernels.PRESETS["identity"])

    with qtbot.waitSignal(editor.bank_changed):
        editor.remove_kernel_action.trigger()
    assert len(editor.bank()) == 2 and editor.current_index() == 1
    np.testing.assert_array_equal(editor.bank().kernels[1], kernels.PRESETS["identity"])
    editor.remove_kernel()
    assert len(editor.bank()) == 1
    assert not editor.remove_kernel_action.isEnabled()
    with qtbot.assertNotEmitted(editor.bank_changed):
        editor.remove_kernel()  # also when called directly
    assert len(editor.bank()) == 1
    assert "at least one kernel" in editor.message()


def test_selection_changes_the_grid_but_not_the_bank(qtbot, editor):
    editor.preset_actions["sobel-x"].trigger()
    editor.add_kernel()
    with qtbot.assertNotEmitted(editor.bank_changed):
        editor.select_kernel(0)
        assert editor.current_index() == 0
        assert editor.model.index(0, 0).data(EDIT) == "-1"
        editor.bank_list.setCurrentRow(1)  # clicking a thumbnail
    assert editor.current_index() == 1
    assert editor.model.index(1, 1).data(EDIT) == "1"
    with pytest.raises(IndexError):
        editor.select_kernel(2)
    # Edits apply to the selected kernel only.
    edit_cell(editor, 0, 0, "4")
    assert editor.bank().kernels[1][0, 0] == 4
    np.testing.assert_array_equal(editor.bank().kernels[0], kernels.PRESETS["sobel-x"])


def test_bias_is_part_of_the_bank(qtbot, editor):
    editor.add_kernel()
    with qtbot.waitSignal(editor.bank_changed) as blocker:
        editor.bias_spin.setValue(1.5)
    assert blocker.args[0].biases == (0.0, 1.5)
    editor.select_kernel(0)
    assert editor.bias_spin.value() == 0.0
    editor.select_kernel(1)
    assert editor.bias_spin.value() == 1.5
    assert (editor.bias_spin.minimum(), editor.bias_spin.maximum()) == (-100.0, 100.0)
    editor.undo_action.trigger()
    assert editor.bank().biases == (0.0, 0.0)
    assert editor.bias_spin.value() == 0.0


def test_set_bank_is_undoable(qtbot, editor):
    bank = KernelBank.of([np.ones((2, 4)), np.zeros((2, 4))], biases=[1, -1])
    with qtbot.waitSignal(editor.bank_changed) as blocker:
        editor.set_bank(bank)
    assert blocker.args[0] is bank is editor.bank()
    assert (editor.height_spin.value(), editor.width_spin.value()) == (2, 4)
    assert editor.bank_list.count() == 2
    editor.undo_action.trigger()
    np.testing.assert_array_equal(editor.bank().kernels[0], SHARPEN)
    with pytest.raises(TypeError):
        editor.set_bank([np.ones((3, 3))])


# ----------------------------------------------------------------- accessibility
def test_every_control_has_an_accessible_name_and_tooltip(editor):
    editor.show()
    controls = [w for w in (*editor.findChildren(QAbstractButton), *editor.findChildren(QAbstractSpinBox),
                            *editor.findChildren(QAbstractItemView)) if w.isVisibleTo(editor)]
    assert len(controls) >= 16
    for control in controls:
        assert control.accessibleName(), control
        assert control.toolTip(), control.accessibleName()
    assert editor.status_label.accessibleName()
    for action in (editor.undo_action, editor.redo_action, editor.normalise_action, editor.rotate_action):
        assert action.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    assert "Ctrl+Z" in editor.undo_action.shortcut().toString()
    assert {s.toString() for s in editor.redo_action.shortcuts()} >= {"Ctrl+Shift+Z"}


def test_tab_order_follows_the_layout(qtbot, shown):
    expected = [shown.preset_button, shown.height_spin, shown.width_spin, shown.bias_spin,
                shown.normalise_button, shown.random_button, shown.clear_button, shown.undo_button,
                shown.flip_h_button, shown.flip_v_button, shown.rotate_button, shown.redo_button,
                shown.grid, shown.bank_list, shown.add_button, shown.duplicate_button, shown.remove_button]
    shown.undo_action.setEnabled(True)  # disabled buttons are skipped by Tab
    shown.redo_action.setEnabled(True)
    shown.remove_kernel_action.setEnabled(True)
    shown.preset_button.setFocus()
    qtbot.waitUntil(shown.preset_button.hasFocus)
    visited = [QApplication.focusWidget()]
    for _ in expected[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        # A spin box's line edit has the focus on behalf of the spin box.
        visited.append(focus.parentWidget() if isinstance(focus.parentWidget(), QAbstractSpinBox) else focus)
    assert [w.accessibleName() for w in visited] == [w.accessibleName() for w in expected]


def test_set_bank_clips_biases_to_what_the_bias_box_can_show(qtbot):
    from explorer.core.lab.pipeline import KernelBank
    from explorer.ui.kernel_lab.kernel_editor import BIAS_RANGE, KernelEditor

    editor = KernelEditor()
    qtbot.addWidget(editor)
    editor.set_bank(KernelBank.of([np.ones((3, 3))], biases=[500.0]))
    assert editor.bank().biases == (BIAS_RANGE[1],)


def test_kernel_selected_follows_every_change_of_the_selection(qtbot, editor):
    selected = []
    editor.kernel_selected.connect(selected.append)
    editor.add_kernel()
    editor.select_kernel(0)
    editor.select_kernel(0)  # already selected: nothing new
    edit_cell(editor, 0, 0, "2")  # an edit of the selected kernel keeps the selection
    editor.bank_list.setCurrentRow(1)
    editor.undo_action.trigger()  # the cell edit: shows the kernel it edited, index 0, again
    editor.undo_action.trigger()  # the add: index 0 stays selected, so nothing is emitted
    assert selected == [1, 0, 1, 0]
    assert editor.current_index() == 0
