"""`lifecycle import FILE.csv [--dry-run]`: assignments that already run, brought in from a CSV
file (the contract's section 6, "Import").

A row is the create body flattened (`freelancer_name`, `freelancer_email`, ..., `tools`
separated by `;`), with an optional `term`, `past_renewals` (the earlier terms' last days,
oldest first, separated by `;`; the term is then the one after them) and `policy`. Each row is
judged on its own by the same service as `POST /v1/assignments:import`; a refused row is told as
`line N: reason` (the header is line 1) and never stops the others. A second run of the same
file changes nothing. `--dry-run` writes nothing and tells, per row, what would happen.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.checks import check_clock, check_database, connect_temporal
from cli.errors import CliError, one_line

if TYPE_CHECKING:
    from api.schemas import ImportResult
    from core.settings import Settings

REQUIRED = (
    "assignment_id", "freelancer_name", "freelancer_email", "manager_name", "manager_email",
    "team", "role", "purpose", "start_date", "end_date", "tools", "timezone",
)  # fmt: skip
OPTIONAL = (
    "language", "term", "past_renewals", "buddy_name", "buddy_email", "hr_name", "hr_email",
    "policy",
)  # fmt: skip
# The body's people, and the columns that hold them.
PEOPLE = {"freelancer": "freelancer", "manager": "manager", "buddy": "buddy", "hr_contact": "hr"}
IN_FLIGHT = 16  # rows under way at once
ACTOR = "import"


@dataclass(frozen=True)
class Row:
    line: int  # of its last line in the file, the header being line 1
    body: dict[str, Any]


def read_rows(path: Path) -> Iterator[Row]:
    """The file's rows as create bodies; a missing or unknown column is an error of the whole
    file (one line, before anything is imported)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")  # a spreadsheet's BOM is welcome
    except OSError as exc:
        raise CliError(f"cannot read {path}: {one_line(exc)}") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            columns = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CliError(f"{path}: not a CSV file in UTF-8: {one_line(exc)}") from None
        missing = [c for c in REQUIRED if c not in columns]
        unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
        if missing or unknown:
            said = [f"missing column(s) {', '.join(missing)}"] if missing else []
            said += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
            raise CliError(
                f"{path}: {'; '.join(said)} (the columns are: {', '.join(REQUIRED + OPTIONAL)})"
            )
        try:
            for values in reader:
                yield Row(line=reader.line_num, body=body_of(values))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CliError(f"{path}, line {reader.line_num}: {one_line(exc)}") from None


def body_of(values: dict[Any, Any]) -> dict[str, Any]:
    """A row's create body: empty cells are left out (so their defaults apply), a row with more
    cells than the header keeps them to be refused."""
    cells = {k: v.strip() for k, v in values.items() if isinstance(k, str) and isinstance(v, str)}
    cells = {k: v for k, v in cells.items() if v}
    body: dict[str, Any] = {}
    for field, prefix in PEOPLE.items():
        person = {
            key: cells.pop(f"{prefix}_{key}")
            for key in ("name", "email")
            if f"{prefix}_{key}" in cells
        }
        if field == "hr_contact" and "email" in person:
            person.setdefault("name", "HR")
        if person:
            body[field] = person
    if "tools" in cells:
        body["tools"] = [t.strip() for t in cells.pop("tools").split(";") if t.strip()]
    if "term" in cells:
        term = cells.pop("term")
        body["term"] = int(term) if term.isdigit() else term
    if "past_renewals" in cells:
        body["past_renewals"] = [
            d.strip() for d in cells.pop("past_renewals").split(";") if d.strip()
        ]
    body.update(cells)
    if None in values:  # cells beyond the header
        body["unexpected_cells"] = values[None]
    return body


def reason(result: ImportResult) -> str:
    """Why a row was refused, in the file's terms (`freelancer_email`, not `freelancer.email`)."""
    problem = result.problem
    assert problem is not None
    if not problem.errors:
        return problem.detail or problem.title
    if any(e.field == "unexpected_cells" for e in problem.errors):
        return "the row has more cells than the header has columns"
    return "; ".join(f"{column_of(e.field)}: {e.message}" for e in problem.errors)


def column_of(field: str) -> str:
    for body_field, prefix in PEOPLE.items():
        if field.startswith(f"{body_field}."):
            return f"{prefix}_{field.split('.', 1)[1]}"
    return field.split(".", 1)[0] if field.startswith("tools.") else field


def told(row: Row, result: ImportResult, *, dry_run: bool) -> str | None:
    """The row's line in the output: every refused row; in a dry run, every row."""
    if result.result == "refused":
        return f"line {row.line}: {reason(result)}"
    if not dry_run:
        return None
    what = "would be imported" if result.result == "imported" else "unchanged, already here"
    line = f"line {row.line}: {result.assignment_id} {what}: {result.phase}"
    term = row.body.get("term", 1)
    if term != 1:
        line += f", term {term}"
    step = result.next_transition
    if result.result == "imported" and step is not None:
        line += f"; next: {step.kind} at {step.at.isoformat()}"
    return line


async def run_import(settings: Settings, path: Path, *, dry_run: bool) -> dict[str, int]:
    """Imports the file's rows (IN_FLIGHT at a time), printing what is to be told; the counts."""
    from api.lifecycle import Lifecycle
    from db.pool import create_pool

    rows = list(read_rows(path))
    assert settings.database_url
    await check_database(settings.database_url)
    clock = await check_clock(settings, settings.database_url)
    temporal = await connect_temporal(settings)
    pool = await create_pool(settings.database_url, min_size=1, max_size=IN_FLIGHT)
    counts = {"imported": 0, "unchanged": 0, "refused": 0}
    lines: list[tuple[int, str]] = []
    try:
        lifecycle = Lifecycle(pool, temporal, settings, clock)
        with Progress(len(rows), "checking" if dry_run else "importing") as progress:
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def one(row: Row) -> None:
                async with gate:
                    result = await lifecycle.import_one(row.body, ACTOR, dry_run=dry_run)
                counts[result.result] += 1
                line = told(row, result, dry_run=dry_run)
                if line is not None:
                    lines.append((row.line, line))
                progress.advance()

            await asyncio.gather(*(one(row) for row in rows))
    finally:
        await pool.close()
    for _, line in sorted(lines):
        print(line)
    return counts


class Progress:
    """A progress bar on a terminal (rich, on stderr), nothing elsewhere."""

    def __init__(self, total: int, label: str) -> None:
        self._total, self._label = total, label
        self._bar: Any = None

    def __enter__(self) -> Progress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress as Bar

            self._bar = Bar(console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=self._total)
        return self

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
