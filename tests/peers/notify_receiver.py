"""A loopback receiver of lifecycle notifications that verifies every signature and prints it.

    .venv/bin/python -m tests.peers.notify_receiver --port 9000 --secret whsec_...

Point LIFECYCLE_NOTIFY_URL at http://127.0.0.1:9000/ and LIFECYCLE_NOTIFY_SECRET at the same
secret. Answers 204 to a verified event and 401 to anything else. Tests run it in a thread
(`receiver_running`) and read what it kept.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activities.notify import signing_secret


@dataclass
class Delivery:
    webhook_id: str
    event: dict[str, Any]


def build_app(secret: str, kept: list[Delivery] | None = None) -> Starlette:
    webhook = Webhook(signing_secret(secret))

    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            webhook.verify(body, dict(request.headers))
        except Exception as exc:  # any malformed, forged or stale signature
            print(f"refused: {exc}", flush=True)
            return Response(status_code=401)
        event = json.loads(body)
        if kept is not None:
            kept.append(Delivery(request.headers["webhook-id"], event))
        data = event.get("data", {})
        print(
            f"{event['time']}  {event['type']:<28} {data.get('assignment_id')}  "
            f"{json.dumps({k: v for k, v in data.items() if k != 'assignment_id'})}",
            flush=True,
        )
        return Response(status_code=204)

    return Starlette(routes=[Route("/", receive, methods=["POST"])])


@contextmanager
def receiver_running(secret: str, kept: list[Delivery]) -> Iterator[str]:
    """The receiver in a thread of its own on a free loopback port; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        build_app(secret, kept), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="notify-receiver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the notification receiver did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description="Print verified lifecycle notifications.")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(args.secret), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
