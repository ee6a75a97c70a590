"""Real SCIM peers for the access tests.

`ScimServer` runs the `scim2-server` command (package scim2-server) on a free loopback port with a
bearer token, one in-memory directory per tenant (`--dynamic-tenants`), so each test gets its own
directory under `/{tenant}/v2`. `Directory` reads a directory straight from the server, as the
tests' witness. `FaultProxy` sits in front of the server (uvicorn and starlette, in the test's
event loop) and misbehaves as real providers and networks do, by seeded chance: 429 and 503
before forwarding, a write forwarded and its answer lost (a 502, or the connection cut mid-answer),
an answer slower than the client waits, a 412 once for a PATCH, and, in strict mode, 409 on adding
a member already there and 400 `noTarget` on removing one who is not (scim2-server answers both
with a 204, as RFC 7644 allows).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORWARDED = ("authorization", "content-type", "accept", "if-match", "if-none-match")
KEPT = ("content-type", "etag", "location")
# scim2-server's command serves with the standard library's threading WSGI server, whose listen
# backlog is 5: past a handful of simultaneous connections some wait a second for a TCP
# retransmission or are reset. The tests' own clients stay under that.
UPSTREAM_LIMITS = httpx.Limits(max_connections=4)
MEMBER_FILTER = re.compile(r'^members\[value eq "(?P<id>[^"]*)"\]$')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scim_error(status: int, detail: str, scim_type: str | None = None) -> Response:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return Response(json.dumps(body), status, media_type="application/scim+json")


class ScimServer:
    """The `scim2-server` command on loopback, every tenant behind one bearer token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, tenant: str) -> str:
        return f"{self.root}/{tenant}/v2"

    def start(self, timeout: float = 20.0) -> None:
        command = shutil.which("scim2-server", path=str(Path(sys.executable).parent))
        if not command:
            raise RuntimeError("the `scim2-server` command (package scim2-server) is missing")
        self._process = subprocess.Popen(
            [
                command,
                "--hostname",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--bearer-token",
                self.token,
                "--dynamic-tenants",
            ],
            # Its log (a line per request) goes to a file: an unread pipe fills and stops it.
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        deadline = time.monotonic() + timeout
        probe = f"{self.url('ready')}/ServiceProviderConfig"
        while True:
            if self._process.poll() is not None:
                self._log.seek(0)
                err = self._log.read().decode(errors="replace")
                raise RuntimeError(f"scim2-server exited: {err[-2000:]}")
            try:
                answer = httpx.get(probe, headers={"Authorization": f"Bearer {self.token}"})
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("scim2-server did not answer in time")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
        self._log.close()


class Directory:
    """One tenant of the server, read directly (never through a proxy)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self._http = httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            limits=UPSTREAM_LIMITS,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _list(self, endpoint: str, **params: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            answer = await self._http.get(
                endpoint, params={**params, "startIndex": str(len(found) + 1), "count": "500"}
            )
            answer.raise_for_status()
            page = answer.json()
            found += page.get("Resources", [])
            if not page.get("Resources") or len(found) >= page["totalResults"]:
                return found

    async def users(self, external_id: str | None = None) -> list[dict[str, Any]]:
        if external_id is None:
            return await self._list("/Users")
        return await self._list("/Users", filter=f"externalId eq {json.dumps(external_id)}")

    async def groups(self) -> list[dict[str, Any]]:
        return await self._list("/Groups")

    async def groups_of(self, user_id: str) -> set[str]:
        """The names of the groups whose members hold the user (read in full, not filtered)."""
        return {
            g["displayName"]
            for g in await self.groups()
            if any(m.get("value") == user_id for m in g.get("members", []))
        }

    async def create_group(self, name: str) -> dict[str, Any]:
        answer = await self._http.post(
            "/Groups",
            json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name},
        )
        answer.raise_for_status()
        return dict(answer.json())

    async def create_user(self, external_id: str, user_name: str) -> str:
        """A user made by hand (or by a test standing in for the engine); its id."""
        answer = await self._http.post(
            "/Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "externalId": external_id,
                "active": True,
            },
        )
        answer.raise_for_status()
        return str(answer.json()["id"])

    async def add_member(self, group_id: str, *user_ids: str) -> None:
        answer = await self._http.patch(
            f"/Groups/{group_id}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": u} for u in user_ids]}
                ],
            },
        )
        answer.raise_for_status()

    async def set_active(self, user_id: str, active: bool) -> None:
        answer = await self._http.patch(
            f"/Users/{user_id}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": active}],
            },
        )
        answer.raise_for_status()

    async def remove_member(self, group_id: str, user_id: str) -> None:
        answer = await self._http.patch(
            f"/Groups/{group_id}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": f'members[value eq "{user_id}"]'}],
            },
        )
        answer.raise_for_status()

    async def delete(self, endpoint: str, resource_id: str) -> None:
        (await self._http.delete(f"{endpoint}/{resource_id}")).raise_for_status()


@dataclass
class Faults:
    """Chances (0 to 1) of each fault, drawn per request from one seeded generator."""

    seed: int = 0
    too_many: float = 0.0  # 429 with Retry-After, not forwarded
    unavailable: float = 0.0  # 503, not forwarded
    lost_after_write: float = 0.0  # a write forwarded, then a 502 or a cut connection
    slow: float = 0.0  # forwarded, then answered after `delay` seconds
    delay: float = 1.0
    stale_patch: float = 0.0  # 412 once for a given PATCH, not forwarded
    strict: bool = False  # 409 / 400 noTarget on a membership step already done


@dataclass
class Call:
    """A request as a hook sees it; `forward()` sends it on and gives the upstream's answer."""

    method: str
    path: str
    body: bytes
    forward: Callable[[], Awaitable[httpx.Response]]


Hook = Callable[[Call], Awaitable[Response | None]]


@dataclass
class FaultProxy:
    """A proxy in front of `upstream` (a SCIM base URL) that injects `faults`."""

    upstream: str
    faults: Faults = field(default_factory=Faults)
    # Scripted scenarios: called with each request before anything else; an answer returned is
    # given instead of the upstream's (which the hook may have asked for with `call.forward()`).
    hooks: list[Hook] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.faults.seed)
        self._stale_given: set[tuple[str, bytes]] = set()
        self._upstream = httpx.AsyncClient(timeout=30, limits=UPSTREAM_LIMITS)
        self._prefix = httpx.URL(self.upstream).path.rstrip("/")
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._prefix}"

    async def start(self) -> None:
        app = Starlette(
            routes=[
                Route(
                    "/{path:path}",
                    self._handle,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                )
            ]
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(app, log_config=None, log_level="critical", access_log=False)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        await self._upstream.aclose()

    def _chance(self, p: float) -> bool:
        return p > 0 and self._rng.random() < p

    async def _handle(self, request: Request) -> Response:
        method = request.method
        path = request.url.path
        body = await request.body()
        call = Call(method, path, body, lambda: self._forward(request, path, body))
        for hook in self.hooks:
            scripted = await hook(call)
            if scripted is not None:
                self.injected["scripted"] += 1
                return scripted

        f = self.faults
        if self._chance(f.too_many):
            self.injected["429"] += 1
            response = scim_error(429, "slow down")
            response.headers["Retry-After"] = "1"
            return response
        if self._chance(f.unavailable):
            self.injected["503"] += 1
            return scim_error(503, "unavailable")
        if method == "PATCH" and (path, body) not in self._stale_given:
            if self._chance(f.stale_patch):
                self._stale_given.add((path, body))
                self.injected["412"] += 1
                return scim_error(412, "the resource has changed")
        if f.strict and method == "PATCH" and "/Groups/" in path:
            refused = await self._strictly(request, path, body)
            if refused is not None:
                return refused

        answer = await self._forward(request, path, body)
        if method in WRITES and answer.status_code < 300 and self._chance(f.lost_after_write):
            if self._rng.random() < 0.5:
                self.injected["lost:502"] += 1
                return Response("bad gateway", 502, media_type="text/plain")
            self.injected["lost:cut"] += 1
            return _cut_short(answer)
        if self._chance(f.slow):
            self.injected["slow"] += 1
            await asyncio.sleep(f.delay)
        headers = {k: v for k, v in answer.headers.items() if k.lower() in KEPT}
        return Response(answer.content, answer.status_code, headers=headers)

    async def _forward(self, request: Request, path: str, body: bytes) -> httpx.Response:
        base = httpx.URL(self.upstream)
        url = base.copy_with(path=path, query=request.url.query.encode() or None)
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED}
        return await self._upstream.request(request.method, url, headers=headers, content=body)

    async def _strictly(self, request: Request, path: str, body: bytes) -> Response | None:
        """A strict provider's answer to a membership step that changes nothing, if it is one."""
        try:
            operations = json.loads(body)["Operations"]
        except (ValueError, KeyError, TypeError):
            return None
        if len(operations) != 1:
            return None
        op = operations[0]
        current = await self._upstream.get(
            httpx.URL(self.upstream).copy_with(path=path),
            headers={"authorization": request.headers.get("authorization", "")},
        )
        if current.status_code != 200:
            return None
        members = {m.get("value") for m in current.json().get("members", [])}
        if op.get("op") == "add" and op.get("path") == "members":
            if all(v.get("value") in members for v in op.get("value", [])):
                self.injected["strict:409"] += 1
                return scim_error(409, "already a member", "uniqueness")
        if op.get("op") == "remove":
            match = MEMBER_FILTER.match(op.get("path", ""))
            if match and match["id"] not in members:
                self.injected["strict:noTarget"] += 1
                return scim_error(400, "no such member", "noTarget")
        return None


def _cut_short(answer: httpx.Response) -> Response:
    """Starts the upstream's answer, then breaks the connection before its body is complete."""

    async def body() -> Any:
        yield answer.content[: len(answer.content) // 2] or b"{"
        raise ConnectionResetError("answer lost on purpose")

    headers = {k: v for k, v in answer.headers.items() if k.lower() in KEPT}
    headers["content-length"] = str(max(len(answer.content), 2))
    status = answer.status_code if answer.status_code != 204 else 200
    return StreamingResponse(body(), status, headers=headers)
