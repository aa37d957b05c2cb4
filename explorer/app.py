"""Entry point: ``feature-map-explorer`` / ``python -m explorer``.

Without a subcommand the window opens (:mod:`explorer.cli.gui`); the
subcommands are in :mod:`explorer.cli`, listed by :mod:`explorer.cli.registry`.

This module must stay cheap to import: no PySide6, pyqtgraph or TensorFlow at
module level, so ``--help`` and ``--version`` answer instantly. Each handler
imports what it needs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from explorer.cli.command import PROG, CliError
from explorer.cli.gui import run_gui
from explorer.cli.registry import SUBCOMMANDS, build_parser

__all__ = ["DEBUG_ENV", "main"]

#: Set to 1 to see full tracebacks instead of one-line errors.
DEBUG_ENV = "FME_DEBUG"


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
