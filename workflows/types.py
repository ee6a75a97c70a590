"""The payloads that cross the workflow boundary: inputs, results, the state the queries show.

Every model here is decoded from stored histories, so a new field always gets a default: an
assignment that started on an older version must still replay.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TASK_QUEUE = "assignment-lifecycle"

# Activity names. The workflows call activities by these names (so the workflow sandbox loads no
# activity code) and every activity registers under its name (`@activity.defn(name=...)`), so the
# two ends cannot drift apart.
RECORD = "record"
SEND_MAIL = "send_mail"
SYNC_ACCESS = "sync_access"
PUBLISH = "publish"
# The ledger lane's effects asked for since its last call, in one call (records, events, mails).
APPLY_LEDGER = "apply_ledger"
DELIVER_NOTIFICATION = "deliver_notification"
QUEUE_MAIL = "queue_mail"
DELIVER_MAIL = "deliver_mail"
CLAIM_REVOCATION = "claim_revocation"
RECONCILE_PAGE = "reconcile_page"

# The `type` of the ApplicationError a refused update carries (the API maps them to 409/404/422).
REFUSED_CONFLICT = "Conflict"
REFUSED_NOT_FOUND = "NotFound"
REFUSED_INVALID = "Invalid"

# One term runs at most this long: longer contracts are renewed, and a far-away date (a typo's
# year 9418) would draw a schedule too long for one workflow task.
MAX_TERM_DAYS = 5 * 366


# The contracting system's id of an assignment: its business key.
ASSIGNMENT_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"


def workflow_id_for(assignment_id: str) -> str:
    """The one workflow of an assignment, named from the contracting system's business key."""
    return f"assignment-{assignment_id}"


class Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="ignore")


class Phase(StrEnum):
    SCHEDULED = "scheduled"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    RENEWAL_REVIEW = "renewal_review"
    OFFBOARDING = "offboarding"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


CLOSED_PHASES = frozenset({Phase.COMPLETED, Phase.CANCELLED})


class Person(Model):
    name: str
    email: str


class TeamEvent(Model):
    title: str
    rrule: str
    start_time: str  # "HH:MM", local to the assignment's timezone
    duration_minutes: int = 60


class Assignment(Model):
    """The contract's create body, as amended since."""

    assignment_id: str
    freelancer: Person
    manager: Person
    team: str
    role: str
    purpose: str
    start_date: date
    end_date: date
    tools: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    language: str = "en"
    buddy: Person | None = None
    hr_contact: Person | None = None
    team_events: list[TeamEvent] = Field(default_factory=list)
    policy: str = "standard"  # the named policy it follows (core.policies)


# Who does a checklist's task: a person of the assignment (`buddy` and `hr` fall back to the
# manager when the assignment names none).
TaskOwner = Literal["manager", "buddy", "hr", "freelancer"]
TASK_OWNERS: tuple[TaskOwner, ...] = ("manager", "buddy", "hr", "freelancer")
POLICY_TASK_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"
MAX_TASK_DUE_DAYS = 90  # a task is due at most this many days from the first or last day


class TaskSpec(Model):
    """One task of a policy's checklist: its id, who does it and by which day. `due_days` counts
    from the first day for an onboarding task (negative: before it), from the last day for an
    offboarding one. `title` is the task's title in every language the engine speaks, for a task
    of the policy's own; a task the catalogue has (`checklist.<id>`) takes its titles there."""

    id: str
    owner: TaskOwner = "manager"
    due_days: int = 0
    title: dict[str, str] = Field(default_factory=dict)


# The contract's checklists: onboarding tasks due on the first day, farewell tasks on the last.
STANDARD_ONBOARDING = (
    TaskSpec(id="prepare-access"),
    TaskSpec(id="plan-kickoff"),
    TaskSpec(id="team-rituals", owner="buddy"),
    TaskSpec(id="introductions"),
)
STANDARD_OFFBOARDING = (
    TaskSpec(id="knowledge-transfer"),
    TaskSpec(id="handover-documents", owner="freelancer"),
    TaskSpec(id="exit-conversation"),
)


# The mails a policy may leave out (`Policy.mails_off`): the conversations, not the contract's
# facts (welcome, renewal, offboarding and access always happen).
OPTIONAL_MAILS = ("checkin", "development", "feedback_reminder")


