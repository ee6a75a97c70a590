"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepts, and refuses when told to
(a permanent 5xx, or a temporary 451 for as long as an outage lasts)."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Sink:
    """An aiosmtpd handler that keeps what it accepts, and refuses recipients when told to."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 No such user", "451 4.3.0 Try later"
    refuse_times: int = 0  # how many transactions to refuse (0: every one)
    refused: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _: Any):  # type: ignore[no-untyped-def]
        if self.refuse_rcpt and (not self.refuse_times or self.refused < self.refuse_times):
            self.refused += 1
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any):  # type: ignore[no-untyped-def]
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def by_id(self, message_id: str) -> list[Received]:
        return [r for r in self.received if r.message["Message-ID"] == message_id]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(sink: Sink) -> Iterator[str]:
    """Serves `sink` on a free loopback port; yields its `smtp://` URL."""
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()
