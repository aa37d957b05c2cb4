"""Where everything goes in the training studio: settings and buttons left; progress, curves and tabs right.

:func:`lay_out` arranges the studio's parts and makes the widgets around
them (status line, progress bars, results caption, model summary, the tabs
and the buttons). Widgets are made in reading order: that is the Tab order.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.ui.widgets.help_text import describe, tip
from explorer.ui.widgets.painted_text import StatusLine

__all__ = ["StudioLayout", "lay_out"]

#: (key, text, what it does) of the studio's buttons, two to a row.
BUTTONS = (
    ("start", "Start", "Train a fresh model with these settings, in the background."),
    ("pause", "Pause", "Pause after the current batch; Resume continues exactly where it stopped."),
    ("stop", "Stop", "Stop after the current batch; the model trained so far is kept and evaluated."),
    ("reset", "Reset", "Forget the trained model and clear the curves and results."),
    ("save", "Save model…", "Save the trained model as a .keras file."),
    ("load", "Load model…", "Load a .keras model (safely: models with custom code are refused)."),
    ("export", "Export curves…", "Save the loss and accuracy per epoch as CSV."),
    ("compare", "Compare with from scratch", "Transfer learning side by side: the transfer run (if it has not run "
                                             "yet), then the same network from scratch on the same data."),
)
#: Tabs of the transfer-learning parts: (title, tooltip).
TRANSFER_TABS = (("Transfer", "Transfer learning: start from a trained model, choose the cut and what trains."),
                 ("Comparison", "The transfer run and the same network from scratch, side by side."))


@dataclass(frozen=True)
class StudioLayout:
    """The widgets :func:`lay_out` made around the parts; `columns` holds them all."""

    columns: QSplitter  # settings | everything else
    status: StatusLine
    epoch_bar: QProgressBar
    batch_bar: QProgressBar
    results_label: QLabel
    summary: QLabel
    tabs: QTabWidget
    follow_drawing: QCheckBox
    buttons: dict[str, QPushButton]


def lay_out(*, controls, curves, activations, filters, confusion, gallery, augment_view,
            offer=None, timeline=None, transfer=()) -> StudioLayout:
    """Arrange the studio's parts and make the widgets around them.

    Parameters
    ----------
    controls, curves, activations, filters, confusion, gallery, augment_view : QWidget
        The parts, made by the studio (which connects them).
    offer : QWidget, optional
        Shown under the status line (the offline ways on after a failed download).
    timeline : QWidget, optional
        The run's timeline, under the curves it scrubs.
    transfer : (QWidget, QWidget), optional
        The transfer panel and the comparison view, each in a tab of :data:`TRANSFER_TABS`.

    Returns
    -------
    StudioLayout
        Add its `columns` to the studio's layout.
    """
    buttons = {}
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.setContentsMargins(0, 0, 0, 0)
    left_layout.addWidget(controls)
    left_layout.addLayout(_button_grid(buttons))
    scroll = QScrollArea()
    scroll.setWidget(left)
    scroll.setWidgetResizable(True)
    scroll.setMinimumWidth(200)
    scroll.setFocusPolicy(Qt.NoFocus)  # Tab goes straight to the settings; the area follows the focus

    # Not a QLabel: its text changes 3 times a second while training (see painted_text).
    status = StatusLine("Choose a model and a dataset, then Start.")
    status.setAccessibleName("Training status")
    epoch_bar, batch_bar = QProgressBar(), QProgressBar()
    for bar, name in ((epoch_bar, "Epochs"), (batch_bar, "Batches in this epoch")):
        bar.setAccessibleName(name)
        bar.setFormat(f"{name.split()[0].lower()} %v / %m")
    progress = QWidget()
    grid = QGridLayout(progress)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.addWidget(epoch_bar, 0, 0)
    grid.addWidget(batch_bar, 0, 1)
    grid.addWidget(status, 1, 0, 1, 2)
    if offer is not None:
        grid.addWidget(offer, 2, 0, 1, 2)

    results_label = QLabel("Train a model to see its test accuracy, confusion matrix and mistakes.")
    results_label.setWordWrap(True)
    results_label.setAccessibleName("Test results")
    results = QWidget()
    results_layout = QVBoxLayout(results)
    results_layout.addWidget(results_label)
    split = QSplitter(Qt.Horizontal)
    split.addWidget(confusion)
    split.addWidget(gallery)
    results_layout.addWidget(split, 1)
    summary = QLabel()
    summary.setTextFormat(Qt.RichText)
    summary.setAlignment(Qt.AlignTop | Qt.AlignLeft)
    summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
    describe(summary, "Model summary", tip("model_summary"))
    summary_scroll = QScrollArea()
    summary_scroll.setWidget(summary)
    summary_scroll.setWidgetResizable(True)
    describe(summary_scroll, "Model summary", tip("model_summary"))  # a Tab stop: the keyboard scrolls it
    tabs = QTabWidget()
    for page, title, key in ((activations, "Activations", "activations_tab"),
                             (filters, "Filters", "filters_tab"), (results, "Results", "results_tab"),
                             (summary_scroll, "Model", "summary_tab"),
                             (augment_view, "Augmentation", "augmentation_tab")):
        tabs.setTabToolTip(tabs.addTab(page, title), tip(key))
    for index, (page, (title, text)) in enumerate(zip(transfer, TRANSFER_TABS)):
        if index == 0:  # the panel's forms and table scroll: they never set the window's minimum size
            holder = QScrollArea()
            holder.setWidget(page)
            holder.setWidgetResizable(True)
            holder.setFocusPolicy(Qt.NoFocus)
            page = holder
        tabs.setTabToolTip(tabs.addTab(page, title), text)
    describe(tabs.tabBar(), "Training views", tip("views_tabs"))

    follow_drawing = QCheckBox("Probe with my drawing")
    describe(follow_drawing, "Probe with my drawing", tip("probe_drawing"))
    tabs.setCornerWidget(follow_drawing)
    # Reading order: the tabs, the check box beside them, then the page below.
    QWidget.setTabOrder(tabs.tabBar(), follow_drawing)
    centre = QSplitter(Qt.Vertical)
    top = QWidget()
    top_layout = QVBoxLayout(top)
    top_layout.setContentsMargins(0, 0, 0, 0)
    top_layout.addWidget(progress)
    top_layout.addWidget(curves, 1)
    if timeline is not None:
        top_layout.addWidget(timeline)
    centre.addWidget(top)
    centre.addWidget(tabs)
    centre.setSizes([300, 440])
    main = QSplitter(Qt.Horizontal)
    main.addWidget(scroll)
    main.addWidget(centre)
    main.setStretchFactor(1, 1)
    main.setSizes([330, 950])
    return StudioLayout(main, status, epoch_bar, batch_bar, results_label, summary, tabs, follow_drawing, buttons)


def _button_grid(buttons: dict) -> QGridLayout:
    """The buttons of :data:`BUTTONS`, filled into `buttons` by key."""
    grid = QGridLayout()
    for index, (key, text, operation) in enumerate(BUTTONS):
        button = QPushButton(text)
        # Pause reads "Resume" while paused: its name covers both.
        describe(button, "Pause or resume" if key == "pause" else text.rstrip("…"), operation)
        buttons[key] = button
        if key == "compare":  # a long name: a row of its own
            grid.addWidget(button, (index + 1) // 2, 0, 1, 2)
        else:
            grid.addWidget(button, index // 2, index % 2)
    return grid
