"""Start-up benchmark: time from process launch to the main window's first paint.

Not a pytest test (timings do not belong in the test suite). Run it with::

    python tests/benchmarks/bench_startup.py [--runs 5]

Each run starts ``python -m explorer`` with ``FME_STARTUP_PROBE=1``; the app
prints ``FME_WINDOW_SHOWN <time.time()>`` right after its first paint and
quits. Start-up time is that timestamp minus the time just before ``Popen``.
As a baseline, the same run measures ``python -c "import tensorflow"`` once.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
BUDGET_S = 1.0
MARKER = "FME_WINDOW_SHOWN"


def child_env() -> dict[str, str]:
    """Environment for the child: offscreen Qt, probe on, repo importable."""
    env = dict(os.environ, FME_STARTUP_PROBE="1", QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def time_startup(python: str, timeout: float) -> float:
    """Launch the app once and return seconds until its first paint.

    Parameters
    ----------
    python : str
        Interpreter to run.
    timeout : float
        Seconds to wait before giving up.

    Returns
    -------
    float
        Wall time from just before ``Popen`` to the child's reported time.
    """
    start = time.time()
    proc = subprocess.Popen(
        [python, "-m", "explorer"], cwd=REPO, env=child_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"the app did not report {MARKER} within {timeout} s") from None
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            return float(line.split()[1]) - start
    raise RuntimeError(f"no {MARKER} line (exit {proc.returncode}); stderr:\n{stderr}")


def time_tensorflow_import(python: str, timeout: float) -> float:
    """Return wall seconds of ``python -c "import tensorflow"`` (one run)."""
    start = time.time()
    result = subprocess.run([python, "-c", "import tensorflow"], capture_output=True, text=True,
                            timeout=timeout)
    elapsed = time.time() - start
    if result.returncode != 0:
        raise RuntimeError(f"import tensorflow failed:\n{result.stderr.strip().splitlines()[-1:]}")
    return elapsed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed app launches (default 5)")
    parser.add_argument("--warmup", type=int, default=0, help="untimed launches first (default 0)")
    parser.add_argument("--python", default=sys.executable, help="interpreter (default: this one)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per launch")
    parser.add_argument("--skip-tensorflow", action="store_true", help="skip the import baseline")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for _ in range(args.warmup):
        time_startup(args.python, args.timeout)
    times = []
    for run in range(1, args.runs + 1):
        seconds = time_startup(args.python, args.timeout)
        times.append(seconds)
        print(f"  run {run}: window shown after {seconds:.3f} s")
    median = statistics.median(times)
    print(f"Start-up to first paint ({args.runs} runs): median {median:.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s")
    # The budget is a hard limit, so every run must meet it, not just the median.
    verdict = "PASS" if max(times) <= BUDGET_S else "FAIL"
    print(f"Budget {BUDGET_S:.1f} s for every run (slowest {max(times):.3f} s): {verdict}")
    if not args.skip_tensorflow:
        try:
            tf_seconds = time_tensorflow_import(args.python, args.timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"Baseline python -c 'import tensorflow': unavailable ({exc})")
        else:
            print(f"Baseline python -c 'import tensorflow' (1 run): {tf_seconds:.3f} s")
            print(f"Ratio import tensorflow / app start-up (median): {tf_seconds / median:.1f}x")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
