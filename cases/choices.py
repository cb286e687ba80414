"""The fixed lists Mend is built on: steps, roles, kinds and questions.

A leaf: it imports nothing from cases, so every layer may use it.
"""

from django.db import models


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    SALES_MANAGER = "sales_manager", "Sales manager"
    ADMINISTRATOR = "administrator", "Administrator"


class Step(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    ROOT_CAUSE = "root_cause", "Root cause"
    OPTIONS = "options", "Options"
    COMMUNICATE = "communicate", "Communicate"
    APOLOGISE = "apologise", "Apologise"
    COMPENSATE = "compensate", "Compensate"
    FOLLOW_UP = "follow_up", "Follow up"
    CLOSED = "closed", "Closed"


class Severity(models.TextChoices):
    LOW = "low", "Low: an annoyance"
    MEDIUM = "medium", "Medium: the client is affected"
    HIGH = "high", "High: the client's business is hurt"
    CRITICAL = "critical", "Critical: the account is at risk"


class FailureSource(models.TextChoices):
    PROCESS = "process", "Our process or product"
    INDIVIDUAL = "individual", "An individual on our side"
    EXTERNAL = "external", "An outside event (weather, supplier…)"
    CLIENT = "client", "The client's side"


class OurPart(models.TextChoices):
    COULD_NOT_DELIVER = "could_not_deliver", "Took an order we could not deliver"
    BELOW_LEVEL = "below_level", "Service below the expected level"
    MISUNDERSTOOD = "misunderstood", "Misunderstood what was asked"
    EAGER_YES = "eager_yes", "Said yes out of eagerness when the answer was no"
    LEARNING_CURVE = "learning_curve", "The client paid for our learning curve"
    NO_BUFFER = "no_buffer", "No buffer in the promise"
    NO_BACKUP = "no_backup", "No backup plan for an outside event"


class Outcome(models.TextChoices):
    RECOVERED = "recovered", "Recovered: the client bought again"
    RETAINED = "retained", "Retained"
    LOST = "lost", "Lost"
    PARTED = "parted", "Parted ways: not a fit"


class RepeatEvidence(models.TextChoices):
    """How we know a recovered client bought again (the close form asks)."""

    ORDER = "order", "A new order"
    CHECK_IN = "check_in", "They told us in a check-in"


class ClientFit(models.TextChoices):
    GOOD = "good", "A good fit: keep serving them"
    WITH_CHANGES = "with_changes", "A fit, if we change how we work with them"
    NOT_A_FIT = "not_a_fit", "Not a fit: say no to this kind of work"


class Segment(models.TextChoices):
    ENTERPRISE = "enterprise", "Enterprise"
    MIDMARKET = "midmarket", "Mid-market"
    SMALL = "small", "Small business"
    PUBLIC = "public", "Public sector"


ROOT_CAUSE_QUESTIONS = {
    "written_expectations": "Did we have a clear, written statement of the client's "
    "expectations?",
    "followed_through": "Did we follow the request through properly?",
    "responded_on_time": "Did we respond on time to every request and complaint?",
    "buffer": "Did the promise leave room for things going wrong (a buffer)?",
    "backup_plan": "Was there a backup plan for an emergency?",
    "our_strengths": "Was this work within our strengths and the market we serve well?",
    "feedback_system": "Do we have a way to hear how clients see us "
    "(a feedback system)?",
    "improvement_process": "Do we have an internal way to improve the process that "
    "failed?",
    "manager_knew": "Did the manager know early enough to help?",
}


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class Feasibility(models.TextChoices):
    HIGH = "high", "Sure to work"
    MEDIUM = "medium", "Likely"
    LOW = "low", "A long shot"


class Channel(models.TextChoices):
    MEETING = "meeting", "Meeting in person"
    CALL = "call", "Phone call"
    VIDEO = "video", "Video call"
    EMAIL = "email", "Email"
    MESSAGE = "message", "Chat or message"


class BossPermission(models.TextChoices):
    NOT_ASKED = "not_asked", "Not asked"
    ALLOWED = "allowed", "Allowed"
    DECLINED = "declined", "Declined"


class ApologyMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    CALL = "call", "Phone or video call"
    WRITTEN = "written", "In writing"


class OnBehalf(models.TextChoices):
    COMPANY = "company", "On behalf of the company"
    PERSONAL = "personal", "Personally"


class CompensationKind(models.TextChoices):
    REFUND = "refund", "Refund"
    CREDIT = "credit", "Credit"
    DISCOUNT = "discount", "Discount"
    FREE_PRODUCT = "free_product", "Free product or service"
    UPGRADE = "upgrade", "Upgrade"
    FAVOUR = "favour", "A future favour free of charge"
    REPLACEMENT = "replacement", "Replacement from another source"
    TRAINING = "training", "Training"


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", "No approval needed"
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    # Taken back by the owner before delivery: it no longer counts.
    WITHDRAWN = "withdrawn", "Withdrawn"


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Due"
    KEPT = "kept", "Kept"
    MISSED = "missed", "Missed"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # Not sent because the recipient left, or the case moved on.
    SKIPPED = "skipped", "Skipped"


class NotificationKind(models.TextChoices):
    CASE_LOGGED = "case_logged", "A case was logged (to the manager)"
    APPROVAL_NEEDED = "approval_needed", "A compensation needs approval"
    FOLLOW_UP_REMINDER = "follow_up_reminder", "Follow-up reminder"
    PROMISE_REMINDER = "promise_reminder", "Promise reminder"
    SECOND_DROP = "second_drop", "A promise was missed"
    PROGRESS_REPORT = "progress_report", "Progress report due"
    STEP_WARNING = "step_warning", "A step is due soon"
    STEP_ESCALATION = "step_escalation", "A case passed its step's target"
    STEP_SECOND_ESCALATION = (
        "step_second_escalation",
        "A case stayed well past its step's target",
    )
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
    CASE_COMMENT = "case_comment", "A comment on my case"
    CASE_REASSIGNED = "case_reassigned", "A case was handed to me"
    CASE_SENT_BACK = "case_sent_back", "My case was sent back a step"
    COMPENSATION_DECIDED = (
        "compensation_decided",
        "A compensation I offered was approved or declined",
    )
    PASSWORD_RESET = "password_reset", "A password reset link I asked for"
    RECIPIENT_UNREACHABLE = (
        "recipient_unreachable",
        "Someone could not be emailed about my case",
    )
    CLOCK_RESUMED = (
        "clock_resumed",
        "A paused step clock restarted on its date",
    )
    MENTION = "mention", "A comment that mentions me"
    # To the client's people (OutboxMessage.contact), never to a user.
    CLIENT_CONFIRMATION = "client_confirmation", "A written confirmation to the client"
    CLIENT_CHECK_IN = "client_check_in", "A check-in sent to the client"
    # To the team, about what the client said.
    CLIENT_REPLY = "client_reply", "A client replied on my case"
    CHECK_IN_LOW = "check_in_low", "A client's check-in answer was low"
    SECOND_FAILURE = (
        "second_failure",
        "A dropped ball was logged for a client we failed before (to the manager)",
    )


# What a team may route to its Slack or Teams channel as well as email
# (Team.chat_kinds, cases.hooks.chat): each one about a case is posted once per
# team, whoever the emails go to; the digest once per team and week. A kind
# added here is offered on the team's page and posted with its label.
CHAT_KINDS = (
    NotificationKind.CASE_LOGGED,
    NotificationKind.STEP_ESCALATION,
    NotificationKind.STEP_SECOND_ESCALATION,
    NotificationKind.SECOND_DROP,
    NotificationKind.SECOND_FAILURE,
    NotificationKind.WEEKLY_DIGEST,
)


class TimelineKind(models.TextChoices):
    """What a timeline entry records."""

    LOGGED = "logged", "Logged"
    MANAGER_ALERTED = "manager_alerted", "Manager alerted"
    EDITED = "edited", "Edited"
    ADVANCED = "advanced", "Moved on"
    SENT_BACK = "sent_back", "Sent back"
    REASSIGNED = "reassigned", "Reassigned"
    COMMENT = "comment", "Comment"
    ROOT_CAUSE = "root_cause", "Root cause"
    OPTION = "option", "Option"
    CLIENT_CONTACT = "client_contact", "Client contact"
    PERSON = "person", "Affected person"
    APOLOGY = "apology", "Apology"
    COMPENSATION = "compensation", "Compensation"
    APPROVAL = "approval", "Approval"
    FOLLOW_UP = "follow_up", "Follow-up"
    PROMISE = "promise", "Promise"
    SECOND_DROP = "second_drop", "Second drop"
    CLOSED = "closed", "Closed"
    # Owner, team or client changed in the Django admin.
    ADMIN_EDITED = "admin_edited", "Changed by an administrator"
    CONTACT_ERASED = "contact_erased", "Contact's details erased"
    PAUSED = "paused", "Clock paused"
    RESUMED = "resumed", "Clock resumed"
    UNDONE = "undone", "Undone"
    PROGRESS_REPORT = "progress_report", "Progress report"
    REPORT_CADENCE = "report_cadence", "Report cadence"
    CONFIRMATION_SENT = "confirmation_sent", "Written confirmation sent"
    CLIENT_REPLIED = "client_replied", "The client replied"
    CHECK_IN_SENT = "check_in_sent", "Check-in sent"
    CHECK_IN_ANSWERED = "check_in_answered", "Check-in answered"
    PROMISE_PAGE = "promise_page", "Promise page shared or revoked"
    ATTACHMENT_ADDED = "attachment_added", "File attached"
    ATTACHMENT_REMOVED = "attachment_removed", "File removed"
    SECOND_FAILURE = "second_failure", "Second failure"
    SECOND_FAILURE_OVERRIDDEN = "second_failure_overridden", "Second failure overridden"
    REPEAT_BUSINESS = "repeat_business", "Repeat business"


class SecondFailureReason(models.TextChoices):
    """Why an earlier case makes a new one a second failure for its client."""

    OPEN = "open", "still open"
    RECENT = "recent", "closed recently"
    SAME_PART = "same_part", "the same part of ours"


class SecondFailureMeasure(models.TextChoices):
    """What Mend does about a second failure; each one a manager may override."""

    FLAG = "flag", "All of it: this is not a second failure"
    SEVERITY = "severity", "The raised severity"
    TARGETS = "targets", "The tighter step targets"
    GUIDANCE = "guidance", "The damage-limiting guidance"
    ALERT = "alert", "The alert to the sales managers"


class InboundStatus(models.TextChoices):
    """Where an email that came into the reply mailbox stands."""

    ATTACHED = "attached", "On its case"
    REVIEW = "review", "Waiting for review"
    DISMISSED = "dismissed", "Dismissed"


class PauseReason(models.TextChoices):
    """Why a step's clock stands still: the next move is the client's."""

    CLIENT_ANSWER = "client_answer", "Waiting for the client's answer"
    CLIENT_ASKED = "client_asked", "The client asked us to wait"
    CLIENT_AWAY = "client_away", "The client's people are away"
    OTHER = "other", "Something else on the client's side"


class PauseEnd(models.TextChoices):
    """What started a paused clock again."""

    RESUMED = "resumed", "Resumed by hand"
    CLIENT_CONTACT = "client_contact", "A contact with the client was logged"
    DATE_REACHED = "date_reached", "The date it was paused until came"
    STEP_MOVED = "step_moved", "The case left the step"


class CheckInRound(models.TextChoices):
    """When a check-in asks the client: as the case closes, or some time later."""

    AT_CLOSE = "at_close", "At closing"
    LATER = "later", "Later"


class BuyAgain(models.TextChoices):
    """A client's answer to "would you buy from us again?"."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class ImportKind(models.TextChoices):
    """What an import file holds (a CRM exports each separately)."""

    CLIENTS = "clients", "Clients"
    CONTACTS = "contacts", "Contacts"


class ImportStatus(models.TextChoices):
    """An import's way: queued, checked row by row (the preview), waiting for
    confirmation, imported; or refused (a problem in the file, or a row in
    error) or failed (the import itself broke; nothing was changed)."""

    QUEUED = "queued", "Waiting to be checked"
    PREVIEWING = "previewing", "Checking the rows"
    PREVIEWED = "previewed", "Waiting for your confirmation"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    REFUSED = "refused", "Cannot be imported"
    FAILED = "failed", "Failed, nothing changed"


class WebhookEvent(models.TextChoices):
    """What a webhook endpoint can be told about (cases.hooks.events)."""

    CASE_LOGGED = "case.logged", "A dropped ball was logged"
    STEP_CHANGED = "case.step_changed", "A case moved on or was sent back a step"
    PROMISE_MISSED = "promise.missed", "A promise to the client was missed"
    CASE_CLOSED = "case.closed", "A case was closed"
    CHECK_IN_ANSWERED = "check_in.answered", "A client answered a check-in"


class DeliveryChannel(models.TextChoices):
    """Where an HTTP delivery goes: a registered endpoint or a team's chat."""

    WEBHOOK = "webhook", "Webhook"
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
