"""The two exceptions of :mod:`explorer.core.inspect`."""

from __future__ import annotations

__all__ = ["InspectError", "Cancelled"]


class InspectError(ValueError):
    """A request the model cannot answer (unknown layer or unit, wrong image shape, ...); one sentence."""


class Cancelled(Exception):
    """Raised by a long computation when its ``should_stop()`` turned true."""


def check_stop(should_stop) -> None:
    """Raise :class:`Cancelled` if `should_stop` is given and returns true."""
    if should_stop is not None and should_stop():
        raise Cancelled("stopped on request")
