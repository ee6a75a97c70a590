"""schemathesis against the app's own OpenAPI document, in-process, with every check and a fixed
seed: no server error, no answer the document does not describe.

The run goes through schemathesis' engine (the one its CLI uses: examples, coverage and fuzzing
phases, then stateful if the document has links). The app runs with its own lifespan (pool and
Temporal client opened in schemathesis' event loop thread), against the same PostgreSQL, dev
server and worker as the other API tests.

`positive_data_acceptance` runs with every status of the contract but 422: a request the document
allows must not be refused as invalid. The only exceptions are the rules no JSON Schema can state
(an end date before the start date, a date judged against the deployment's today, a cursor not
given by a previous page, an Idempotency-Key reused for another request), and each of those must
be named where the operation is documented (its description, or its parameter's): a 422 for a
well-formed request passes only when every reason it gives is named there.
"""

from __future__ import annotations

import json
import re
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
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "429"]
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
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.status is Status.FAILURE and check.failure_info is not None:
                failure: Any = check.failure_info.failure
                interaction = event.recorder.interactions.get(case_id)
                answer = ""
                if interaction is not None and interaction.response is not None:
                    response = interaction.response
                    if documented_refusal(event.recorder.cases[case_id].value, response):
                        continue
                    answer = f"\n-> {response.status_code} {response.content[:600]!r}"
                found.append(
                    f"{event.label} [{check.name}] {failure.title}\n{failure.message}\n"
                    f"{check.failure_info.code_sample}{answer}"
                )
    return found


def documented(case: Any) -> str:
    """What the document says of the case's operation: its description and its parameters'."""
    operation = case.operation.definition.raw
    texts = [operation.get("description", "")]
    texts += [p.get("description", "") for p in operation.get("parameters", [])]
    return "\n".join(texts)


def documented_refusal(case: Any, response: Any) -> bool:
    """A 422 of a well-formed request whose every reason is named in the operation's document."""
    if response.status_code != 422:
        return False
    problem = json.loads(response.content)
    reasons = [e["message"] for e in problem.get("errors", [])] or [problem["detail"]]
    text = documented(case)
    named = re.findall(r'"([^"]+)"', text)
    return all(any(reason.startswith(words) for words in named) for reason in reasons)
