"""Who gets what: the to, cc and Reply-To of each kind of mail (the cc never repeats a "to").

manager_checklist, renewal_request, renewal_reminder, offboarding_checklist: manager.
welcome, start_moved: freelancer / manager, buddy. buddy_introduction: buddy / freelancer (no
buddy: the input is refused). team_event_invitation, checkin, exit_feedback, feedback_reminder,
alumni_invitation: freelancer. first_day, development, renewal_outcome, termination_notice,
cancellation_notice: freelancer / manager. renewal_escalation: the HR contact of the assignment,
else `input.hr_email`, else `MailConfig.hr_email` / manager; with no HR address at all, the
manager alone.
access_overdue (tool access still open after the end): the HR contact (as for an escalation) /
the admins (`MailConfig.admin_emails`); revocation_held (the guard holds early ends'
revocations): the admins / HR; with neither, whoever of them is known, else the manager.
invitation_cancelled: whoever the invitation went to (the kick-off: freelancer / manager, buddy;
a team event: freelancer).
task_reminder: the owner its occurrence names (`<day>_<owner>`: the manager, the buddy, the HR
contact as for an escalation, or the freelancer; the manager for a buddy or HR not known).
task_escalation: HR (as for a renewal escalation) / the manager; with no HR address, the manager.

Mail to the freelancer or the buddy has `Reply-To` the manager, so an answer reaches a person;
mail to the manager has `Reply-To` HR when known. Nobody is asked to reply to themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.types import MailKind, Person, QueueMailInput

from .config import MailConfig, MailInputError


@dataclass
class Recipients:
    to: list[Person]
    cc: list[Person] = field(default_factory=list)
    reply_to: Person | None = None


_TO_MANAGER = {
    MailKind.MANAGER_CHECKLIST,
    MailKind.RENEWAL_REQUEST,
    MailKind.RENEWAL_REMINDER,
    MailKind.OFFBOARDING_CHECKLIST,
}
_TO_FREELANCER = {
    MailKind.TEAM_EVENT_INVITATION,
    MailKind.CHECKIN,
    MailKind.EXIT_FEEDBACK,
    MailKind.FEEDBACK_REMINDER,
    MailKind.ALUMNI_INVITATION,
}
_TO_FREELANCER_CC_MANAGER = {
    MailKind.FIRST_DAY,
    MailKind.DEVELOPMENT,
    MailKind.RENEWAL_OUTCOME,
    MailKind.TERMINATION_NOTICE,
    MailKind.CANCELLATION_NOTICE,
}


def to_freelancer(kind: MailKind) -> bool:
    """Whether the mail of that kind is written to the freelancer (their own link goes with it)."""
    return kind in _TO_FREELANCER or kind in _TO_FREELANCER_CC_MANAGER or kind is MailKind.WELCOME


def hr_person(input: QueueMailInput, config: MailConfig) -> Person | None:
    """Who handles escalations: the assignment's HR contact, else the HR address given."""
    a = input.assignment
    if a.hr_contact is not None and a.hr_contact.email:
        return a.hr_contact
    email = input.hr_email or config.hr_email
    return Person(name="", email=email) if email else None


def task_owner(input: QueueMailInput, config: MailConfig) -> Person:
    """Whom a task reminder is for: the owner its occurrence names, the manager in place of a
    buddy or HR the assignment does not name."""
    a = input.assignment
    owner = input.occurrence.rpartition("_")[2]
    person = {
        "freelancer": a.freelancer,
        "buddy": a.buddy,
        "hr": hr_person(input, config),
    }.get(owner)
    return person or a.manager


def recipients_for(input: QueueMailInput, config: MailConfig) -> Recipients:
    a = input.assignment
    kind = input.kind
    hr = hr_person(input, config)
    if kind in _TO_MANAGER:
        r = Recipients(to=[a.manager], reply_to=hr)
    elif kind in _TO_FREELANCER:
        r = Recipients(to=[a.freelancer], reply_to=a.manager)
    elif kind in _TO_FREELANCER_CC_MANAGER:
        r = Recipients(to=[a.freelancer], cc=[a.manager], reply_to=a.manager)
    elif kind in (MailKind.WELCOME, MailKind.START_MOVED):
        r = Recipients(to=[a.freelancer], cc=[a.manager, *_some(a.buddy)], reply_to=a.manager)
    elif kind == MailKind.INVITATION_CANCELLED:  # to whom the invitation went
        kickoff = input.occurrence == MailKind.WELCOME.value
        cc = [a.manager, *_some(a.buddy)] if kickoff else []
        r = Recipients(to=[a.freelancer], cc=cc, reply_to=a.manager)
    elif kind == MailKind.BUDDY_INTRODUCTION:
        r = Recipients(to=_some(a.buddy), cc=[a.freelancer], reply_to=a.manager)
    elif kind == MailKind.RENEWAL_ESCALATION:
        r = Recipients(to=[hr], cc=[a.manager]) if hr else Recipients(to=[a.manager])
    elif kind == MailKind.TASK_REMINDER:
        owner = task_owner(input, config)
        r = Recipients(to=[owner], reply_to=hr if owner is a.manager else a.manager)
    elif kind == MailKind.TASK_ESCALATION:
        r = Recipients(to=[hr], cc=[a.manager]) if hr else Recipients(to=[a.manager])
    elif kind in (MailKind.ACCESS_OVERDUE, MailKind.REVOCATION_HELD):
        admins = [Person(name="", email=e) for e in config.admin_emails]
        first, then = ([*_some(hr)], admins)
        if kind == MailKind.REVOCATION_HELD:
            first, then = admins, [*_some(hr)]
        to = first or then or [a.manager]
        r = Recipients(to=to, cc=then if first else [])
    else:  # pragma: no cover - every MailKind is listed above
        raise MailInputError(f"no recipients defined for {kind}")
    return _without_repeats(r)


def _some(person: Person | None) -> list[Person]:
    return [person] if person is not None else []


def _without_repeats(r: Recipients) -> Recipients:
    seen: set[str] = set()
    to = [p for p in r.to if not _seen(p, seen)]
    cc = [p for p in r.cc if not _seen(p, seen)]
    reply_to = r.reply_to
    if reply_to is not None and reply_to.email.strip().lower() in {p.email.lower() for p in to}:
        reply_to = None  # no point in replying to oneself
    return Recipients(to=to, cc=cc, reply_to=reply_to)


def _seen(person: Person, seen: set[str]) -> bool:
    key = person.email.strip().lower()
    if not key or key in seen:
        return True
    seen.add(key)
    return False
