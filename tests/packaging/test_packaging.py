"""The packaging files: PyInstaller spec, icons, desktop file and build script.

The spec is run here with stand-ins for PyInstaller's build classes, so these
tests need no PyInstaller and never build a bundle (that takes minutes; see
packaging/build.sh and README, Packaging).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "feature-map-explorer.spec"
DESKTOP = PACKAGING / "feature-map-explorer.desktop"
RESOURCES = ROOT / "resources"

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


# ------------------------------------------------------------ spec harness
class _Build:
    """Records what the spec asks PyInstaller to build."""

    def __init__(self, modules):
        self.calls: dict[str, list[SimpleNamespace]] = {}
        self.modules = modules

    def recorder(self, kind):
        def record(*args, **kwargs):
            pure = [(name, f"/site-packages/{name}.py", "PYMODULE") for name in self.modules]
            call = SimpleNamespace(args=args, kwargs=kwargs,
                                   pure=pure, scripts=[], binaries=[], datas=kwargs.get("datas", []))
            self.calls.setdefault(kind, []).append(call)
            return call

        return record

    def one(self, kind) -> SimpleNamespace:
        (call,) = self.calls[kind]
        return call


def run_spec(root: Path, platform: str, monkeypatch, workpath: Path,
             modules=("explorer", "explorer.app", "explorer.resources")) -> _Build:
    """Execute ``root/packaging/feature-map-explorer.spec`` as PyInstaller would on ``platform``.

    ``modules`` are the ones the stand-in analysis reports as found.
    """
    build = _Build(modules)
    namespace = {"SPECPATH": str(root / "packaging"), "workpath": str(workpath),
                 "DISTPATH": str(root / "dist"), "__name__": "__main__"}
    for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"):
        namespace[kind] = build.recorder(kind)
    monkeypatch.setattr(sys, "platform", platform)
    spec = root / "packaging" / SPEC.name
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), namespace)
    build.namespace = namespace
    return build


def fake_project(tmp_path: Path, name: str, version: str) -> Path:
    """A copy of the packaging folder beside a pyproject.toml with another name and version."""
    root = tmp_path / "project"
    (root / "packaging").mkdir(parents=True)
    for file in (SPEC.name, "launch.py"):
        shutil.copy(PACKAGING / file, root / "packaging" / file)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    real = tomllib.loads(text)["project"]
    text = text.replace(f'name = "{real["name"]}"', f'name = "{name}"', 1)
    text = text.replace(f'version = "{real["version"]}"', f'version = "{version}"', 1)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    shutil.copytree(RESOURCES, root / "resources", ignore=shutil.ignore_patterns("screenshots"))
    return root


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# ------------------------------------------------- name and version come from pyproject
@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_spec_names_the_bundle_after_the_project(platform, monkeypatch, tmp_path):
    root = fake_project(tmp_path, "some-other-app", "9.8.7")
    build = run_spec(root, platform, monkeypatch, tmp_path / "work")
    assert build.one("COLLECT").kwargs["name"] == "some-other-app"
    assert build.calls["EXE"][0].kwargs["name"] == "some-other-app"


def test_spec_puts_the_project_version_into_the_mac_app(monkeypatch, tmp_path):
    root = fake_project(tmp_path, "some-other-app", "9.8.7")
    bundle = run_spec(root, "darwin", monkeypatch, tmp_path / "work").one("BUNDLE").kwargs
    assert bundle["version"] == "9.8.7"
    assert bundle["info_plist"]["CFBundleShortVersionString"] == "9.8.7"


def test_spec_puts_the_project_version_into_the_windows_executables(monkeypatch, tmp_path):
    root = fake_project(tmp_path, "some-other-app", "9.8.7rc1")
    build = run_spec(root, "win32", monkeypatch, tmp_path / "work")
    for exe in build.calls["EXE"]:
        text = Path(exe.kwargs["version"]).read_text(encoding="utf-8")
        assert "(9, 8, 7, 0)" in text and "'9.8.7rc1'" in text
        assert f"'{exe.kwargs['name']}.exe'" in text


def test_windows_version_info_is_the_structure_pyinstaller_evaluates(monkeypatch, tmp_path):
    """The text is an expression of PyInstaller's version-info classes (evaluated with stand-ins)."""
    build = run_spec(ROOT, "win32", monkeypatch, tmp_path)
    text = Path(build.calls["EXE"][0].kwargs["version"]).read_text(encoding="utf-8")
    names = ["VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
             "VarFileInfo", "VarStruct"]
    info = eval(text, {name: (lambda *a, _n=name, **k: (_n, a, k)) for name in names})
    assert info[0] == "VSVersionInfo"
    numbers = info[2]["ffi"][2]["filevers"]
    assert len(numbers) == 4 and all(isinstance(n, int) for n in numbers)
    strings = dict(item[1] for item in _walk(info) if item[:1] == ("StringStruct",))
    assert strings["ProductVersion"] == pyproject()["project"]["version"]


