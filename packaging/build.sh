#!/usr/bin/env bash
# Build the one-folder bundle dist/feature-map-explorer/ with PyInstaller, then smoke-test it.
#
#   bash packaging/build.sh            (PYTHON=python3.12 bash packaging/build.sh for another Python)
#
# The build gets its own virtual environment (build/venv, reused by later runs; delete
# build/ to start over), so it bundles exactly the app's runtime dependencies and
# nothing from a development environment. The smoke test renders the window to a PNG
# offscreen and trains a model for one epoch, so Qt and TensorFlow are both checked
# inside the bundle. Written for macOS (which also gets a .app) and Git Bash on Windows
# too, but only tried on Linux.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=build/venv
APP=feature-map-explorer
BUNDLE=dist/$APP
start=$SECONDS

if [ -x "$VENV/bin/python" ]; then
    py=$VENV/bin/python
elif [ -x "$VENV/Scripts/python.exe" ]; then
    py=$VENV/Scripts/python.exe
else
    echo "== creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
    py=$VENV/bin/python
    [ -x "$py" ] || py=$VENV/Scripts/python.exe  # Windows layout
fi

echo "== installing the app and PyInstaller into $VENV"
# tomli: the spec (and the Linux step below) reads pyproject.toml, and tomllib only exists
# from Python 3.11 on.
"$py" -m pip install --quiet "pyinstaller>=6.11,<7" "tomli>=1.1; python_version < '3.11'"
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64)
        # Here the `tensorflow` wheel carries the CUDA kernels, which the bundle never uses;
        # `tensorflow-cpu` is the same release without them (about 400 MB less in the
        # bundle). It is another distribution name, so the app goes in with --no-deps and
        # its pyproject dependencies with tensorflow renamed. Elsewhere plain `pip install .`:
        # macOS has no tensorflow-cpu wheel, and Windows' tensorflow is a CPU build already
        # (native Windows GPU support ended with TensorFlow 2.10).
        "$py" - >build/requirements.txt <<'EOF'
import re
try:
    import tomllib
except ModuleNotFoundError:
    import tomli as tomllib
with open("pyproject.toml", "rb") as file:
    for dep in tomllib.load(file)["project"]["dependencies"]:
        print(re.sub(r"^tensorflow(?![A-Za-z0-9._-])", "tensorflow-cpu", dep))
EOF
        # A build/venv made before this script used tensorflow-cpu has `tensorflow`, whose
        # files tensorflow-cpu shares: remove both, and tensorflow-cpu comes back whole.
        if "$py" -m pip show tensorflow >/dev/null 2>&1; then
            "$py" -m pip uninstall --quiet --yes tensorflow tensorflow-cpu 2>/dev/null
        fi
        echo "   dependencies:" $(cat build/requirements.txt)
        "$py" -m pip install --quiet -r build/requirements.txt
        "$py" -m pip install --quiet --no-deps .
        ;;
    *)
        "$py" -m pip install --quiet .
        ;;
esac

echo "== running PyInstaller"
# The command, not `python -m PyInstaller`: -m would put this checkout first on the
# import path, and the bundle must be made from the installed app (see the spec).
"$(dirname "$py")/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build packaging/$APP.spec
echo "== built $BUNDLE in $(( SECONDS - start )) s, $(du -sh "$BUNDLE" | cut -f1)"

# ------------------------------------------------------------- smoke test
exe=$BUNDLE/$APP
[ -x "$exe" ] || exe=$BUNDLE/$APP.exe
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== smoke test: $exe"
"$exe" --version
# The window icon: the app carries on without it, so check it is there.
[ -f "$BUNDLE/_internal/explorer/resources/icon.svg" ] || {
    echo "icon.svg is missing from the bundle" >&2; exit 1; }

QT_QPA_PLATFORM=offscreen "$exe" screenshot --out "$scratch/window.png"
# Check it is a real 1280x800 PNG, not just some file.
"$py" -c "import sys; from PIL import Image; size = Image.open(sys.argv[1]).size; \
assert size == (1280, 800), size" "$scratch/window.png"
cp "$scratch/window.png" dist/$APP-screenshot.png
echo "screenshot OK: dist/$APP-screenshot.png"

"$exe" summary --model mnist-convnet | grep "Total params"
# `summary` needs no TensorFlow; one epoch on the bundled offline digits does.
FME_DATA_DIR="$scratch/data" "$exe" train --model mnist-convnet --dataset digits \
    --epochs 1 --batch-size 64 --optimizer adam --out "$scratch/digits.keras" | tail -n 1
[ -s "$scratch/digits.keras" ] || { echo "training in the bundle wrote no model" >&2; exit 1; }

if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate packaging/$APP.desktop && echo "desktop file OK"
fi

echo "== done in $(( SECONDS - start )) s: run $exe (see README, Packaging)"
