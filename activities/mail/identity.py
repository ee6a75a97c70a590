"""Identities: the Message-ID of a mail and the UID of the meeting it invites to.

Message-ID
    `<{kind}[.{occurrence}].t{term}[.r{revision}].{assignment_id}@{sender's domain}>`: the
    occurrence only when there is one, the revision only when above 0. In the occurrence and the
    assignment id every character but `A-Z a-z 0-9 _ -` is written `=XX` (its UTF-8 bytes in hex),
    which keeps the id a valid RFC 5322 msg-id and never lets two messages share one. It is
    derived from the message's identity only, so a retried activity finds its outbox row again.

Calendar UID
    `{kind}[.{occurrence}].{assignment_id}@{sender's domain}`: it does not depend on the term or
    the revision, so a re-sent or moved invitation updates the same event.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

_ATOM_SAFE = re.compile(r"[A-Za-z0-9_-]")


def _atom(value: str) -> str:
    """Injective: keeps A-Z a-z 0-9 _ -, writes every other character as =XX per UTF-8 byte."""
    return "".join(
        c if _ATOM_SAFE.fullmatch(c) else "".join(f"={b:02X}" for b in c.encode()) for c in value
    )


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2].lower()
    domain = re.sub(r"[^a-z0-9.-]", "", domain)
    domain = re.sub(r"\.{2,}", ".", domain).strip(".")
    return domain or "localhost"


def message_id_for(
    *, assignment_id: str, term: int, kind: str, occurrence: str, revision: int, sender: str
) -> str:
    """The message's Message-ID, from its identity only (see the module's docstring)."""
    parts = [str(kind)]
    if occurrence:
        parts.append(_atom(occurrence))
    parts.append(f"t{int(term)}")
    if revision:
        parts.append(f"r{int(revision)}")
    parts.append(_atom(assignment_id))
    return f"<{'.'.join(parts)}@{sender_domain(sender)}>"


def calendar_uid(*, assignment_id: str, kind: str, occurrence: str, sender: str) -> str:
    """The UID of a meeting: the same for every term and revision of its invitation."""
    parts = [str(kind)] + ([_atom(occurrence)] if occurrence else []) + [_atom(assignment_id)]
    return f"{'.'.join(parts)}@{sender_domain(sender)}"
