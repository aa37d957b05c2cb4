"""What a subcommand is: its name, help, options and handler, and the one error it may raise.

Cheap to import (no Qt, no TensorFlow): every command module imports this, and
``--help`` lists them all without loading anything heavy.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PROG", "CliError", "Subcommand"]

PROG = "feature-map-explorer"


class CliError(Exception):
    """A user-facing error; printed as one line on stderr, exit status 1."""


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
