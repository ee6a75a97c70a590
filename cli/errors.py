"""The failures `lifecycle` expects, and how each is told: one line, never a traceback."""

from __future__ import annotations


class CliError(Exception):
    """An expected failure: printed as one line, no traceback."""


def one_line(exc: BaseException) -> str:
    """`exc` as one line: its message with the whitespace folded, or its type's name."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
