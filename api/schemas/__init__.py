"""The HTTP schemas: what clients send (inputs.py, built from fields.py) and what they get
(outputs.py), mapped explicitly to the workflow's types."""

from api.schemas.fields import (
    ASSIGNMENT_ID_PATTERN,
    LANGUAGES,
    TASK_ID_PATTERN,
    IsoDate,
    timezones,
)
from api.schemas.inputs import (
    AmendmentCreate,
    AssignmentCreate,
    CancellationCreate,
    ExtensionCreate,
    PersonIn,
    RenewalDecisionCreate,
    TaskCompletion,
    TeamEventIn,
    TerminationCreate,
)
from api.schemas.outputs import (
    AssignmentList,
    AssignmentPublic,
    AttentionItem,
    ClockOut,
    EventAccepted,
    Health,
    HoldPublic,
    ReconciliationPublic,
    TimelineItem,
    WorkflowRef,
)

__all__ = [
    "ASSIGNMENT_ID_PATTERN",
    "LANGUAGES",
    "TASK_ID_PATTERN",
    "AmendmentCreate",
    "AssignmentCreate",
    "AssignmentList",
    "AssignmentPublic",
    "AttentionItem",
    "CancellationCreate",
    "ClockOut",
    "EventAccepted",
    "ExtensionCreate",
    "Health",
    "HoldPublic",
    "IsoDate",
    "PersonIn",
    "ReconciliationPublic",
    "RenewalDecisionCreate",
    "TaskCompletion",
    "TeamEventIn",
    "TerminationCreate",
    "TimelineItem",
    "WorkflowRef",
    "timezones",
]