def _walk(node):
    """Every tuple in a nest of tuples, lists and dicts."""
    if isinstance(node, tuple):
        yield node
    if isinstance(node, (tuple, list)):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, dict):
        for child in node.values():
            yield from _walk(child)


def test_windows_gets_a_console_and_a_gui_executable(monkeypatch, tmp_path):
    """Like pyproject's scripts and gui-scripts: the CLI keeps its output, the GUI has no console."""
    exes = run_spec(ROOT, "win32", monkeypatch, tmp_path).calls["EXE"]
    scripts = pyproject()["project"]
    console = {exe.kwargs["name"]: exe.kwargs["console"] for exe in exes}
    assert console == {next(iter(scripts["scripts"])): True, next(iter(scripts["gui-scripts"])): False}


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_one_console_executable_elsewhere(platform, monkeypatch, tmp_path):
    (exe,) = run_spec(ROOT, platform, monkeypatch, tmp_path).calls["EXE"]
    assert exe.kwargs["console"] is True  # stdout of `screenshot`, `summary`, ...
    assert exe.kwargs["exclude_binaries"] is True  # one folder: libraries go to COLLECT


# ------------------------------------------------------------ icons and resources
@pytest.mark.parametrize(("platform", "suffix"), [("win32", ".ico"), ("darwin", ".icns"), ("linux", None)])
def test_spec_icon_per_platform_exists(platform, suffix, monkeypatch, tmp_path):
    build = run_spec(ROOT, platform, monkeypatch, tmp_path)
    icons = {exe.kwargs["icon"] for exe in build.calls["EXE"]}
    if platform == "darwin":
        icons.add(build.one("BUNDLE").kwargs["icon"])
    if suffix is None:
        assert icons == {None}
        return
    (icon,) = icons
    assert Path(icon).suffix == suffix and Path(icon).is_file()


def test_spec_ships_the_runtime_resources_where_the_wheel_installs_them(monkeypatch, tmp_path):
    datas = run_spec(ROOT, "linux", monkeypatch, tmp_path).one("Analysis").kwargs["datas"]
    assert all(Path(source).is_file() for source, _ in datas)
    shipped = {(Path(source).name, folder) for source, folder in datas}
    # explorer.paths.resource_path("icon.svg") is what the running app asks for.
    assert ("icon.svg", "explorer/resources") in shipped
    assert not any("screenshots" in source for source, _ in datas)  # README images stay out


def test_spec_refuses_a_bundle_without_the_resources_package(monkeypatch, tmp_path):
    """A source checkout analysed instead of the installed app has no explorer.resources."""
    with pytest.raises(SystemExit, match="explorer.resources"):
        run_spec(ROOT, "linux", monkeypatch, tmp_path, modules=("explorer", "explorer.app"))


def test_entry_script_runs_the_cli(monkeypatch, tmp_path):
    analysis = run_spec(ROOT, "linux", monkeypatch, tmp_path).one("Analysis")
    (script,) = analysis.args[0]
    assert "from explorer.app import main" in Path(script).read_text(encoding="utf-8")


def test_the_registry_imports_every_command_where_the_bundle_analysis_sees_it():
    """PyInstaller bundles what import statements name: a command imported by name alone would be missing."""
    import grimp

    from explorer.cli.registry import SUBCOMMANDS, build_parser

    build_parser()
    graph = grimp.build_graph("explorer")
    imported = graph.find_modules_directly_imported_by("explorer.cli.registry")
    commands = {f"explorer.cli.{path.stem}" for path in (ROOT / "explorer" / "cli").glob("*.py")
                if "COMMAND = Subcommand(" in path.read_text(encoding="utf-8")}
    assert len(commands) == len({"screenshot", "filter", "train", "summary", "inspect"} & set(SUBCOMMANDS)) == 5
    assert commands <= imported


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_spec_drops_unused_qt_on_linux_only(platform, monkeypatch, tmp_path):
    build = run_spec(ROOT, platform, monkeypatch, tmp_path)
    linux = platform == "linux"
    binaries = [(name, f"/venv/{name}", "BINARY") for name in (
        "PySide6/Qt/lib/libQt6Quick.so.6", "PySide6/Qt/lib/libQt6QmlModels.so.6", "libQt6Pdf.so.6",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so", "PySide6/Qt/translations/qt_de.qm",
        "PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt/lib/libQt6OpenGL.so.6", "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/plugins/imageformats/libqsvg.so", "PySide6/Qt/plugins/platforms/libqoffscreen.so")]
    kept = [name for name, _, _ in build.namespace["without_unused"](binaries, platform)]
    assert kept == ([name for name, _, _ in binaries[6:]] if linux else [name for name, _, _ in binaries])


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("strip") is None,
                    reason="strips ELF libraries with binutils' strip")
