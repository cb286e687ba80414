"""The models, by subject; choices live in cases.choices."""

from cases.models.accounts import ClosureDay, Membership, Team, User
from cases.models.api import ApiToken
from cases.models.attachments import Attachment
from cases.models.cases import Case, CasePart, StepPause, StepPeriod, StepTarget
from cases.models.check_ins import CheckIn
from cases.models.clients import Client, Contact
from cases.models.confirmations import Confirmation
from cases.models.hooks import HttpDelivery, WebhookEndpoint
from cases.models.imports import ImportRun
from cases.models.inbound import InboundMail
from cases.models.notices import Notice
from cases.models.shares import PromiseShare
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
    "ApiToken",
    "Apology",
    "Attachment",
    "Case",
    "CasePart",
    "CheckIn",
    "Client",
    "ClientContact",
    "ClosureDay",
    "Compensation",
    "Confirmation",
    "Contact",
    "FollowUp",
    "HttpDelivery",
    "ImportRun",
    "InboundMail",
    "Membership",
    "Notice",
    "Option",
    "OutboxMessage",
    "PasswordResetRequest",
    "ProgressReport",
    "Promise",
    "PromiseShare",
    "RootCauseAnswer",
    "StepPause",
    "StepPeriod",
    "StepTarget",
    "Submission",
    "Team",
    "TimelineEntry",
    "User",
    "WebhookEndpoint",
]
