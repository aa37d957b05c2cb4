"""After a failed download: the offline ways on, one click each, under the training studio's status line.

MNIST, Fashion-MNIST and CIFAR-10 come through ``keras.datasets``, which
downloads them once; without internet and with no cached copy the run fails.
The studio then says so in the settings' own names (Dataset, Folder), not the
command line's, and :class:`OfflineOffer` shows two buttons: train on
scikit-learn's bundled digits (the Dataset setting becomes 'digits'), or
choose a folder holding the dataset's files (the Folder setting becomes that
folder; the Dataset stays). Either starts the run at once with every other
setting as it was. The buttons are hidden again when a run starts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QWidget

from explorer.core.train.config import TrainConfig
from explorer.core.train.datasets import DATASET_LABELS, DOWNLOADED, failed_download_reason, local_files_text
from explorer.ui.widgets.help_text import describe

__all__ = ["OfflineOffer", "offline_advice"]

DIGITS = "digits"


def offline_advice(config: TrainConfig | None, message: str) -> str | None:
    """The studio's sentence for a run whose dataset could not be downloaded; None for any other failure.

    Parameters
    ----------
    config : TrainConfig or None
        The run that failed.
    message : str
        Its ``Failed`` update's message.

    Returns
    -------
    str or None
        One sentence naming the Dataset and Folder settings, or None when the
        run did not download (a local folder, digits) or failed otherwise.
    """
    if config is None or config.dataset not in DOWNLOADED or config.data_dir is not None:
        return None
    reason = failed_download_reason(message)
    if reason is None:
        return None
    return (f"Could not download {DATASET_LABELS[config.dataset]} ({reason}). Without internet, set Dataset to "
            f"'digits' (bundled with scikit-learn, always offline), or set Folder to a folder holding "
            f"{local_files_text(config.dataset)}.")


class OfflineOffer(QWidget):
    """Two buttons: "Train on the bundled digits" and "Choose the <dataset> folder…"; hidden until offered.

    Parameters
    ----------
    controls : TrainingControls
        The studio's settings, which the buttons change.
    start : callable
        Starts a run from the controls (the studio's ``start``).
    """

    def __init__(self, controls, start: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controls, self._start = controls, start
        self._dataset = "mnist"  # the dataset that could not be downloaded
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.digits_button = QPushButton("Train on the bundled digits")
        describe(self.digits_button, "Train on the bundled digits",
                 "Set Dataset to 'digits' (scikit-learn's 8×8 digits, always offline) and start.")
        self.digits_button.clicked.connect(self._train_on_digits)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._choose_folder)
        layout.addWidget(self.digits_button)
        layout.addWidget(self.folder_button)
        layout.addStretch(1)
        self._label_folder_button()
        self.hide()

    def offer_if_offline(self, config: TrainConfig | None, message: str) -> str | None:
        """Show the buttons if `message` is `config`'s failed download; return the sentence to say, or None.

        Parameters
        ----------
        config : TrainConfig or None
            The run that failed.
        message : str
            Its ``Failed`` update's message.

        Returns
        -------
        str or None
            :func:`offline_advice`'s sentence, None (and the buttons hidden) for other failures.
        """
        advice = offline_advice(config, message)
        if advice is None:
            self.hide()
            return None
        self._dataset = config.dataset
        self._label_folder_button()
        self.show()
        return advice

    def _label_folder_button(self) -> None:
        label = DATASET_LABELS[self._dataset]
        self.folder_button.setText(f"Choose the {label} folder…")
        describe(self.folder_button, f"Choose the {label} folder",
                 f"Choose a folder holding {local_files_text(self._dataset)}: Folder is set to it and the run starts.")

    def _train_on_digits(self) -> None:
        self._controls.dataset.setCurrentText(DIGITS)
        self._start()

    def _choose_folder(self) -> None:
        label = DATASET_LABELS[self._dataset]
        folder = QFileDialog.getExistingDirectory(self, f"Folder with the {label} files",
                                                  self._controls.data_dir.text())
        if not folder:
            return
        self._controls.dataset.setCurrentText(self._dataset)
        self._controls.data_dir.setText(folder)
        self._start()
