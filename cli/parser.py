"""The command line: `lifecycle dev|api|worker|migrate|reconcile|import|keys create|list|revoke`,
whose mistakes are told in one line like every other expected failure."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from cli import commands
from cli.dev.demo import DEMO_CLOCK_SPEED
from cli.dev.temporal import DEV_TEMPORAL_PORT_ENV, DEV_UI_PORT_ENV

ROLES = ("contracting", "operator", "viewer", "admin")  # as db.api_keys.ROLES; checked by a test

DEV_EPILOG = f"""\
settings (environment or .env): LIFECYCLE_HOME (default ./.lifecycle) keeps the Temporal and
PostgreSQL data, the logs and the generated secrets; LIFECYCLE_DATABASE_URL and
LIFECYCLE_TEMPORAL_ADDRESS, when set, are used instead of starting PostgreSQL and Temporal;
LIFECYCLE_HTTP_HOST / LIFECYCLE_HTTP_PORT (127.0.0.1:8000) is where the API listens.
{DEV_TEMPORAL_PORT_ENV} (default 7233) and {DEV_UI_PORT_ENV} (default 8233) move the Temporal
dev server's frontend and Web UI.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"lifecycle: error: {message} (see `{self.prog} --help`)\n")


if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[_Parser]  # each command's parser is a _Parser too

Handler = Callable[[argparse.Namespace], int]


# The commands that take no options: name, handler, one-line help, description.
PLAIN_COMMANDS: tuple[tuple[str, Handler, str, str], ...] = (
    (
        "api",
        commands.cmd_api,
        "run one API process",
        "Serves the HTTP API on LIFECYCLE_HTTP_HOST:LIFECYCLE_HTTP_PORT; needs"
        " LIFECYCLE_TEMPORAL_ADDRESS and LIFECYCLE_DATABASE_URL.",
    ),
    (
        "worker",
        commands.cmd_worker,
        "run one worker process",
        "Runs the workflows and activities of LIFECYCLE_TASK_QUEUE; needs"
        " LIFECYCLE_TEMPORAL_ADDRESS and LIFECYCLE_DATABASE_URL.",
    ),
    (
        "reconcile",
        commands.cmd_reconcile,
        "check every account at the IdP now, and correct drift",
        "Runs the access reconciliation on the workers now and prints its figures: users"
        " checked, drift found, drift corrected (it also runs every LIFECYCLE_RECONCILE_EVERY).",
    ),
    (
        "migrate",
        commands.cmd_migrate,
        "apply the database migrations",
        "Applies the migrations not applied yet to LIFECYCLE_DATABASE_URL (safe to"
        " run twice, and from two processes at once).",
    ),
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lifecycle",
        description="The assignment lifecycle engine: one Temporal workflow per assignment.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_dev(subcommands)
    for name, handler, summary, description in PLAIN_COMMANDS:
        _add(subcommands, name, handler, help=summary, description=description)
    _add_import(subcommands)
    _add_keys(subcommands)
    return parser


def _add(subcommands: Subcommands, name: str, handler: Handler | None, **options: Any) -> _Parser:
    """A command's parser; `handler` runs it (None: it has commands of its own)."""
    command = subcommands.add_parser(name, **options)
    if handler is not None:
        command.set_defaults(handler=handler)
    return command


def _add_dev(subcommands: Subcommands) -> None:
    dev = _add(
        subcommands,
        "dev",
        commands.cmd_dev,
        help="run Temporal, PostgreSQL, a worker and the API on this machine",
        description="Runs the whole stack on this machine until Ctrl-C: a Temporal dev server,"
        " an embedded PostgreSQL, migrations, one worker and the API.",
        epilog=DEV_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dev.add_argument(
        "--demo",
        action="store_true",
        help=f"seed example assignments and run the clock at x{DEMO_CLOCK_SPEED}"
        " (unless LIFECYCLE_CLOCK_SPEED is set)",
    )


def _add_import(subcommands: Subcommands) -> None:
    command = _add(
        subcommands,
        "import",
        commands.cmd_import,
        help="bring in assignments that already run, from a CSV file",
        description="Imports the rows of FILE (a header, then one assignment per row: the"
        " create body flattened, `tools` separated by `;`, with an optional `term` and"
        " `policy`). Each starts at the phase its dates put it in and nothing whose moment has"
        " passed is sent. Refused rows are told as `line N: reason`; a second run of the same"
        " file changes nothing. Exit 0 when no row was refused, 1 otherwise.",
    )
    command.add_argument("file", metavar="FILE.csv", help="the rows to import")
    command.add_argument(
        "--dry-run", action="store_true", help="write nothing; tell what each row would do"
    )


def _add_keys(subcommands: Subcommands) -> None:
    keys = _add(subcommands, "keys", None, help="manage API keys", description="Manages API keys.")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    create = _add(
        key_commands,
        "create",
        commands.cmd_keys_create,
        help="create an API key and print it once",
        description="Creates an API key in LIFECYCLE_DATABASE_URL and prints it once on stdout;"
        " only its hash is stored.",
    )
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--role", required=True, choices=ROLES, help="what the key may do")
    _add(
        key_commands,
        "list",
        commands.cmd_keys_list,
        help="list the keys: name, role, created, last used, status (never the key)",
        description="Lists the API keys of LIFECYCLE_DATABASE_URL, active first.",
    )
    revoke = _add(
        key_commands,
        "revoke",
        commands.cmd_keys_revoke,
        help="revoke the keys of a name: they stop working at once",
        description="Revokes every active API key with that name; sessions signed in with it end.",
    )
    revoke.add_argument("name", metavar="NAME", help="the key's name, as `keys list` shows it")
