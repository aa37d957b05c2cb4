"""Render ``resources/icon.svg`` into the raster icons the bundles need.

Run: python packaging/make_icons.py  (writes resources/icon.ico, icon.icns, icon-256.png)

Windows executables want an ``.ico``, macOS app bundles an ``.icns``, and
Linux desktops without SVG support a PNG. Qt's SVG renderer draws each size
from the vector source (small sizes stay crisp instead of being shrunk from
one big bitmap); Pillow packs the frames into the ICO and ICNS containers.
The generated files are committed, so a build needs neither step;
tests/packaging/test_packaging.py checks they still match the SVG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icon.svg"

#: Frame sizes Windows Explorer picks from (256 is the largest ICO allows).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: Sizes an ICNS holds (Pillow stores 16..512 plus the 512@2x = 1024 frame).
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
#: The PNG for Linux (and the hicolor 256x256 theme folder).
PNG_SIZE = 256

__all__ = ["ICO_SIZES", "ICNS_SIZES", "PNG_SIZE", "render", "write_icons"]


def render(size: int, svg: Path = SVG) -> Image.Image:
    """Render the SVG as a square RGBA image of ``size`` pixels.

    Parameters
    ----------
    size : int
        Width and height in pixels.
    svg : pathlib.Path, optional
        The vector icon; defaults to ``resources/icon.svg``.

    Returns
    -------
    PIL.Image.Image
        An RGBA image, transparent outside the icon's rounded square.

    Raises
    ------
    ValueError
        If Qt cannot read the SVG.
    """
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _ensure_gui_application()
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"cannot read SVG {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)  # transparent corners
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    # Hand the pixels to Pillow as PNG bytes: no stride or byte-order guesswork.
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return _png_to_pillow(bytes(buffer.data()))


def _png_to_pillow(data: bytes) -> Image.Image:
    import io

    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGBA")


def _ensure_gui_application() -> None:
    # QPainter needs a Q(Gui)Application; reuse one if a caller (pytest-qt) has it.
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed
        # Kept on the function: the application must outlive this call.
        _ensure_gui_application.app = QGuiApplication(["make_icons"])


def write_icons(folder: Path, svg: Path = SVG) -> list[Path]:
    """Write ``icon.ico``, ``icon.icns`` and ``icon-256.png`` into ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        Destination folder (created if missing).
    svg : pathlib.Path, optional
        The vector icon; defaults to ``resources/icon.svg``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    frames = {size: render(size, svg) for size in sorted(set(ICO_SIZES + ICNS_SIZES))}
    ico, icns, png = folder / "icon.ico", folder / "icon.icns", folder / f"icon-{PNG_SIZE}.png"
    # Pillow takes the frames it packs from the largest image plus append_images.
    frames[max(ICO_SIZES)].save(ico, sizes=[(s, s) for s in ICO_SIZES],
                                append_images=[frames[s] for s in ICO_SIZES])
    frames[max(ICNS_SIZES)].save(icns, append_images=[frames[s] for s in ICNS_SIZES])
    frames[PNG_SIZE].save(png, optimize=True)
    return [ico, icns, png]


def main() -> int:
    for path in write_icons(ROOT / "resources"):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
