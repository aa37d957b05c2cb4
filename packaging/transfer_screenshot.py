"""Render the README's transfer-learning screenshot from a real short run (offscreen, offline).

Run: python packaging/transfer_screenshot.py  (writes resources/screenshots/training-transfer.png)

The studio trains mnist-convnet on the bundled digits 0-4, then starts from
that model on digits 5-9 with 10 training images each (batches of 8) (feature extraction),
and trains the same network from scratch on the same data ("Compare with from
scratch"); the Comparison tab shows both runs' curves and test accuracies.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FME_DATA_DIR", tempfile.mkdtemp(prefix="fme-screenshot-"))  # no checkpoints of the user's
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402

from explorer.core.files import atomic_write  # noqa: E402
from explorer.core.train.config import TrainConfig  # noqa: E402
from explorer.ui.shell.application import create_application  # noqa: E402
from explorer.ui.shell.main_window import MainWindow  # noqa: E402
from explorer.ui.training import transfer_sources as sources  # noqa: E402

OUT = ROOT / "resources" / "screenshots" / "training-transfer.png"
BASE = TrainConfig(model="mnist-convnet", dataset="digits", epochs=10, batch_size=32, classes=(0, 1, 2, 3, 4))
EPOCHS = 30
PER_CLASS = 10


def wait_for(condition, timeout_s: float = 900.0) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the runs took too long")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def main() -> int:
    create_application()
    window = MainWindow(auto_load_tf=False)
    window.resize(1280, 800)
    window.show()
    window.select_part("training")
    window.wait_until_ready()
    studio = window.training
    studio.controls.set_config(BASE)
    studio.start(BASE)
    wait_for(lambda: studio.trained_model() is not None and not studio.is_running())
    panel = studio.controls.transfer
    planned = []
    panel.planned.connect(planned.append)
    panel.set_choice(sources.JUST_TRAINED)
    wait_for(lambda: bool(planned))
    studio.controls.classes.setText("5-9")
    studio.controls.per_class.setValue(PER_CLASS)
    studio.controls.epochs.setValue(EPOCHS)
    studio.controls.batch_size.setValue(8)  # a few steps an epoch: 50 images would make one batch
    shown = []
    studio.comparison.both_shown.connect(lambda: shown.append(True))
    if not studio.compare_with_scratch():
        print(studio.status.text(), file=sys.stderr)
        return 1
    wait_for(lambda: bool(shown) and not studio.is_running())
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
    print(studio.comparison_view.caption.text())
    print(studio.results_label.text())
    path = atomic_write(OUT, lambda tmp: window.grab().save(tmp, "PNG"))
    print(path)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
