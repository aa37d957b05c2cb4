"""A first Start without internet: the studio names the settings that work offline and offers them.

The download fails as on an offline machine: Keras' own ``get_file`` runs,
with an empty cache (KERAS_HOME in a tmp folder), and its ``urlretrieve``
raises the URLError a failed name lookup raises. The window is the real one;
the runs are tiny (digits, or a few generated IDX images; one epoch).
"""

from __future__ import annotations

import gzip
import socket
import struct
import urllib.error
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFileDialog

from explorer.core.train.config import TrainConfig
from explorer.core.train.datasets import IDX_FILES
from explorer.core.train.updates import Failed, Finished, RunStarted
from explorer.ui.training.offline_offer import offline_advice

SETTINGS = TrainConfig(model="lenet5", dataset="mnist", epochs=1, batch_size=16, limit=200,
                       validation_split=0.2, learning_rate=0.01, patience=0)
OFFLINE_REASON = "Temporary failure in name resolution"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network and no cached datasets; returns the URLs Keras tried."""
    from explorer.core import tf_backend

    tf_backend.load()
    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils

    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))  # Keras reads KERAS_HOME once, on import
    tried = []

    def no_network(url, *_args, **_kwargs):
        tried.append(url)
        raise urllib.error.URLError(socket.gaierror(-3, OFFLINE_REASON))

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    return tried


@pytest.fixture
def studio(open_window):
    return open_window("training").training


def updates_of(studio):
    seen = []
    studio.controller.progressed.connect(lambda update: seen.append(update))
    return seen


def press_start_offline(qtbot, studio, tried):
    """Start on MNIST with no network: ends in the red sentence and the two buttons."""
    studio.controls.set_config(SETTINGS)
    seen = updates_of(studio)
    qtbot.mouseClick(studio.buttons["start"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(u, Failed) for u in seen) and not studio.is_running(), timeout=60000)
    assert tried and "mnist" in tried[0]
    text = studio.status.text()
    for needle in ("Could not download MNIST", OFFLINE_REASON, "set Dataset to 'digits'", "set Folder to",
                   "train-images-idx3-ubyte"):
        assert needle in text
    assert "--data-dir" not in text and "\n" not in text
    assert studio.status.palette().color(QPalette.ColorRole.WindowText).name() == "#b00020"
    offer = studio.offline_offer
    assert offer.isVisible() and offer.digits_button.isVisible() and offer.folder_button.isVisible()
    assert offer.digits_button.text() == "Train on the bundled digits"
    assert offer.folder_button.text() == "Choose the MNIST folder…"
    assert studio.buttons["start"].isEnabled()
    return offer


def click_and_run(qtbot, studio, button):
    """Click `button`; wait until the run it starts ends. Returns the updates and the offer's visibility at start."""
    seen, visible_at_start = updates_of(studio), []
    studio.controller.progressed.connect(
        lambda u: visible_at_start.append(studio.offline_offer.isVisible()) if isinstance(u, RunStarted) else None)
    with qtbot.waitSignal(studio.running_changed, check_params_cb=lambda running: not running, timeout=120000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(u, (Finished, Failed)) for u in seen), timeout=10000)
    return seen, visible_at_start


def write_mnist_folder(folder, n_train=40, n_test=10):
    rng = np.random.default_rng(4)
    arrays = (rng.integers(0, 256, (n_train, 28, 28)), rng.integers(0, 10, n_train),
              rng.integers(0, 256, (n_test, 28, 28)), rng.integers(0, 10, n_test))
    for name, array in zip(IDX_FILES, arrays):
        array = array.astype(np.uint8)
        data = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
        (folder / f"{name}.gz").write_bytes(gzip.compress(data))


def test_offline_start_offers_the_bundled_digits_and_trains_on_them(qtbot, studio, offline):
    offer = press_start_offline(qtbot, studio, offline)
    seen, visible_at_start = click_and_run(qtbot, studio, offer.digits_button)
    assert isinstance(seen[0], RunStarted) and isinstance(seen[-1], Finished)
    assert visible_at_start == [False] and not offer.isVisible()
    assert len(offline) == 1  # digits are bundled: no second download
    # Only the dataset changed; every other setting is as it was.
    assert studio.controls.config() == replace(SETTINGS, dataset="digits")
    assert "Test accuracy" in studio.status.text()
    assert studio.status.palette().color(QPalette.ColorRole.WindowText).name() != "#b00020"


def test_offline_start_offers_a_folder_of_idx_files(qtbot, studio, offline, tmp_path, monkeypatch):
    folder = tmp_path / "mnist-files"
    folder.mkdir()
    write_mnist_folder(folder)
    offer = press_start_offline(qtbot, studio, offline)
    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: asked.append(args) or "")
    qtbot.mouseClick(offer.folder_button, Qt.MouseButton.LeftButton)  # cancelled: nothing changes
    assert asked and studio.controls.data_dir.text() == "" and offer.isVisible() and not studio.is_running()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    seen, visible_at_start = click_and_run(qtbot, studio, offer.folder_button)
    assert studio.controls.data_dir.text() == str(folder) and studio.controls.dataset.currentText() == "mnist"
    started = seen[0]
    assert isinstance(started, RunStarted) and isinstance(seen[-1], Finished), seen[-1]
    assert len(started.test_labels) == 10  # the folder's 10 test images
    assert visible_at_start == [False] and not offer.isVisible() and len(offline) == 1
    assert studio.controls.config() == replace(SETTINGS, data_dir=str(folder))


def test_a_folder_that_fails_to_load_gets_its_own_sentence_and_no_offer(qtbot, studio, offline, tmp_path,
                                                                        monkeypatch):
    offer = press_start_offline(qtbot, studio, offline)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(tmp_path))  # no IDX files there
    seen, _ = click_and_run(qtbot, studio, offer.folder_button)
    assert isinstance(seen[-1], Failed)
    assert "has no train-images-idx3-ubyte" in studio.status.text() and not offer.isVisible()


def test_offline_advice_only_for_a_failed_download():
    message = ("could not download CIFAR-10 (URL fetch failure on https://x: None -- [Errno -3] "
               f"{OFFLINE_REASON}). Without internet, point --data-dir (or the Data folder setting) at ...")
    cifar = TrainConfig(model="cifar-small", dataset="cifar10")
    advice = offline_advice(cifar, message)
    assert advice.startswith("Could not download CIFAR-10 (URL fetch failure") and OFFLINE_REASON in advice
    assert "cifar-10-batches-bin" in advice and "--data-dir" not in advice
    assert offline_advice(None, message) is None
    assert offline_advice(TrainConfig(model="lenet5", dataset="digits"), message) is None
    assert offline_advice(TrainConfig(model="cifar-small", dataset="cifar10", data_dir="/data"), message) is None
    assert offline_advice(cifar, "cannot read /data/test_batch.bin: Permission denied") is None