def test_spec_strips_libraries_but_not_auditwheel_ones(monkeypatch, tmp_path):
    build = run_spec(ROOT, "linux", monkeypatch, tmp_path)
    library = Path(importlib.util.find_spec("_ctypes").origin)  # one of Python's own
    vendored = tmp_path / "numpy.libs" / "libx.so"
    vendored.parent.mkdir()
    shutil.copy(library, vendored)
    binaries = [("tensorflow/python/_x.so", str(library), "EXTENSION"), ("numpy.libs/libx.so", str(vendored), "BINARY")]
    (tf, other) = build.namespace["stripped_copies"](binaries, "linux", tmp_path / "stripped")
    assert other == binaries[1]
    assert Path(tf[1]).parent == tmp_path / "stripped" / "tensorflow" / "python"
    assert 0 < Path(tf[1]).stat().st_size <= library.stat().st_size
    assert build.namespace["stripped_copies"](binaries, "win32", tmp_path) == binaries


def _load_make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two same-size RGBA images, 0..255."""
    return float(np.abs(np.asarray(a.convert("RGBA"), np.float32) - np.asarray(b.convert("RGBA"), np.float32)).mean())


# Anti-aliasing may differ by a level or two between Qt versions; a changed SVG differs by far more.
_SAME = 2.0


def test_generated_icons_are_valid_and_match_the_svg(qapp):
    make_icons = _load_make_icons()
    fresh = {size: make_icons.render(size) for size in (*make_icons.ICO_SIZES, max(make_icons.ICNS_SIZES))}

    png = Image.open(RESOURCES / f"icon-{make_icons.PNG_SIZE}.png")
    assert png.format == "PNG" and png.size == (make_icons.PNG_SIZE,) * 2
    assert _difference(png, fresh[make_icons.PNG_SIZE]) < _SAME

    ico = Image.open(RESOURCES / "icon.ico")
    assert ico.format == "ICO"
    assert set(ico.ico.sizes()) == {(s, s) for s in make_icons.ICO_SIZES}
    for size in make_icons.ICO_SIZES:
        ico.size = (size, size)
        assert _difference(ico, fresh[size]) < _SAME, size

    icns = Image.open(RESOURCES / "icon.icns")  # opens at its largest frame
    assert icns.format == "ICNS" and icns.size == (max(make_icons.ICNS_SIZES),) * 2
    assert _difference(icns, fresh[max(make_icons.ICNS_SIZES)]) < _SAME


def test_icon_comparison_notices_a_changed_svg(qapp, tmp_path):
    """Guards the staleness check above: a different drawing must exceed the tolerance."""
    make_icons = _load_make_icons()
    changed = tmp_path / "icon.svg"
    changed.write_text((RESOURCES / "icon.svg").read_text(encoding="utf-8").replace("#ff9f1c", "#1c9fff"),
                       encoding="utf-8")
    png = Image.open(RESOURCES / f"icon-{make_icons.PNG_SIZE}.png")
    assert _difference(png, make_icons.render(make_icons.PNG_SIZE, changed)) > _SAME


# ------------------------------------------------------------ desktop file and build script
def test_desktop_file_validates():
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate not installed (Debian/Ubuntu: apt-get install desktop-file-utils)")
    result = subprocess.run([validator, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_desktop_file_starts_the_installed_command_with_the_installed_icon():
    entries = dict(line.split("=", 1) for line in DESKTOP.read_text(encoding="utf-8").splitlines()
                   if "=" in line)
    project = pyproject()["project"]
    assert entries["Exec"].split()[0] in {*project["scripts"], *project["gui-scripts"]}
    # README's install steps copy the icon under the project's name.
    assert entries["Icon"] == project["name"]


def test_build_script_parses():
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not installed")
    result = subprocess.run([bash, "-n", str(PACKAGING / "build.sh")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
