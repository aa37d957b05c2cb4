"""``screenshot``: render the window offscreen and save it as a PNG."""

from __future__ import annotations

import argparse
import os
import re

from explorer.cli.command import CliError, Subcommand
from explorer.core.parts import PARTS

__all__ = ["COMMAND", "parse_size"]

_MAX_SIDE = 16384


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``"WIDTHxHEIGHT"`` (e.g. ``"1280x800"``) into a tuple.

    Parameters
    ----------
    text : str
        The size; ``x``, ``X`` or ``×`` separate the numbers.

    Returns
    -------
    tuple of int
        ``(width, height)``, each between 1 and 16384.

    Raises
    ------
    argparse.ArgumentTypeError
        If the text is malformed or out of range.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: expected WIDTHxHEIGHT, e.g. 1280x800")
    width, height = int(match.group(1)), int(match.group(2))
    if not (1 <= width <= _MAX_SIDE and 1 <= height <= _MAX_SIDE):
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: width and height must be between 1 and {_MAX_SIDE}"
        )
    return width, height


def _add_screenshot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.png", help="PNG file to write")
    parser.add_argument(
        "--part",
        choices=PARTS,
        default=None,
        help=f"part of the app to show: {', '.join(PARTS)} (default: the lesson's, else {PARTS[0]})",
    )
    parser.add_argument("--lesson", metavar="FILE.fmlesson", help="open this lesson first")
    from explorer.core.presentation import DEFAULT_SCALE, SCALES, THEMES
    from explorer.core.render.colour_maps import COLOUR_SCHEMES, DEFAULT_SCHEME

    parser.add_argument("--theme", choices=tuple(THEMES), default="light", help="window colours (default: light)")
    parser.add_argument("--scale", type=int, choices=SCALES, default=DEFAULT_SCALE, metavar="PERCENT",
                        help=f"UI text scale: {', '.join(map(str, SCALES))} (default: %(default)s)")
    parser.add_argument("--colour-maps", dest="colour_scheme", choices=tuple(COLOUR_SCHEMES), default=DEFAULT_SCHEME,
                        help=f"colour scheme of the maps: {', '.join(COLOUR_SCHEMES)} (default: %(default)s)")
    parser.add_argument(
        "--size",
        type=parse_size,
        default=(1280, 800),
        metavar="WxH",
        help="window size in pixels (default: 1280x800)",
    )


def _run_screenshot(args: argparse.Namespace) -> int:
    if not args.out.lower().endswith(".png"):
        raise CliError(f"--out must name a .png file, got {args.out!r}")
    # Must happen before the QApplication exists; respects an explicit choice.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from explorer.ui.shell.screenshot import save_screenshot

    try:
        path = save_screenshot(args.out, args.part, args.size, lesson=args.lesson, theme=args.theme,
                               scale=args.scale, colour_scheme=args.colour_scheme)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CliError(f"cannot write {args.out}: {reason}") from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(path)
    return 0


COMMAND = Subcommand(
    name="screenshot",
    help="render the window to a PNG without a display",
    description="Render the main window offscreen and save it as a PNG image.",
    add_arguments=_add_screenshot_arguments,
    run=_run_screenshot,
)
