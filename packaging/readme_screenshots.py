"""Render the README's screenshots with the app itself (offscreen).

Run: python packaging/readme_screenshots.py  (writes resources/screenshots/*.png)

The default window comes from ``feature-map-explorer screenshot``; this script
also drives the kernel lab into the states the README explains.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402

from explorer.core.files import atomic_write  # noqa: E402
from explorer.core.lab import kernels  # noqa: E402
from explorer.core.lab import pipeline as lab
from explorer.ui.shell.application import create_application  # noqa: E402
from explorer.ui.shell.main_window import MainWindow  # noqa: E402

OUT = ROOT / "resources" / "screenshots"


def settle(window, seconds=0.4):
    window.wait_until_ready()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)


def save(window, name):
    settle(window)
    path = atomic_write(OUT / f"{name}.png", lambda tmp: window.grab().save(tmp, "PNG"))
    print(path)


def main() -> int:
    create_application()
    window = MainWindow(auto_load_tf=False)
    window.resize(1280, 800)
    window.show()
    lab_widget = window.kernel_lab
    settle(window)
    lab_widget.pin_pixel(0, 250, 330, pooled=False)  # pin the explanation of one pixel
    save(window, "kernel-lab")

    lab_widget.editor.set_bank(lab.KernelBank.of([kernels.PRESETS["vertical-line"], kernels.PRESETS["horizontal-line"]]))
    panel = lab_widget.settings_panel
    panel.modes.button(1).click()
    panel.activation.setCurrentIndex(panel.activation.findData("relu"))
    panel.pool.setCurrentIndex(panel.pool.findData("max"))
    settle(window)
    lab_widget.pin_pixel(1, 60, 90, pooled=True)
    save(window, "kernel-lab-layer-pooling")
    classroom(window)
    train_and_draw(window)
    window.close()
    return 0


def classroom(window) -> None:
    """Presentation settings: dark, text at 150 %, colour-blind-safe maps, the Concepts panel."""
    window.resize(1600, 1000)
    window.set_theme("dark")
    window.set_ui_scale(150)
    window.set_colour_scheme("colour-blind")
    window.show_concepts("pooling")
    save(window, "classroom")
    window.concepts.hide()
    window.set_theme("light")
    window.set_ui_scale(100)
    window.set_colour_scheme("classic")
    window.resize(1280, 800)


def train_and_draw(window) -> None:
    """A short offline run in the studio, then a drawn digit classified by the result."""
    from explorer.core.predict.drawing import Stroke
    from explorer.core.train.config import TrainConfig

    window.select_part("training")
    settle(window)
    studio = window.training
    config = TrainConfig(model="mnist-convnet", dataset="digits", epochs=6, batch_size=32)
    studio.controls.set_config(config)
    studio.start(config, checkpoint_dir=None)
    while studio.controller.is_running():
        settle(window, 0.2)
    studio.tabs.setCurrentIndex(2)  # results: confusion matrix and mistakes
    save(window, "training")
    window.select_part("draw")
    settle(window)
    window.draw.canvas.set_strokes([Stroke(((0.5, 0.15, 1.0), (0.5, 0.85, 1.0)), width=0.09)])
    window.draw.heat_box.setChecked(True)
    settle(window, 2.0)
    save(window, "draw")


if __name__ == "__main__":
    sys.exit(main())
