"""With TensorFlow loaded and oneDNN on (the app's setup), results do not change.

The rest of tests/core runs TF with oneDNN off, for trustworthy references.
Here a subprocess with TF's defaults computes random single-image cases
twice: before TensorFlow is loaded (NumPy engines, checked against TF
elsewhere) and after (where conv2d and filter_image hand work to TF).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = r"""
import json, sys
import numpy as np
from explorer.core.lab import ops
from explorer.core import tf_backend

rng = np.random.default_rng(7)
cases = []
for _ in range(150):
    h, w = (int(v) for v in rng.integers(3, 24, 2))
    c = int(rng.integers(1, 4))
    kh, kw = (int(v) for v in rng.integers(1, 6, 2))
    stride = int(rng.integers(1, 4))
    dilation = 1 if stride > 1 else int(rng.integers(1, 3))
    padding = ["same", "valid", 1, ((0, 2), (1, 0))][int(rng.integers(4))]
    filters = int(rng.integers(1, 9))
    x = rng.standard_normal((h, w, c)).astype(np.float32)
    bank = rng.standard_normal((kh, kw, c, filters)).astype(np.float32)
    bank[rng.random((kh, kw)) < 0.2] = 0
    cases.append((x, bank, bank[:, :, 0, 0].copy(), dict(stride=stride, padding=padding, dilation=dilation)))

def run_all():
    out = []
    for x, bank, k2, kw in cases:
        try:
            out.append((ops.conv2d(x, bank, **kw), ops.filter_image(x, k2, **kw)))
        except ValueError:
            out.append(None)
    return out

before = run_all()
tf_backend.load()
after = run_all()
bad = []
for i, (a, b) in enumerate(zip(before, after)):
    if (a is None) != (b is None):
        bad.append(f"case {i}: raised only once")
    elif a is not None:
        for name, u, v in zip(("conv2d", "filter_image"), a, b):
            if u.shape != v.shape or not np.allclose(u, v, rtol=1e-4, atol=1e-4 * max(1, np.abs(u).max())):
                bad.append(f"case {i} {name} {cases[i][3]} x{cases[i][0].shape} k{cases[i][1].shape}")
print(json.dumps({"checked": sum(r is not None for r in before), "bad": bad}))
"""


def test_tensorflow_paths_agree_with_numpy_under_onednn():
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["checked"] > 100
    assert not report["bad"], "\n".join(report["bad"][:10])
