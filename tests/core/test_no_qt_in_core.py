"""explorer.core must not depend on Qt, and must import TensorFlow lazily.

(a) static: parse every .py under explorer/core and reject any import of a Qt
    binding / pyqtgraph, at any nesting level (inside functions, try blocks,
    ``if TYPE_CHECKING`` ...), including ``importlib.import_module("PySide6")``
    and ``__import__("PySide6")`` with a literal name.
(b) dynamic: in a fresh interpreter, import every module of explorer.core and
    check that neither Qt, pyqtgraph nor TensorFlow ended up in sys.modules.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_DIR = REPO_ROOT / "explorer" / "core"

FORBIDDEN_TOP_LEVEL = frozenset(
    {"PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "qtpy", "pyqtgraph"}
)
# Names that must not be loaded just by importing explorer.core (lazy TF).
FORBIDDEN_AT_IMPORT_TIME = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "tensorflow")
EXPECTED_MODULES = ("explorer.core.lab.kernels", "explorer.core.lab.ops", "explorer.core.arithmetic")


def _is_forbidden(module_name: str | None) -> bool:
    if not module_name:
        return False
    return module_name.split(".")[0] in FORBIDDEN_TOP_LEVEL


def forbidden_imports(source: str, filename: str = "<string>") -> list[str]:
    """Return 'line N: <module>' for every forbidden import found in ``source``."""
    tree = ast.parse(source, filename=filename)
    found: list[str] = []
    for node in ast.walk(tree):  # walks every nesting level
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names = [node.module]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            fname = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            first = node.args[0]
            if (
                fname in {"import_module", "__import__"}
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                names = [first.value]
        for name in names:
            if _is_forbidden(name):
                found.append(f"line {node.lineno}: {name}")
    return found


def _core_sources() -> list[Path]:
    return sorted(p for p in CORE_DIR.rglob("*.py") if "__pycache__" not in p.parts)


# ------------------------------------------------------------------ the checker itself


@pytest.mark.parametrize(
    "snippet",
    [
        "from PySide6 import QtCore",
        "import PySide6.QtWidgets",
        "import pyqtgraph as pg",
        "from PyQt5.QtCore import QObject",
        "import PyQt6",
        "import shiboken6",
        "from qtpy import QtGui",
        "import numpy as np, PySide6",
        """
        def f():
            try:
                from PySide6.QtCore import Signal
            except ImportError:
                pass
        """,
        """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import pyqtgraph
        """,
        """
        class A:
            def m(self):
                import importlib
                return importlib.import_module("PySide6.QtGui")
        """,
        "qt = __import__('PyQt5')",
    ],
)
def test_checker_detects_qt_imports(snippet):
    found = forbidden_imports(textwrap.dedent(snippet))
    assert found, f"checker missed a Qt import in:\n{snippet}"


def test_checker_reports_line_and_module():
    assert forbidden_imports("import numpy\n\nfrom PySide6 import QtCore\n") == [
        "line 3: PySide6"
    ]


@pytest.mark.parametrize(
    "snippet",
    [
        "import numpy as np",
        "from . import ops",
        "from .kernels import PRESETS",
        "import tensorflow as tf",  # allowed statically (but must be lazy: see (b))
        "import pyside6_helpers_not_really",  # different name
        "x = 'from PySide6 import QtCore'",  # just a string
        "# import PySide6",
        "from explorer.core import arithmetic",
    ],
)
def test_checker_accepts_clean_code(snippet):
    assert forbidden_imports(snippet) == []


# ----------------------------------------------------------------- (a) static check


def test_core_package_has_sources():
    names = {p.name for p in _core_sources()}
    assert {"__init__.py", "kernels.py", "ops.py", "arithmetic.py"} <= names, names


def test_no_qt_imports_in_core_sources():
    offenders: dict[str, list[str]] = {}
    for path in _core_sources():
        found = forbidden_imports(path.read_text(encoding="utf-8"), filename=str(path))
        if found:
            offenders[str(path.relative_to(REPO_ROOT))] = found
    assert not offenders, f"Qt / pyqtgraph imported in explorer.core: {offenders}"


def test_core_does_not_import_the_ui_package():
    """Importing explorer.ui from the core would drag Qt in indirectly."""
    offenders = []
    for path in _core_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                if (node.level == 0 and mod.startswith("explorer.ui")) or (
                    node.level >= 2 and mod.split(".")[0] == "ui"
                ):
                    offenders.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Import):
                if any(a.name.startswith("explorer.ui") for a in node.names):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders


# ---------------------------------------------------------------- (b) dynamic check

_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    import explorer.core as core

    imported = ["explorer.core"]
    for info in pkgutil.walk_packages(core.__path__, prefix="explorer.core."):
        importlib.import_module(info.name)
        imported.append(info.name)

    forbidden = {forbidden!r}
    loaded = sorted(
        name for name in sys.modules
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )
    print(json.dumps({{"imported": imported, "loaded": loaded}}))
    """
)


def test_importing_core_loads_no_qt_and_no_tensorflow():
    code = _PROBE.format(forbidden=list(FORBIDDEN_AT_IMPORT_TIME))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=str(REPO_ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"importing explorer.core failed:\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(EXPECTED_MODULES) <= set(result["imported"]), result["imported"]
    assert result["loaded"] == [], (
        "importing explorer.core pulled in: "
        + ", ".join(result["loaded"])
        + " (Qt must never be imported; TensorFlow only lazily, inside functions)"
    )


def test_probe_is_able_to_detect_a_loaded_module():
    """Control for the dynamic check: the same probe sees a module that *is* imported."""
    code = _PROBE.format(forbidden=["json"])
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=str(REPO_ROOT),
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "json" in json.loads(proc.stdout.strip().splitlines()[-1])["loaded"]
