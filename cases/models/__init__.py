"""The models, by subject; choices live in cases.choices."""

from cases.models.accounts import ClosureDay, Membership, Team, User
from cases.models.cases import Case, CasePart, StepPause, StepPeriod, StepTarget
from cases.models.clients import Client, Contact
from cases.models.imports import ImportRun
from cases.models.notices import Notice
from cases.models.steps import (
    Apology,
    ClientContact,
    Compensation,
    FollowUp,
    Option,
    ProgressReport,
    Promise,
    RootCauseAnswer,
)
from cases.models.throttles import PasswordResetRequest
from cases.models.timeline import (
    CLIENT_KINDS,
    UNMUTABLE_KINDS,
    OutboxMessage,
    Submission,
    TimelineEntry,
)

__all__ = [
    "CLIENT_KINDS",
    "UNMUTABLE_KINDS",
    "Apology",
    "Case",
    "CasePart",
    "Client",
    "ClientContact",
    "ClosureDay",
    "Compensation",
    "Contact",
    "FollowUp",
    "ImportRun",
    "Membership",
    "Notice",
    "Option",
    "OutboxMessage",
    "PasswordResetRequest",
    "ProgressReport",
    "Promise",
    "RootCauseAnswer",
    "StepPause",
    "StepPeriod",
    "StepTarget",
    "Submission",
    "Team",
    "TimelineEntry",
    "User",
]
