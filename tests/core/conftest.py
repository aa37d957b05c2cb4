"""Shared set-up for the numerical-core tests.

* Makes the repository root importable even when pytest is started from
  elsewhere (the project is not necessarily installed in the venv).
* Quietens TensorFlow's C++ start-up chatter before any test module imports it.
* Turns TensorFlow's oneDNN CPU kernels off (TF_ENABLE_ONEDNN_OPTS=0) for the
  whole test process, so the references come from TF's portable (Eigen)
  kernels. With oneDNN on, TF 2.21's tf.nn.conv2d returns uninitialised memory
  (e.g. 3.6e+30) when N >= 2, C == 1, strides (1, s > 1) and the output is one
  column wide, with "VALID" or explicit padding alike, e.g.
  tf.nn.conv2d(x (2,6,3,1), k (2,2,1,3), strides=[1,1,2,1], padding="VALID").
  The env var only works if set before TensorFlow is first imported, and it
  applies to every test module in this directory (one TF per process).
  test_ops_vs_tf checks conv2d separately in a subprocess with oneDNN on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
