"""Reaching a real cluster: the dev server behind a TLS-terminating proxy on loopback, with a
test CA (trustme), with and without a client certificate (mutual TLS), and an API key. What is
checked is what an operator sees: it connects and answers, or one line says why not."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from core.settings import Settings
from core.temporal import TemporalUnavailable, connect


@contextlib.asynccontextmanager
async def tls_proxy(
    upstream: str, ca: trustme.CA, *, client_ca: trustme.CA | None = None
) -> AsyncIterator[str]:
    """A TLS-terminating proxy to `upstream` (HTTP/2 by ALPN, as gRPC wants); with `client_ca`,
    it asks for a client certificate that CA signed (mutual TLS)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("temporal.test", "localhost", "127.0.0.1").configure_cert(context)
    context.set_alpn_protocols(["h2"])
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    host, port = upstream.rsplit(":", 1)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def serve(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection(host, int(port))
        await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w))

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


def pem(tmp_path: Path, name: str, blob: trustme.Blob) -> Path:
    path = tmp_path / name
    blob.write_to_path(str(path))
    return path


async def answers(settings: Settings, address: str) -> None:
    client = await connect(settings, address=address)
    found = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=settings.temporal_namespace)
    )
    assert found.namespace_info.name == settings.temporal_namespace


async def test_tls_with_the_servers_ca(settings, temporal_address, tmp_path):
    ca = trustme.CA()
    async with tls_proxy(temporal_address, ca) as address:
        with_ca = settings.model_copy(
            update={"temporal_tls_ca": pem(tmp_path, "ca.pem", ca.cert_pem),
                    "temporal_tls_server_name": "temporal.test"}
        )  # fmt: skip
        await answers(with_ca, address)

        # Another CA's certificate, or plain text to a TLS port: one line that says so.
        other = settings.model_copy(
            update={"temporal_tls_ca": pem(tmp_path, "other.pem", trustme.CA().cert_pem)}
        )
        for wrong in (other, settings):
            with pytest.raises(TemporalUnavailable) as refused:
                await asyncio.wait_for(answers(wrong, address), 30)
            message = str(refused.value)
            assert message.startswith(f"cannot reach Temporal at {address}") and "\n" not in message


async def test_mutual_tls_with_and_without_a_client_certificate(
    settings, temporal_address, tmp_path
):
    ca, client_ca = trustme.CA(), trustme.CA()
    person = client_ca.issue_cert("lifecycle-worker")
    async with tls_proxy(temporal_address, ca, client_ca=client_ca) as address:
        base = {
            "temporal_tls_ca": pem(tmp_path, "ca.pem", ca.cert_pem),
            "temporal_tls_server_name": "localhost",
        }
        with_cert = settings.model_copy(
            update=base | {
                "temporal_tls_cert": pem(tmp_path, "client.pem", person.cert_chain_pems[0]),
                "temporal_tls_key": pem(tmp_path, "client.key", person.private_key_pem),
            }
        )  # fmt: skip
        await answers(with_cert, address)
        without = settings.model_copy(update=base)
        with pytest.raises(
            TemporalUnavailable, match=f"cannot reach Temporal at {address} over TLS"
        ):
            await asyncio.wait_for(answers(without, address), 30)


async def test_an_api_key_goes_with_every_call(settings, temporal_address, tmp_path):
    ca = trustme.CA()
    async with tls_proxy(temporal_address, ca) as address:
        ca_file = pem(tmp_path, "ca.pem", ca.cert_pem)
        cloud = settings.model_copy(
            update={"temporal_api_key": "tc-key-123", "temporal_tls_ca": ca_file,
                    "temporal_tls_server_name": "localhost"}
        )  # fmt: skip
        client = await connect(cloud, address=address)
        assert client.api_key == "tc-key-123"
        await answers(cloud, address)


def test_bad_tls_settings_are_one_line(settings, tmp_path):
    from core.temporal import tls_of

    half = settings.model_copy(update={"temporal_tls_cert": tmp_path / "client.pem"})
    with pytest.raises(TemporalUnavailable, match="needs both LIFECYCLE_TEMPORAL_TLS_CERT and"):
        tls_of(half)
    missing = settings.model_copy(update={"temporal_tls_ca": tmp_path / "nowhere.pem"})
    with pytest.raises(
        TemporalUnavailable, match=r"LIFECYCLE_TEMPORAL_TLS_CA: cannot read .*nowhere.pem"
    ):
        tls_of(missing)
    (tmp_path / "junk.pem").write_text("not a certificate")
    junk = settings.model_copy(update={"temporal_tls_ca": tmp_path / "junk.pem"})
    with pytest.raises(TemporalUnavailable, match="is not a PEM file"):
        tls_of(junk)
    assert tls_of(settings) is False
    assert tls_of(settings.model_copy(update={"temporal_api_key": "k"})) is True