class Policy(Model):
    """Lead times of the lifecycle, in days (the contract's section 4 defaults): one named
    policy of `core.policies`."""

    onboarding_lead_days: int = 7
    checkin_every_days: int = 30
    development_every_days: int = 90
    renewal_lead_days: int = 30
    reminder_lead_days: int = 21
    escalation_lead_days: int = 14
    completion_after_days: int = 14
    feedback_reminder_after_days: int = 3
    # Mails to people go out at this local hour, on a weekday (moved to the working day before).
    send_hour: int = 9
    weekdays_only: bool = True
    # The conversations a team does without: any of OPTIONAL_MAILS (the step is not planned).
    mails_off: list[str] = Field(default_factory=list)
    # The checklists, and their follow-up: a task still open this many days after its due day
    # is reminded to its owner (once), and escalated to HR (once) after the second delay.
    onboarding_tasks: list[TaskSpec] = Field(default_factory=lambda: list(STANDARD_ONBOARDING))
    offboarding_tasks: list[TaskSpec] = Field(default_factory=lambda: list(STANDARD_OFFBOARDING))
    task_reminder_after_days: int = 1
    task_escalation_after_days: int = 3

    def check(self) -> None:
        """Refuses a policy that has no meaningful schedule (and would loop forever), that
        turns off a mail that is not optional, or whose checklists cannot be followed up."""
        self._check_tasks()
        unknown = [m for m in self.mails_off if m not in OPTIONAL_MAILS]
        if unknown:
            raise ValueError(
                f"mails_off: {unknown[0]!r} cannot be turned off (these can: "
                f"{', '.join(OPTIONAL_MAILS)})"
            )
        if not 0 <= self.send_hour <= 23:
            raise ValueError(f"send_hour must be 0..23, got {self.send_hour}")
        for name in ("checkin_every_days", "development_every_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in (
            "onboarding_lead_days",
            "renewal_lead_days",
            "reminder_lead_days",
            "escalation_lead_days",
            "completion_after_days",
            "feedback_reminder_after_days",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")

    def _check_tasks(self) -> None:
        if self.task_reminder_after_days < 1:
            raise ValueError(
                "task_reminder_after_days must be at least 1 (a task is late the day after its"
                f" due day), got {self.task_reminder_after_days}"
            )
        if self.task_escalation_after_days <= self.task_reminder_after_days:
            raise ValueError(
                "task_escalation_after_days must come after the reminder (more than"
                f" {self.task_reminder_after_days}), got {self.task_escalation_after_days}"
            )
        seen: set[str] = set()
        for list_name in ("onboarding_tasks", "offboarding_tasks"):
            for index, spec in enumerate(getattr(self, list_name)):
                where = f"{list_name}[{index}]"
                if not re.fullmatch(POLICY_TASK_ID, spec.id):
                    raise ValueError(
                        f"{where}: id {spec.id!r} must be lower-case letters, digits and '-'"
                        " (at most 40)"
                    )
                if spec.id in seen:
                    raise ValueError(f"{where}: id {spec.id!r} is used twice")
                seen.add(spec.id)
                if any(not text.strip() for text in spec.title.values()):
                    raise ValueError(f"{where}: {spec.id!r} has an empty title")
                low = -MAX_TASK_DUE_DAYS if list_name == "onboarding_tasks" else 0
                if not low <= spec.due_days <= MAX_TASK_DUE_DAYS:
                    raise ValueError(
                        f"{where}: {spec.id!r} due_days must be {low}..{MAX_TASK_DUE_DAYS}"
                        + (" (farewell tasks are given on the last day)" if low == 0 else "")
                        + f", got {spec.due_days}"
                    )


class ClockSpec(Model):
    """The deployment clock, fixed in the workflow's input so that replay reads the same time."""

    anchor: datetime
    speed: float = 1.0
    start: datetime | None = None  # what the clock shows at the anchor (None: the anchor)


class StepKind(StrEnum):
    ONBOARDING = "onboarding"
    START = "start"
    CHECKIN = "checkin"
    DEVELOPMENT = "development"
    RENEWAL_REQUEST = "renewal_request"
    RENEWAL_REMINDER = "renewal_reminder"
    RENEWAL_ESCALATION = "renewal_escalation"
    OFFBOARDING = "offboarding"
    REVOKE_ACCESS = "revoke_access"
    FEEDBACK_REMINDER = "feedback_reminder"
    COMPLETION = "completion"
    # A checklist's tasks still open past their due day: their owners are reminded, then HR.
    TASK_REMINDER = "task_reminder"
    TASK_ESCALATION = "task_escalation"


class Step(Model):
    """One timed transition of the schedule."""

    kind: StepKind
    at: datetime  # UTC, assignment time
    key: str  # unique within a term, e.g. "checkin:2027-02-03"
    catch_up: bool = True  # performed late when its time has passed; else skipped


class Task(Model):
    """A task of the assignment's checklist, given from its policy's `TaskSpec`."""

    task_id: str
    title: str  # in English
    phase: Literal["onboarding", "offboarding"]
    done: bool = False
    done_at: datetime | None = None
    done_by: str | None = None
    owner: TaskOwner = "manager"
    due: date | None = None  # the local day it is due by (None: given before tasks had one)
    # The day its follow-up counts from: its due day, or the day it was given when that is
    # later (an assignment signed after its start); None: not followed up (given before the
    # follow-up, or brought in by an import already late: nothing whose moment passed is sent).
    follow_from: date | None = None
    titles: dict[str, str] = Field(default_factory=dict)  # a policy's own task: every language
    reminded_at: datetime | None = None  # its owner was reminded (once)
    escalated_at: datetime | None = None  # HR was told it is still open (once)


class AccessStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REVOKED = "revoked"


class Access(Model):
    tool: str
    status: AccessStatus
    since: datetime


class AccessTarget(Model):
    """What the freelancer's account at the IdP is to be: active in these tools, or closed."""

    active: bool
    tools: list[str] = Field(default_factory=list)


class EffectFailure(Model):
    """An effect that keeps failing: which, since when (assignment time), the last error, and
    whether it is a revocation whose moment has passed (access open after the end)."""

    kind: Literal["access_grant", "access_revoke"]
    since: datetime
    error: str
    permanent: bool = False  # the IdP refused (rather than being out of reach)
    overdue: bool = False


class Transition(Model):
    kind: str
    at: datetime


class PendingDecision(Model):
    kind: Literal["renewal"] = "renewal"
    due: datetime
    requested_at: datetime | None = None


class AssignmentState(Model):
    """What the assignment resource shows; also what one run hands the next (continue-as-new)."""

    assignment: Assignment
    phase: Phase = Phase.SCHEDULED
    term: int = 1
    term_start: date | None = None
    signed_at: datetime | None = None
    next_transition: Transition | None = None
    pending_decision: PendingDecision | None = None
    planned: list[Transition] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    access: list[Access] = Field(default_factory=list)
    terminated: bool = False
    renewal_decision: Literal["renew", "end"] | None = None
    renewal_decided_at: datetime | None = None
    feedback_received_at: datetime | None = None
    ended_at: datetime | None = None
    # The end date the team-event invitations were last sent with, and their revision (SEQUENCE):
    # a moved end date re-sends them so the series ends when the assignment does.
    invitations_until: date | None = None
    invitations_revision: int = 0
    invited_to_kickoff: bool = False  # the welcome (with the kick-off's invitation) went out
    kickoff_revision: int = 0  # the kick-off's SEQUENCE: raised each time it moves
    policy_version: str | None = None  # the version of its policy that applies now
    # Tool access, in runs begun with independent effects: what the IdP last confirmed, since when
    # it is to be closed, what fails meanwhile, and what the revocation guard and admins decided.
    access_applied: AccessTarget | None = None
    access_asked: bool = False  # a grant was sent to the IdP (confirmed or not: it may hold some)
    access_closing_since: datetime | None = None
    access_failure: EffectFailure | None = None
    access_overdue_told: bool = False
    revocation_hold: str | None = None
    revocation_cleared: bool = False
    access_kept_by: str | None = None  # an admin: closed by hand at the IdP, or the hold rejected
    # How many records the assignment's runs have asked for (with independent effects): the
    # read model keeps the state of the newest, whoever writes it (the record, or the API right
    # after a change).
    revision: int = 0
    # In an Update's answer only: timeline entries asked for and not yet recorded (the record
    # follows on its own lane); the API writes them at once, so a read right after a change
    # tells of it.
    unrecorded: list[TimelineEntry] = Field(default_factory=list)


class Imported(Model):
    """An assignment that already runs, brought in by `lifecycle import` or the batch endpoint."""

    term: int = Field(default=1, ge=1)
    past_renewals: list[date] = Field(default_factory=list)  # the earlier terms' last days


class PolicyChange(Model):
    """A named policy's new version, for the running assignments that follow it."""

    name: str
    version: str
    policy: Policy


class AssignmentWorkflowInput(Model):
    assignment: Assignment
    clock: ClockSpec
    policy: Policy = Field(default_factory=Policy)
    policy_version: str | None = None  # of the assignment's named policy, when signed
    imported: Imported | None = None  # a first run only: comes in at the phase its dates say
    # Set only by continue-as-new: the state the previous run handed over, and the effects it
    # asked for but had not done yet (the next run does them first, in order).
    carried: AssignmentState | None = None
    pending_effects: list[PendingEffect] = Field(default_factory=list)


class PendingEffect(Model):
    """One effect of the ledger lane (workflows/effects.py): its activity and its input."""

    activity: str
    record: RecordInput | None = None
    mail: QueueMailInput | None = None
    event: PublishInput | None = None
    access: SyncAccessInput | None = None

    @property
    def input(self) -> Model:
        found = self.record or self.mail or self.event or self.access
        assert found is not None, f"an effect of {self.activity} without its input"
        return found


class LedgerBatch(Model):
    """The ledger lane's effects in the order they were asked for (records, events, mails)."""

    effects: list[PendingEffect]


class LedgerRefusal(Model):
    """An effect of a batch refused for good (retrying cannot change it): its place, and why."""

    index: int
    reason: str


class LedgerResult(Model):
    refused: list[LedgerRefusal] = Field(default_factory=list)


# --- updates: contract changes, operators' actions ---------------------------------------------


class ExtendInput(Model):
    new_end_date: date
    reason: str | None = None
    actor: str = "contracting"


class TerminateInput(Model):
    effective_date: date
    reason: str
    actor: str = "contracting"


class CancelInput(Model):
    reason: str
    actor: str = "contracting"


class AmendInput(Model):
    role: str | None = None
    team: str | None = None
    manager: Person | None = None
    tools: list[str] | None = None
    start_date: date | None = None  # before the start only
    team_events: list[TeamEvent] | None = None  # replaces the list; [] removes them all
    actor: str = "contracting"


class DecideRenewalInput(Model):
    decision: Literal["renew", "end"]
    new_end_date: date | None = None
    note: str | None = None
    actor: str = "operator"


class CompleteTaskInput(Model):
    task_id: str
    actor: str = "operator"


class SubmitFeedbackInput(Model):
    """The answers themselves are kept by the API in PostgreSQL; the workflow needs the fact."""

    rating: int | None = None
    actor: str = "freelancer"


class AccessActionInput(Model):
    """An admin's word on the assignment's tool access: look again now, or it is closed by
    hand at the IdP."""

    actor: str = "admin"


class DecideHoldInput(Model):
    """An admin releases (the revocation goes ahead) or rejects (access is left as it is) a
    revocation held by the guard."""

    release: bool
    actor: str = "admin"


# --- activities ------------------------------------------------------------------------------


class TimelineEntry(Model):
    key: str  # idempotency key within the assignment: "{term}:{step key}" or "{term}:{event}"
    at: datetime
    kind: str
    summary: str
    actor: str = "system"
    # Facts for reports, e.g. a renewal's {"old_end": ..., "new_end": ...} (ISO dates).
    data: dict[str, str | None] = Field(default_factory=dict)


class RecordInput(Model):
    """Upserts the read model with the state and appends the entries, in one transaction."""

    state: AssignmentState
    entries: list[TimelineEntry] = Field(default_factory=list)
    run_id: str | None = None


class MailKind(StrEnum):
    MANAGER_CHECKLIST = "manager_checklist"
    WELCOME = "welcome"  # purpose briefing + kick-off invitation (ICS) to the freelancer
    BUDDY_INTRODUCTION = "buddy_introduction"
    TEAM_EVENT_INVITATION = "team_event_invitation"  # one per team event (occurrence = index)
    FIRST_DAY = "first_day"
    CHECKIN = "checkin"
    DEVELOPMENT = "development"
    RENEWAL_REQUEST = "renewal_request"
    RENEWAL_REMINDER = "renewal_reminder"
    RENEWAL_ESCALATION = "renewal_escalation"
    RENEWAL_OUTCOME = "renewal_outcome"
    TERMINATION_NOTICE = "termination_notice"
    CANCELLATION_NOTICE = "cancellation_notice"
    OFFBOARDING_CHECKLIST = "offboarding_checklist"
    EXIT_FEEDBACK = "exit_feedback"
    FEEDBACK_REMINDER = "feedback_reminder"
    ALUMNI_INVITATION = "alumni_invitation"
    ACCESS_OVERDUE = "access_overdue"  # to the HR contact and the admins: access open after the end
    REVOCATION_HELD = "revocation_held"  # to the admins: the guard holds early ends' revocations
    # METHOD:CANCEL for an invitation sent before (same UID); occurrence names it: `welcome` (the
    # kick-off) or `team_event_invitation:<index>`.
    INVITATION_CANCELLED = "invitation_cancelled"
    # The start moved before it came: the kick-off's invitation moves with it (same UID, a
    # higher SEQUENCE); occurrence is the new start date.
    START_MOVED = "start_moved"
    # Checklist tasks late: to their owner (occurrence `<day>_<owner>`), then to HR (`<day>`).
    TASK_REMINDER = "task_reminder"
    TASK_ESCALATION = "task_escalation"


class SendMailInput(Model):
    kind: MailKind
    term: int
    occurrence: str = ""  # tells apart several mails of one kind in a term (a check-in's date)
    state: AssignmentState
    # Moment of the message in assignment time (dates in the text are judged against it).
    at: datetime
    hr_email: str | None = None
    note: str | None = None
    # The calendar invitation's SEQUENCE: a moved meeting is re-sent with a higher revision, as a
    # new message (its Message-ID ends in `.r{revision}`) that updates the same calendar UID.
    revision: int = 0

    def slim(self) -> QueueMailInput:
        """What composing the mail needs of the state (the input of runs before this one)."""
        s = self.state
        return QueueMailInput(
            kind=self.kind,
            term=self.term,
            occurrence=self.occurrence,
            at=self.at,
            note=self.note,
            revision=self.revision,
            assignment=s.assignment,
            tasks=s.tasks,
            granted_tools=[x.tool for x in s.access if x.status == AccessStatus.GRANTED],
            decision_due=s.pending_decision.due if s.pending_decision else None,
            decision_asked=s.pending_decision.requested_at if s.pending_decision else None,
            renewal_decision=s.renewal_decision,
            hr_email=self.hr_email,
        )


class QueueMailInput(Model):
    """One mail to compose and put in the outbox (delivered on its own): the facts it tells."""

    kind: MailKind
    term: int
    occurrence: str = ""  # tells apart several mails of one kind in a term (a check-in's date)
    # Moment of the message in assignment time (dates in the text are judged against it).
    at: datetime
    note: str | None = None
    # The calendar invitation's SEQUENCE: a moved meeting is re-sent with a higher revision, as a
    # new message (its Message-ID ends in `.r{revision}`) that updates the same calendar UID.
    revision: int = 0
    assignment: Assignment
    tasks: list[Task] = Field(default_factory=list)
    granted_tools: list[str] = Field(default_factory=list)
    decision_due: datetime | None = None
    decision_asked: datetime | None = None  # when the pending decision was asked (its links)
    renewal_decision: Literal["renew", "end"] | None = None
    hr_email: str | None = None  # who hears of an escalation, when the assignment names nobody


class SendMailResult(Model):
    message_id: str
    recipients: list[str] = Field(default_factory=list)
    status: str = "kept"


class SyncAccessInput(Model):
    """Brings the freelancer's access to exactly `tools` (and `active`); idempotent."""

    assignment_id: str
    term: int
    freelancer: Person
    tools: list[str]
    active: bool = True
    at: datetime
    by_hand: bool = False  # closed by hand at the IdP: only the ledger is brought up to date
    close_account: bool = False  # close the account even if the ledger never saw a grant


class SyncAccessResult(Model):
    access: list[Access] = Field(default_factory=list)
    provider: str = "ledger"


class ClaimRevocationInput(Model):
    """An early end (termination, cancellation) is about to revoke access: the guard counts it."""

    assignment_id: str
    reason: Literal["terminated", "cancelled"]
    at: datetime


class ClaimRevocationResult(Model):
    held: bool = False
    hold_id: str | None = None
    first: bool = False  # the first hold now waiting: the admins are told


class ReconcileFigures(Model):
    """What a reconciliation found: users read back, drift found, drift corrected."""

    pages: int = 0
    checked: int = 0
    drift: int = 0
    corrected: int = 0

    def plus(self, other: ReconcileFigures) -> ReconcileFigures:
        return ReconcileFigures(
            pages=self.pages + other.pages,
            checked=self.checked + other.checked,
            drift=self.drift + other.drift,
            corrected=self.corrected + other.corrected,
        )


class ReconcileInput(Model):
    """A reconciliation run, or the rest of it after a continue-as-new."""

    run_id: str = ""
    cursor: str | None = None
    so_far: ReconcileFigures = Field(default_factory=ReconcileFigures)


class ReconcilePageInput(Model):
    run_id: str
    cursor: str | None = None
    size: int = 100


class ReconcilePageResult(Model):
    figures: ReconcileFigures = Field(default_factory=ReconcileFigures)
    cursor: str | None = None  # the last assignment checked; None: the run is done


class PublishInput(Model):
    event_id: str  # stable across retries: "{assignment}:{term}:{what}"
    type: Literal[
        "lifecycle.phase_changed",
        "lifecycle.renewal_decided",
        "lifecycle.access_changed",
        "lifecycle.feedback_received",
    ]
    assignment_id: str
    at: datetime
    data: dict[str, object] = Field(default_factory=dict)
