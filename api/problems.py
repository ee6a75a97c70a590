"""The one place where errors become RFC 9457 problem details (`application/problem+json`).

Routes raise `Problem(status, detail)`; request validation, unknown routes and other HTTP errors
of the framework are mapped here too, so every error a client sees has `type`, `title`, `status`,
`detail` and `errors` (one entry per invalid field, empty when no field is to blame). Unexpected
exceptions never reach this module: the request middleware (api/middleware.py) logs them and
answers with `internal_error()`, which says nothing about the internals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"

# Problem types: about:blank (the status says it all) or one of these, relative to the API.
VALIDATION = "/problems/validation"
CONFLICT = "/problems/conflict"
ASSIGNMENT_ENDED = "/problems/assignment-ended"
IDEMPOTENCY_MISMATCH = "/problems/idempotency-key-reused"
IDEMPOTENCY_IN_FLIGHT = "/problems/idempotency-key-in-flight"
INVALID_SIGNATURE = "/problems/invalid-signature"
BODY_TOO_LARGE = "/problems/body-too-large"
RATE_LIMITED = "/problems/rate-limited"
UNAVAILABLE = "/problems/unavailable"


class FieldError(BaseModel):
    field: str = Field(description="The invalid field, dotted (`freelancer.email`)")
    loc: list[str | int] = Field(
        description="Where it is: `body`, `query`, `path` or `header`, then the path"
    )
    message: str


class ProblemDetail(BaseModel):
    """An RFC 9457 problem."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class Problem(Exception):
    """An error with an answer for the client: raise it anywhere a request is handled."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        type: str = "about:blank",
        title: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or _phrase(status))
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title or _phrase(status)
        self.errors = list(errors)
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return JSONResponse(
            problem_detail(self).model_dump(mode="json"),
            status_code=self.status,
            headers=self.headers,
            media_type=PROBLEM_JSON,
        )


def problem_detail(problem: Problem) -> ProblemDetail:
    """The problem as its body says it (also inside a batch's results)."""
    return ProblemDetail(
        type=problem.type,
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        errors=problem.errors,
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def invalid(field: str, message: str, *, loc: Sequence[str | int] | None = None) -> Problem:
    """A 422 naming one invalid field (`loc` defaults to the body's `field`)."""
    where: list[str | int] = list(loc) if loc is not None else ["body", *field.split(".")]
    return Problem(
        422,
        f"{field}: {message}",
        type=VALIDATION,
        title="Invalid input",
        errors=[FieldError(field=field, loc=where, message=message)],
    )


def json_document(body: bytes) -> Any:
    """The JSON value of a body the route reads itself; the 422 "not a JSON document" for
    anything else: invalid JSON, text that is not UTF-8, or nesting too deep to read (which
    Python reports as a RecursionError)."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise invalid("body", "not a JSON document", loc=["body"]) from exc


def field_errors(
    errors: Iterable[Mapping[str, Any]], *, prefix: Sequence[str | int] = ()
) -> list[FieldError]:
    """Pydantic's errors as one entry per field (several complaints on a field are joined)."""
    by_loc: dict[tuple[str | int, ...], list[str]] = {}
    for error in errors:
        loc = (*prefix, *error.get("loc", ()))
        message = str(error.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        messages = by_loc.setdefault(tuple(loc), [])
        if message not in messages:
            messages.append(message)
    result = []
    for loc, messages in by_loc.items():
        parts = [str(p) for p in loc]
        if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
            parts = parts[1:]
        result.append(
            FieldError(field=".".join(parts) or "body", loc=list(loc), message="; ".join(messages))
        )
    return result


def validation_problem(errors: list[FieldError]) -> Problem:
    fields = ", ".join(e.field for e in errors[:5]) + (", …" if len(errors) > 5 else "")
    return Problem(
        422,
        f"invalid input: {fields}" if errors else "invalid input",
        type=VALIDATION,
        title="Invalid input",
        errors=errors,
    )


def from_validation_error(
    exc: ValidationError, *, prefix: Sequence[str | int] = ("body",)
) -> Problem:
    return validation_problem(field_errors(exc.errors(), prefix=prefix))


def internal_error() -> JSONResponse:
    return Problem(500, "the request could not be completed; it has been logged").response()


def response_for(exc: BaseException) -> Response | None:
    """The problem answer for an exception we expect; None for anything else."""
    if isinstance(exc, Problem):
        return exc.response()
    if isinstance(exc, RequestValidationError):
        return validation_problem(field_errors(exc.errors())).response()
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI's "error parsing the body": a body that is not JSON
            return invalid("body", "not a JSON document", loc=["body"]).response()
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = "no such resource"
        elif exc.status_code == 405 and detail == "Method Not Allowed":
            detail = "this method is not allowed here"
        return Problem(exc.status_code, detail, headers=exc.headers).response()
    return None


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes on this path (Starlette names only the first
    route's methods in `Allow`; RFC 9110 wants them all)."""
    scope = {k: v for k, v in request.scope.items() if k not in ("route", "endpoint")}
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    ]


async def _handle(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed_methods(request))}
    response = response_for(exc)
    if response is None:  # pragma: no cover - only registered for the types above
        raise exc
    return response


def install(app: FastAPI) -> None:
    """Registers the handlers that turn expected errors into problems."""
    for exc_type in (Problem, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(exc_type, _handle)


# ------------------------------------------------------------------------------- OpenAPI


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route for these error statuses (documented as problems)."""
    return {status: {"model": ProblemDetail, "description": _phrase(status)} for status in statuses}


def openapi_as_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Documents every 4xx/5xx answer as `application/problem+json` (what is really sent)."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if str(status)[:1] not in ("4", "5"):
                    continue
                content = response.get("content", {})
                schema = content.pop("application/json", {}).get("schema") or {
                    "$ref": "#/components/schemas/ProblemDetail"
                }
                content[PROBLEM_JSON] = {"schema": schema}
                response["content"] = content
    return document


# -- rules beyond the schema ------------------------------------------------------------------

BEYOND_SCHEMA = "Refused with 422 although this document allows it"


def beyond_schema(*rules: tuple[str, str]) -> str:
    """The part of an operation's description that names the 422s no JSON Schema can state (a
    date judged against the deployment's today, one field compared with another): each rule as
    the words its problem's message starts with, and why. The OpenAPI fuzz test holds every 422
    of a well-formed request to this list."""
    lines = [f"**{BEYOND_SCHEMA}** (rules no JSON Schema can state):", ""]
    lines += [f'- "{words}": {why}' for words, why in rules]
    return "\n".join(lines)
