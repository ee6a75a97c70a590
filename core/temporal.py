"""The Temporal client, the same for the API and the workers (one data converter for both)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from core.settings import Settings


class TemporalUnavailable(RuntimeError):
    """The Temporal frontend could not be reached (an expected failure: no traceback for it)."""


async def connect(settings: Settings, *, address: str | None = None) -> Client:
    target = address or settings.temporal_address
    if not target:
        raise TemporalUnavailable("LIFECYCLE_TEMPORAL_ADDRESS is not set")
    try:
        return await Client.connect(
            target,
            namespace=settings.temporal_namespace,
            data_converter=pydantic_data_converter,
        )
    except Exception as exc:  # the SDK raises RuntimeError with the transport's message
        raise TemporalUnavailable(f"cannot reach Temporal at {target}: {exc}") from exc
