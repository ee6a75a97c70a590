"""The outermost layer of every request: request id, body limit, metrics, one log line, and a
problem (never a traceback) for anything unexpected.

A plain ASGI middleware (not BaseHTTPMiddleware), so the route's template is readable from the
scope after routing, and the context variables bound while handling (request id, caller) are
still bound when the line is written.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import UNMATCHED, Metrics
from api.problems import BODY_TOO_LARGE, Problem, internal_error

MAX_BODY = 64 * 1024
# Routes that take more: the import's batch (IMPORT_BATCH items).
LARGER_BODIES = {"/v1/assignments:import": 2 * 1024 * 1024}
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

log = structlog.get_logger("api")


_SECRET_PARAMS = ("token", "secret", "key")
_MASK = "[redacted]"


def _loggable_path(scope: Scope, *, matched: bool) -> str:
    """The path without what must not be logged: a path parameter named like a credential
    (the feedback link's token), or, on an unmatched path, any segment long enough to be one."""
    path: str = scope["path"]
    if matched:
        for name, value in (scope.get("path_params") or {}).items():
            if any(word in name.lower() for word in _SECRET_PARAMS) and isinstance(value, str):
                path = path.replace(value, _MASK)
        return path
    return "/".join(_MASK if len(part) > 64 else part for part in path.split("/"))[:256]


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        state: dict[str, Any] = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            replay = await self._read_body(scope, receive, headers)
            if replay is None:
                limit = LARGER_BODIES.get(scope["path"], self.max_body)
                too_large = Problem(
                    413, f"the body is larger than {limit} bytes", type=BODY_TOO_LARGE
                )
                await too_large.response()(scope, receive, send_with_id)
            else:
                await self.app(scope, replay, send_with_id)
        except Exception:
            log.exception("unhandled error", method=scope["method"], path=scope["path"])
            if not state["started"]:
                await internal_error()(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.observe(scope["method"], template, state["status"], elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=_loggable_path(scope, matched=route is not None),
                route=template,
                status=state["status"],
                duration_ms=round(elapsed * 1000, 1),
            )
            structlog.contextvars.clear_contextvars()

    async def _read_body(
        self, scope: Scope, receive: Receive, headers: dict[str, str]
    ) -> Receive | None:
        """Reads the whole body (at most `max_body` bytes) and gives a `receive` that replays it;
        None when the body is too large."""
        limit = LARGER_BODIES.get(scope["path"], self.max_body)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                first: Message = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return first
            return await receive()

        return replay
