"""A second training run in the same window trains like the first (it used to crash the app).

The run happens in a fresh interpreter: the crash needs TensorFlow imported
for the first time on the training thread (which the window's first Start
does when nothing loaded it earlier), and it took the whole process down, so
inside pytest's process it could neither be reproduced nor reported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from PySide6.QtCore import QCoreApplication
from explorer.core.train.config import TrainConfig
from explorer.core.train.updates import Finished
from explorer.ui.shell.application import create_application
from explorer.ui.shell.main_window import MainWindow

app = create_application([])
window = MainWindow(auto_load_tf=False)
window.show()
window.select_part("training")
assert window.wait_until_ready()
studio = window.training
assert "tensorflow" not in sys.modules  # the first run imports it, on the training thread
finished = []
studio.controller.progressed.connect(lambda u: finished.append(u) if isinstance(u, Finished) else None)
config = TrainConfig(model="mnist-convnet", dataset="digits", epochs=1, batch_size=32, limit=64,
                     validation_split=0.25)
for run in (1, 2):
    assert studio.start(config, checkpoint_dir=None)
    while studio.is_running():
        QCoreApplication.processEvents()
    QCoreApplication.processEvents()
    print(f"run {run}: {len(finished)} finished", flush=True)
window.close()
window.shutdown()
"""


def test_a_second_run_in_the_same_window_finishes():
    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-c", SCRIPT], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["run 1: 1 finished", "run 2: 2 finished"]
