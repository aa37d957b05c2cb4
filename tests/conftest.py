"""Shared test set-up.

Qt must not need a display: the offscreen platform is selected here, before
pytest-qt or any test module imports Qt.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
