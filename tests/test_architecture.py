"""The architecture's rules, checked in the suite: lint, layers, cycles, private names, module size.

The rules themselves live in pyproject.toml ([tool.ruff], [tool.importlinter]);
what those tools cannot say is checked here from the code's own syntax trees.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "explorer"
MAX_LINES = 600  # "about 500": a module past this holds more than one idea


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_passes():
    result = _run("-m", "ruff", "check", "explorer", "tests", "packaging")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_linter_contracts_are_kept():
    result = _run("-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout, result.stdout


def test_no_import_cycles_also_through_imports_inside_functions():
    graph = grimp.build_graph("explorer", include_external_packages=False)
    cycles = _cycles({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(sorted(c)) for c in cycles)


def _cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_cycle_finder_finds_a_loop_and_accepts_a_tree():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert _cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def _private_imports(path: Path) -> list[str]:
    """`from explorer.x import _name` in `path`, where _name is not a module of its own."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("explorer"):
            for alias in node.names:
                is_module = (ROOT / node.module.replace(".", "/") / f"{alias.name}.py").exists()
                if alias.name.startswith("_") and not alias.name.startswith("__") and not is_module:
                    found.append(f"{path.name}:{node.lineno}: {node.module}.{alias.name}")
    return found


def test_no_module_imports_another_modules_private_names():
    offenders = [line for path in _modules() for line in _private_imports(path)]
    assert not offenders, "\n".join(offenders)


def test_private_import_check_sees_one_and_accepts_modules(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from explorer.core.lab.pipeline import _secret, public\n"
                     "from explorer.core import __doc__\n", encoding="utf-8")
    assert _private_imports(probe) == ["probe.py:1: explorer.core.lab.pipeline._secret"]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_holds_one_idea(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it along its seams"


def test_every_package_is_installed():
    """A package missing from pyproject's list works in the checkout but not once installed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    packages = {_module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert packages - listed == set(), "add these to [tool.setuptools] packages"
