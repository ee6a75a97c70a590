"""schemathesis against the app's own OpenAPI document, in-process, with every check and a fixed
seed: no server error, no answer the document does not describe.

The run goes through schemathesis' engine (the one its CLI uses: examples, coverage and fuzzing
phases, then stateful if the document has links). The app runs with its own lifespan (pool and
Temporal client opened in schemathesis' event loop thread), against the same PostgreSQL, dev
server and worker as the other API tests.

One setting differs from schemathesis' defaults: `positive_data_acceptance` also accepts 422.
Data valid per the document may still break a rule JSON Schema cannot state: an end date before
the start date, an RRULE that does not parse, a termination date in the past, a renewal without a
new end date. Those are 422 by the contract.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, from_schema
from schemathesis.engine.events import FatalError, NonFatalError, ScenarioFinished
from schemathesis.python import asgi

from api.main import create_app
from core.settings import Settings

SEED = 20270104
MAX_EXAMPLES = 15


def test_the_api_keeps_its_openapi_promises(
    settings: Settings, keys: dict[str, str], worker: None
) -> None:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "mode": "all", "deterministic": True},
            "auth": {"openapi": {"ApiKey": {"bearer": keys["admin"]}}},
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
                },
                "max_response_time": 10.0,
            },
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings), config=config)
    failures: list[str] = []
    errors: list[str] = []
    scenarios = 0
    requests = 0
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, ScenarioFinished):
                scenarios += 1
                requests += len(event.recorder.interactions)
                failures += _failures(event)
            elif isinstance(event, NonFatalError):
                errors.append(f"{event.label}: {event.info.format()}")
            elif isinstance(event, FatalError):
                errors.append(f"fatal: {event.exception!r}")
    finally:
        asgi.shutdown_lifespans()

    assert not errors, "\n\n".join(errors)
    assert not failures, "\n\n".join(dict.fromkeys(failures))
    assert scenarios > 20 and requests > 200, (scenarios, requests)


def _failures(event: ScenarioFinished) -> list[str]:
    found: list[str] = []
    if event.status not in (Status.FAILURE, Status.ERROR):
        return found
    for checks in event.recorder.checks.values():
        for check in checks:
            if check.status is Status.FAILURE and check.failure_info is not None:
                failure: Any = check.failure_info.failure
                found.append(
                    f"{event.label} [{check.name}] {failure.title}\n{failure.message}\n"
                    f"{check.failure_info.code_sample}"
                )
    return found
