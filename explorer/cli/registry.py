"""The subcommand registry and the argument parser built from it.

The built-in commands live one per module in this package, each exposing a
``COMMAND``; they import what they need inside ``run``, so building the parser
(for ``--help`` or ``--version``) loads neither Qt nor TensorFlow.
"""

from __future__ import annotations

import argparse

from explorer import __version__
from explorer.cli.command import PROG, Subcommand

__all__ = ["SUBCOMMANDS", "register_subcommand", "build_parser"]

#: Registered subcommands by name, in ``--help`` order.
SUBCOMMANDS: dict[str, Subcommand] = {}


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


def register_subcommand(command: Subcommand) -> None:
    """Add ``command`` to :data:`SUBCOMMANDS` (replacing one of the same name).

    Parameters
    ----------
    command : Subcommand
        The subcommand; its ``run`` should import heavy modules lazily.
    """
    SUBCOMMANDS[command.name] = command


def _register_builtin_commands() -> None:
    """The built-in commands, in ``--help`` order (imported here: each module imports only what is cheap)."""
    from explorer.cli import filter as filter_command
    from explorer.cli import inspect as inspect_command
    from explorer.cli import screenshot, summary, train

    for module in (screenshot, filter_command, train, summary, inspect_command):
        SUBCOMMANDS.setdefault(module.COMMAND.name, module.COMMAND)


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
