"""The `lifecycle` command: `dev`, `api`, `worker`, `migrate` and `keys create` (CONTRACT.md §1).

An expected failure (a setting missing, a service out of reach, a port taken) ends the command
with one line `lifecycle: error: ...` on stderr and a non-zero status, never a traceback.

The parser is in `parser`, the pre-flight checks every command runs in `checks`, the commands
in `commands`, and `lifecycle dev` (a small supervisor of real child processes) in `dev/`.
Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cli.errors import CliError
from cli.parser import ROLES, build_parser

__all__ = ["ROLES", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        status = args.handler(args)
    except CliError as exc:
        print(f"lifecycle: error: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(status)
