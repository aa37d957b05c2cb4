"""Shared test set-up.

Qt must not need a display: the offscreen platform is selected here, before
pytest-qt or any test module imports Qt.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Checkpoints and class drawings go to a throw-away folder, never the user's data folder.
import tempfile  # noqa: E402

os.environ.setdefault("FME_DATA_DIR", tempfile.mkdtemp(prefix="fme-test-data-"))
