"""README's Quick start is what CI runs: two commands, the second one verbatim in .ci/run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_quick_start_has_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    install, test = commands
    assert install.endswith("feature-map-explorer")
    assert "[test]" in test and "pytest" in test


def test_ci_runs_readme_test_command_verbatim():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quick_start_commands()[1] in [line.strip() for line in ci_lines]


def test_readme_screenshot_exists():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text):
        assert (ROOT / image).is_file(), image


def test_python_api_example_runs(tmp_path, monkeypatch):
    """The README's Python API block runs as written (with a real file for photo.jpg)."""
    import numpy as np
    from PIL import Image

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## Python API.*?```python\n(.*?)```", text, re.S).group(1)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "photo.jpg")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
