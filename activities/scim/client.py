"""The SCIM 2.0 requests of the provisioner, and what the provider's answers mean.

Stale versions: a PATCH answered 412 re-reads the resource and is sent again on its fresh
version (`If-Match`), at most `PRECONDITION_RETRIES` times within the call; then it fails as a
transient error (the resource is busy: the activity's next attempt starts over).

Failures: 408, 429, 5xx (except 501), timeouts and connection errors raise `ScimUnavailable`, an
ordinary exception that Temporal's retry policy retries with backoff; nothing here loops on them.
Any other refusal (401, 403, 400 other than the tolerated ones, 404 on what must exist, 501) or an
answer that is not SCIM raises a non-retryable `ApplicationError` of type `ProviderRejected`;
a freelancer the provider's models refuse (an email that is no address) raises `InvalidInput`.

The HTTP client is httpx: scim2-client 0.13 ships a network engine for `httpx2` only, and
`_HttpxScimClient` fits its asynchronous client to the httpx the project already uses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import httpx
from scim2_client import (
    BaseAsyncSCIMClient,
    RequestNetworkException,
    SCIMClientException,
)
from scim2_models import Group, ListResponse, Resource, SCIMException, ScimProvider, User
from temporalio.exceptions import ApplicationError

from core.errors import PROVIDER_REJECTED

PRECONDITION_RETRIES = 3
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
DEFAULT_TIMEOUT = 15.0  # seconds per request; the activity's start-to-close is two minutes

T = TypeVar("T")
R = TypeVar("R", bound=Resource[Any])


class ScimUnavailable(Exception):
    """A transient failure of the SCIM provider: the activity is retried by Temporal."""


class ScimAnswer(Exception):
    """A SCIM request answered with an error status (what the steps decide on)."""

    def __init__(self, what: str, status: int, scim_type: str, detail: str) -> None:
        super().__init__(f"{what}: {status}{f' {scim_type}' if scim_type else ''} {detail}".strip())
        self.status = status
        self.scim_type = scim_type

    @property
    def transient(self) -> bool:
        # 412 here: still stale after PRECONDITION_RETRIES fresh reads (a busy resource).
        return self.status in (408, 412, 429) or (self.status >= 500 and self.status != 501)

    def failure(self) -> Exception:
        if self.transient:
            return ScimUnavailable(str(self))
        return ApplicationError(
            f"the SCIM provider refused {self}", type=PROVIDER_REJECTED, non_retryable=True
        )


class _HttpxScimClient(BaseAsyncSCIMClient):
    """scim2-client's asynchronous client over an `httpx.AsyncClient`."""

    def __init__(self, client: httpx.AsyncClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base = self.client.base_url
        try:
            url = self.client.build_request("GET", endpoint).url
        except httpx.InvalidURL:
            return False
        return (
            url.scheme == base.scheme
            and url.netloc == base.netloc
            and url.raw_path.startswith(base.raw_path)
        )

    def _parse_json(self, response: Any) -> Any:
        return cast(httpx.Response, response).json()

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.client.request(method, url, **kwargs)
        except httpx.RequestError as exc:
            error = RequestNetworkException()
            error.add_note(repr(exc))
            raise error from exc


def _oldest_first(resources: Iterable[R]) -> list[R]:
    def key(r: R) -> tuple[datetime, str]:
        created = r.meta.created if r.meta and r.meta.created else None
        return (created or datetime.max.replace(tzinfo=UTC), r.id or "")

    return sorted(resources, key=key)


class ScimClient:
    """The provider's Users and Groups over HTTP: each request, its failures sorted out."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=httpx.Timeout(timeout)
        )
        self._scim = _HttpxScimClient(self._http, provider=ScimProvider(models=[User, Group]))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def patch(
        self, model: type[R], resource_id: str, operation: dict[str, Any], what: str
    ) -> bool:
        """Sends one PATCH; False when the resource is gone (404). A 412 re-reads the resource
        and sends the PATCH again on its fresh version, at most PRECONDITION_RETRIES times."""
        patch = {"schemas": [PATCH_OP], "Operations": [operation]}
        headers: dict[str, str] = {}
        for attempt in range(PRECONDITION_RETRIES + 1):
            try:
                await self.call(
                    what,
                    self._client.modify(
                        model, resource_id, patch, expected_status_codes=None, headers=headers
                    ),
                )
                return True
            except ScimAnswer as answer:
                if answer.status == 404:
                    return False
                if answer.status != 412 or attempt == PRECONDITION_RETRIES:
                    raise
            fresh = await self.read(model, resource_id, f"{what} (read again)")
            if fresh is None:
                return False
            version = fresh.meta.version if fresh.meta else None
            headers = {"If-Match": version} if version else {}
        raise AssertionError("unreachable")

    async def read(
        self, model: type[R], resource_id: str, what: str, *, members: bool = False
    ) -> R | None:
        """The resource (a group without its members unless asked), or None when it is gone."""
        params = {"excludedAttributes": ["members"]} if model is Group and not members else None
        try:
            found = await self.call(
                what,
                self._client.query(model, resource_id, params, expected_status_codes=None),
            )
        except ScimAnswer as answer:
            if answer.status == 404:
                return None
            raise
        return cast(R, found)

    async def search(self, model: type[R], what: str, params: dict[str, Any]) -> list[R]:
        """The resources a search finds, oldest first (one page: the filters here match few)."""
        found = await self.call(what, self._client.query(model, params, expected_status_codes=None))
        return _oldest_first(cast(ListResponse[R], found).resources or [])

    async def create(self, resource: R, what: str) -> R:
        created = await self.call(what, self._client.create(resource, expected_status_codes=None))
        return cast(R, created)

    async def delete(self, model: type[R], resource_id: str, what: str) -> None:
        try:
            await self.call(
                what, self._client.delete(model, resource_id, expected_status_codes=None)
            )
        except ScimAnswer as answer:
            if answer.status != 404:  # already gone
                raise

    @property
    def _client(self) -> Any:
        # scim2-client's overloads do not follow a model passed as a variable.
        return self._scim

    async def call(self, what: str, request: Awaitable[T]) -> T:
        """Awaits a scim2-client request: an error answer becomes an `ScimAnswer`, no answer a
        `ScimUnavailable`, an answer that is not SCIM a permanent `ProviderRejected`."""
        try:
            return await request
        except RequestNetworkException as exc:
            cause = exc.__cause__
            raise ScimUnavailable(f"{what}: {cause!r}" if cause else what) from exc
        except SCIMException as exc:
            raise ScimAnswer(what, int(exc.status), exc.scim_type or "", exc.detail) from exc
        except SCIMClientException as exc:
            status = getattr(exc.source, "status_code", None)
            if isinstance(status, int) and not 200 <= status < 300:
                raise ScimAnswer(what, status, "", str(exc)) from exc
            raise ApplicationError(
                f"{what}: the SCIM provider's answer is not SCIM: {exc}",
                type=PROVIDER_REJECTED,
                non_retryable=True,
            ) from exc
