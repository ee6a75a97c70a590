"""The ledger lane's batch (`apply_ledger`): records, mails and events in one call, each done as
its own activity does it; a mail that cannot be composed is reported, and the rest still
happens; repeated (a retried call), it repeats nothing."""

from __future__ import annotations

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.ledger import LedgerActivities
from activities.notify import NotifyActivities
from activities.records import RecordActivities
from db import timeline
from tests.activities.test_mail import activities as mail_activities
from tests.activities.test_templates import AT, mail_input, realistic_state
from tests.factories import entry
from workflows.lanes import _one_record
from workflows.types import (
    PUBLISH,
    QUEUE_MAIL,
    RECORD,
    LedgerBatch,
    LedgerRefusal,
    MailKind,
    PendingEffect,
    PublishInput,
    RecordInput,
)


def batch(assignment_id: str) -> list[PendingEffect]:
    state = realistic_state(assignment_id)
    checklist = mail_input(state, MailKind.MANAGER_CHECKLIST).slim()
    no_such_event = mail_input(state, MailKind.TEAM_EVENT_INVITATION, occurrence="9").slim()
    event = PublishInput(
        event_id=f"{assignment_id}:1:phase", type="lifecycle.phase_changed",
        assignment_id=assignment_id, at=AT, data={"phase": "scheduled"},
    )  # fmt: skip
    return [
        PendingEffect(activity=RECORD, record=RecordInput(state=state, entries=[entry("1:a", AT)])),
        PendingEffect(activity=QUEUE_MAIL, mail=no_such_event),
        PendingEffect(activity=QUEUE_MAIL, mail=checklist),
        PendingEffect(activity=PUBLISH, event=event),
        PendingEffect(activity=RECORD, record=RecordInput(state=state, entries=[entry("1:b", AT)])),
    ]


async def test_a_batch_does_each_effect_once_and_reports_a_mail_refused(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    ledger = LedgerActivities(
        RecordActivities(pool),
        mail_activities(pool, None),
        NotifyActivities(pool, enabled=False, url=None, secret=None),
    )
    effects = batch(unique_id)
    for _ in range(2):  # a retried call
        result = await ActivityEnvironment().run(ledger.apply_ledger, LedgerBatch(effects=effects))
        assert [r.index for r in result.refused] == [1]
        assert "no team event '9'" in result.refused[0].reason
        assert isinstance(result.refused[0], LedgerRefusal)

    entries = await timeline.list_for(pool, unique_id)
    assert [e["key"] for e in entries] == ["1:a", "1:b"]
    mails = await pool.fetch(
        "SELECT kind, status FROM mail_message WHERE assignment_id = $1", unique_id
    )
    assert [(m["kind"], m["status"]) for m in mails] == [("manager_checklist", "kept")]
    events = await pool.fetchval(
        "SELECT count(*) FROM notification WHERE assignment_id = $1", unique_id
    )
    assert events == 1


def test_a_batch_sends_its_records_as_one_with_every_entry_and_the_newest_state() -> None:
    effects = batch("ACME-2026-0042")
    sent = _one_record(effects)
    assert [e.activity for e in sent] == [QUEUE_MAIL, QUEUE_MAIL, PUBLISH, RECORD]
    record = sent[-1].record
    assert record is not None
    assert [x.key for x in record.entries] == ["1:a", "1:b"]
    assert record.state is effects[-1].record.state  # type: ignore[union-attr]
    assert _one_record(effects[:4]) == effects[:4]  # one record: sent as it is
