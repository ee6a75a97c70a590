"""A loopback receiver of lifecycle notifications that verifies every signature and prints it.

    .venv/bin/python -m tests.peers.notify_receiver --port 9000 --secret whsec_...

Point LIFECYCLE_NOTIFY_URL at http://127.0.0.1:9000/ and LIFECYCLE_NOTIFY_SECRET at the same
secret. Answers 204 to a verified event and 401 to anything else.
"""

from __future__ import annotations

import argparse
import json

import uvicorn
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activities.notify import signing_secret


def build_app(secret: str) -> Starlette:
    webhook = Webhook(signing_secret(secret))

    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            webhook.verify(body, dict(request.headers))
        except Exception as exc:  # any malformed, forged or stale signature
            print(f"refused: {exc}", flush=True)
            return Response(status_code=401)
        event = json.loads(body)
        data = event.get("data", {})
        print(
            f"{event['time']}  {event['type']:<28} {data.get('assignment_id')}  "
            f"{json.dumps({k: v for k, v in data.items() if k != 'assignment_id'})}",
            flush=True,
        )
        return Response(status_code=204)

    return Starlette(routes=[Route("/", receive, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description="Print verified lifecycle notifications.")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(args.secret), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
