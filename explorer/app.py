"""Entry point: ``feature-map-explorer`` / ``python -m explorer``.

Without a subcommand the GUI opens; subcommands (``screenshot`` now; filter,
summary, train later) are registered in :data:`SUBCOMMANDS`.

This module must stay cheap to import: no PySide6, pyqtgraph or TensorFlow at
module level, so ``--help`` and ``--version`` answer instantly. Each handler
imports what it needs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from explorer import __version__
from explorer.core.parts import PARTS

__all__ = [
    "PROG",
    "CliError",
    "Subcommand",
    "SUBCOMMANDS",
    "register_subcommand",
    "build_parser",
    "parse_size",
    "run_gui",
    "main",
]

PROG = "feature-map-explorer"

#: Set to 1 to print ``FME_WINDOW_SHOWN <time.time()>`` at the first paint and quit.
STARTUP_PROBE_ENV = "FME_STARTUP_PROBE"
#: Set to 1 to see full tracebacks instead of one-line errors.
DEBUG_ENV = "FME_DEBUG"

_MAX_SIDE = 16384


class CliError(Exception):
    """A user-facing error; printed as one line on stderr, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line, without the usage block."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Lists subcommands without argparse's redundant "COMMAND" heading line."""

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        if isinstance(action, argparse._SubParsersAction):
            text = text.split("\n", 1)[1] if "\n" in text else text
        return text


@dataclass(frozen=True)
class Subcommand:
    """A CLI subcommand.

    Attributes
    ----------
    name : str
        Word typed after the program name.
    help : str
        One-line description for the top-level ``--help``.
    add_arguments : callable
        ``add_arguments(parser)`` adds the subcommand's options.
    run : callable
        ``run(args) -> int`` does the work and returns the exit status; it may
        raise :class:`CliError` for a clean one-line error.
    description : str
        Longer text for the subcommand's own ``--help``.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""


#: Registered subcommands by name, in ``--help`` order.
SUBCOMMANDS: dict[str, Subcommand] = {}


def register_subcommand(command: Subcommand) -> None:
    """Add ``command`` to :data:`SUBCOMMANDS` (replacing one of the same name).

    Parameters
    ----------
    command : Subcommand
        The subcommand; its ``run`` should import heavy modules lazily.
    """
    SUBCOMMANDS[command.name] = command


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered subcommand.

    Returns
    -------
    argparse.ArgumentParser
        Parser whose namespace has ``command`` (None for the GUI).
    """
    _register_builtin_commands()
    parser = _Parser(
        prog=PROG,
        formatter_class=_HelpFormatter,
        description="See what a convolutional neural network does: live kernels, "
        "background training, draw & classify. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--lesson", metavar="FILE.fmlesson", help="open the window with this lesson")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in SUBCOMMANDS.values():
        child = sub.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
        )
        command.add_arguments(child)
    return parser


def _register_builtin_commands() -> None:
    """Import the modules that register the other subcommands (cheap: they import lazily)."""
    import explorer.filter_command  # noqa: F401
    import explorer.train_command  # noqa: F401
    import explorer.summary_command  # noqa: F401


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


# --------------------------------------------------------------------- GUI
def run_gui(args: argparse.Namespace | None = None) -> int:
    """Open the main window and run the Qt event loop.

    Parameters
    ----------
    args : argparse.Namespace, optional
        Parsed arguments: ``lesson`` names a lesson file to open.

    Returns
    -------
    int
        The event loop's exit status.
    """
    from explorer.ui.application import create_application
    from explorer.ui.main_window import MainWindow
    from explorer.ui.preferences import Preferences

    app = create_application()
    probe = os.environ.get(STARTUP_PROBE_ENV) == "1"
    # The probe quits at the first paint; importing TensorFlow would only
    # make it wait for the import at exit.
    window = MainWindow(auto_load_tf=not probe, preferences=Preferences.for_user())
    lesson = getattr(args, "lesson", None)
    if lesson:
        # After the first paint: the window appears at once, and a bad lesson is explained in it.
        window.first_painted.connect(lambda: window.open_lesson(lesson))
    # Quitting without closing the window (e.g. a session logout) must still
    # wait for the loader thread.
    app.aboutToQuit.connect(window.shutdown)
    if probe:
        window.first_painted.connect(_report_window_shown)
    window.show()
    return app.exec()


def _report_window_shown() -> None:
    import time

    from PySide6.QtCore import QCoreApplication

    print(f"FME_WINDOW_SHOWN {time.time():.6f}", flush=True)
    QCoreApplication.quit()


# -------------------------------------------------------------- screenshot
def _add_screenshot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.png", help="PNG file to write")
    parser.add_argument(
        "--part",
        choices=PARTS,
        default=None,
        help=f"part of the app to show: {', '.join(PARTS)} (default: the lesson's, else {PARTS[0]})",
    )
    parser.add_argument("--lesson", metavar="FILE.fmlesson", help="open this lesson first")
    from explorer.core.colour_maps import COLOUR_SCHEMES, DEFAULT_SCHEME
    from explorer.core.presentation import DEFAULT_SCALE, SCALES, THEMES

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
    from explorer.ui.screenshot import save_screenshot

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


register_subcommand(
    Subcommand(
        name="screenshot",
        help="render the window to a PNG without a display",
        description="Render the main window offscreen and save it as a PNG image.",
        add_arguments=_add_screenshot_arguments,
        run=_run_screenshot,
    )
)


# -------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; without a subcommand, open the GUI.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Process exit status (0 success, 1 runtime error, 2 usage error).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return _exit_status(exc.code)
    if args.command is None:
        return run_gui(args)
    command = SUBCOMMANDS[args.command]
    try:
        return command.run(args)
    except CliError as exc:
        print(f"{PROG} {command.name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        # A traceback is noise for users; FME_DEBUG=1 brings it back.
        one_line = " ".join(str(exc).split())[:300]  # some library messages span lines
        print(f"{PROG} {command.name}: error: {type(exc).__name__}: {one_line} "
              f"(set {DEBUG_ENV}=1 for details)", file=sys.stderr)
        return 1


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1
