"""Render the README's screenshots of the Inside part with the app itself (offscreen).

Run: python packaging/inside_screenshots.py [--data-dir FOLDER_WITH_MNIST_IDX_FILES]
(writes resources/screenshots/inside-*.png)

Trains the seed convnet briefly in the studio (MNIST from --data-dir, else the
offline digits), so the Inside part follows the real run: its snapshots and
its test set. Then each view is run in the real window and grabbed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402

from explorer.core.files import atomic_write  # noqa: E402
from explorer.ui.shell.application import create_application  # noqa: E402
from explorer.ui.shell.main_window import MainWindow  # noqa: E402

OUT = ROOT / "resources" / "screenshots"


def settle(window, seconds=0.4):
    window.wait_until_ready()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)


def until(window, condition, timeout=600.0):
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        settle(window, 0.1)


def save(window, name):
    settle(window, 0.6)
    path = atomic_write(OUT / f"inside-{name}.png", lambda tmp: window.grab().save(tmp, "PNG"))
    print(path)


def train(window, data_dir: str | None) -> None:
    from explorer.core.train.config import TrainConfig

    window.select_part("training")
    settle(window)
    studio = window.training
    if data_dir:
        config = TrainConfig(model="mnist-convnet", dataset="mnist", data_dir=data_dir, limit=12000, epochs=3)
    else:
        config = TrainConfig(model="mnist-convnet", dataset="digits", epochs=8, batch_size=32)
    studio.controls.set_config(config)
    studio.start(config, checkpoint_dir=None)
    until(window, lambda: not studio.controller.is_running())
    settle(window, 1.0)


def run_view(window, view) -> None:
    inside = window.inside
    inside.tabs.setCurrentWidget(view)
    settle(window, 0.2)
    view.request()
    until(window, lambda: not inside.worker.is_busy() and not inside.progress.isVisible())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with the four MNIST IDX files")
    args = parser.parse_args()
    create_application()
    window = MainWindow(auto_load_tf=False)
    window.resize(1280, 800)
    window.show()
    settle(window)
    window.select_part("inside")
    settle(window)
    save(window, "no-model")
    train(window, args.data_dir)
    window.select_part("inside")
    inside = window.inside
    until(window, lambda: inside.facts() is not None and inside.test_images() is not None)

    inside.units.first.setValue(32)
    run_view(window, inside.units)
    save(window, "units")

    inside.top.select_layer(inside.facts().spatial[-1])
    inside.top.count.setValue(16)
    run_view(window, inside.top)
    # One pass ranked every unit: show one that many images excite (its 16th image still strongly).
    inside.top.unit.setValue(int(inside.top.result.top.activations[:, -1].argmax()))
    save(window, "top-images")

    inside.attribution.show_test_image(8)
    inside.attribution.patch.setValue(5)
    inside.attribution.stride.setValue(1)
    run_view(window, inside.attribution)
    save(window, "attribution")

    inside.embedding.algorithm.setCurrentIndex(inside.embedding.algorithm.findData("tsne"))
    inside.embedding.count.setValue(min(2000, len(inside.test_images().images)))
    run_view(window, inside.embedding)
    save(window, "embedding")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
