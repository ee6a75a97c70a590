"""The ledger lane's effects in one activity call (`apply_ledger`): the records, events and
mails a workflow asked for since its last call, done in their order, each exactly as its own
activity does it (each is idempotent, so a batch retried after a failure halfway repeats nothing
that was done). One call where there were several: fewer activity tasks for the worker and the
server, and a shorter history."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail import MailActivities
from activities.notify import NotifyActivities
from activities.records import RecordActivities
from workflows.types import APPLY_LEDGER, LedgerBatch, LedgerRefusal, LedgerResult


class LedgerActivities:
    def __init__(
        self, records: RecordActivities, mail: MailActivities, notify: NotifyActivities
    ) -> None:
        self._records, self._mail, self._notify = records, mail, notify

    @activity.defn(name=APPLY_LEDGER)
    async def apply_ledger(self, input: LedgerBatch) -> LedgerResult:
        """Does each effect in turn; one refused for good (a mail that cannot be composed) is
        reported, not retried, and the others still happen. Anything else fails the call, which
        Temporal retries."""
        refused: list[LedgerRefusal] = []
        for index, effect in enumerate(input.effects):
            try:
                if effect.record is not None:
                    await self._records.record(effect.record)
                elif effect.mail is not None:
                    await self._mail.queue_mail(effect.mail)
                elif effect.event is not None:
                    await self._notify.publish(effect.event)
                else:
                    raise ApplicationError(f"no ledger effect in {effect.activity}")
            except ApplicationError as err:
                if not err.non_retryable:
                    raise
                refused.append(LedgerRefusal(index=index, reason=str(err)))
        return LedgerResult(refused=refused)
