"""The Temporal client, the same for the API, the workers and the CLI: one data converter, and
one way to reach a real cluster (TLS, mutual TLS, an API key) from the settings."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from core.codec import data_converter
from core.settings import Settings


class TemporalUnavailable(RuntimeError):
    """The Temporal frontend could not be reached (an expected failure: no traceback for it)."""


def tls_of(settings: Settings) -> TLSConfig | bool:
    """The TLS the settings ask for: a TLSConfig (a CA, a client certificate, a server name),
    True for TLS with the system's roots (an API key alone), False for plain text."""
    s = settings
    if (s.temporal_tls_cert is None) != (s.temporal_tls_key is None):
        raise TemporalUnavailable(
            "mutual TLS needs both LIFECYCLE_TEMPORAL_TLS_CERT and LIFECYCLE_TEMPORAL_TLS_KEY"
        )
    if not any((s.temporal_tls_ca, s.temporal_tls_cert, s.temporal_tls_server_name)):
        return bool(s.temporal_api_key)
    return TLSConfig(
        server_root_ca_cert=_read(s.temporal_tls_ca, "LIFECYCLE_TEMPORAL_TLS_CA"),
        client_cert=_read(s.temporal_tls_cert, "LIFECYCLE_TEMPORAL_TLS_CERT"),
        client_private_key=_read(s.temporal_tls_key, "LIFECYCLE_TEMPORAL_TLS_KEY"),
        domain=s.temporal_tls_server_name,
    )


def _read(path: Path | None, setting: str) -> bytes | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemporalUnavailable(f"{setting}: cannot read {path}: {exc.strerror}") from exc
    if b"-----BEGIN " not in data:
        raise TemporalUnavailable(f"{setting}: {path} is not a PEM file")
    return data


async def connect(
    settings: Settings, *, address: str | None = None, runtime: Runtime | None = None
) -> Client:
    target = address or settings.temporal_address
    if not target:
        raise TemporalUnavailable("LIFECYCLE_TEMPORAL_ADDRESS is not set")
    tls = tls_of(settings)
    try:
        return await Client.connect(
            target,
            namespace=settings.temporal_namespace,
            data_converter=data_converter(settings.codec_keys),
            tls=tls,
            api_key=settings.temporal_api_key or None,
            runtime=runtime,
        )
    except Exception as exc:  # the SDK raises RuntimeError with the transport's message
        how = "over TLS" if tls else "in plain text"
        reason = " ".join(str(exc).split())
        raise TemporalUnavailable(f"cannot reach Temporal at {target} {how}: {reason}") from exc
