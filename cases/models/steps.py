"""What each step of a case records."""

from django.db import models
from django.utils import timezone

from cases import access
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ApologyMethod,
    Approval,
    BossPermission,
    Channel,
    CompensationKind,
    Feasibility,
    FollowUpStatus,
    OnBehalf,
    PromiseStatus,
    Step,
)
from cases.models.records import CaseRecord
from cases.querysets import CompensationQuerySet
from cases.validators import (
    DAY_RANGE,
    MOMENT_RANGE,
    SINGLE_LINE,
    day_in_range,
    moment_in_range,
)


class RootCauseAnswer(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="root_cause_answers"
    )
    question = models.CharField(
        max_length=30, choices=[(k, v) for k, v in ROOT_CAUSE_QUESTIONS.items()]
    )
    answer = models.CharField(max_length=8, choices=Answer.choices)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "question"], name="one_answer_per_question"
            )
        ]
        indexes = [models.Index(fields=["question", "answer"], name="rca_question")]

    def __str__(self) -> str:
        return f"{self.get_question_display()} {self.get_answer_display()}"


class Option(models.Model):
    """A way to make it right."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="options"
    )
    description = models.CharField(max_length=300, validators=SINGLE_LINE)
    cost_to_us = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    time_to_deliver = models.CharField(
        max_length=80, help_text="e.g. “2 days”", validators=SINGLE_LINE
    )
    feasibility = models.CharField(max_length=8, choices=Feasibility.choices)
    chosen = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, validators=MOMENT_RANGE)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_to_us__gte=0), name="option_cost_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.description


class ClientContact(models.Model):
    """A conversation with the client about the dropped ball."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="client_contacts"
    )
    happened_at = models.DateTimeField("when", validators=MOMENT_RANGE)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    people = models.ManyToManyField(
        "cases.Contact", blank=True, verbose_name="with whom"
    )
    summary = models.TextField()
    reaction = models.TextField("the client's reaction", blank=True)
    # Where it was logged: one before Communicate is the early acknowledgement
    # (DOMAIN.md: acknowledge at once); Communicate still needs its own talk
    # with the options (cases.workflow).
    logged_in_step = models.CharField(
        max_length=12, choices=Step.choices, default=Step.COMMUNICATE
    )
    manager_joined = models.BooleanField("our manager joined", default=False)
    boss_permission = models.CharField(
        "may we involve the client's own boss?",
        max_length=10,
        choices=BossPermission.choices,
        default=BossPermission.NOT_ASKED,
    )
    logged_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["happened_at"]
        constraints = [
            moment_in_range("happened_at", "contact_happened_at_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} on {self.happened_at:%Y-%m-%d}"


class Apology(models.Model):
    """The full apology to one affected person, with the three checks of what
    it said (each a tick and a short note: Insights reads them)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="apologies"
    )
    contact = models.ForeignKey(
        "cases.Contact", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=10, choices=ApologyMethod.choices)
    on_behalf = models.CharField(max_length=10, choices=OnBehalf.choices)
    asked_forgiveness = models.BooleanField(
        "asked “will you forgive me?”", default=False
    )
    response = models.TextField("their response", blank=True)
    apologised_on = models.DateField(default=timezone.localdate, validators=DAY_RANGE)
    # The moment, for the hours from detection (casework.timing); its day in
    # the team's zone is apologised_on. Rows from before it was asked for
    # have the close of that working day: at the latest then.
    apologised_at = models.DateTimeField(default=timezone.now, validators=MOMENT_RANGE)
    named_impact = models.BooleanField("named how they were affected", default=False)
    named_impact_note = models.CharField(
        max_length=200, blank=True, validators=SINGLE_LINE
    )
    owned_our_part = models.BooleanField(
        "owned our part, without excuses", default=False
    )
    owned_our_part_note = models.CharField(
        max_length=200, blank=True, validators=SINGLE_LINE
    )
    fix_presented = models.BooleanField("the fix was presented", default=False)
    fix_presented_note = models.CharField(
        max_length=200, blank=True, validators=SINGLE_LINE
    )

    class Meta:
        ordering = ["apologised_at", "pk"]
        verbose_name_plural = "apologies"
        constraints = [
            day_in_range("apologised_on", "apology_apologised_on_in_range"),
            moment_in_range("apologised_at", "apology_apologised_at_in_range"),
        ]

    def __str__(self) -> str:
        return f"Apology to {self.contact}"


class Compensation(CaseRecord):
    """Something offered to leave the client better off than before."""

    # History: a case with offers cannot be deleted (cases are closed instead).
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="compensations"
    )
    # Four eyes: whoever offered it may not approve it (cases.access).
    offered_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=14, choices=CompensationKind.choices)
    description = models.CharField(max_length=300, validators=SINGLE_LINE)
    value_to_client = models.DecimalField(max_digits=12, decimal_places=2)
    cost_to_us = models.DecimalField(max_digits=12, decimal_places=2)
    guideline = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="The guideline when it was offered."
    )
    approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.NOT_NEEDED
    )
    decided_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    decision_note = models.TextField(blank=True)
    delivered_on = models.DateField(null=True, blank=True, validators=DAY_RANGE)
    # Who marked it delivered and when: the author may undo it for a while.
    delivered_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    created_at = models.DateTimeField(default=timezone.now, validators=MOMENT_RANGE)

    objects = CompensationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["approval"], name="compensation_approval"),
            models.Index(fields=["delivered_on"], name="compensation_delivered"),
            models.Index(
                fields=["team", "delivered_on"], name="compensation_team_delivered"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_to_client__gte=0, cost_to_us__gte=0),
                name="compensation_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_on__isnull=True)
                | models.Q(approval__in=["not_needed", "approved"]),
                name="delivered_compensation_is_approved",
            ),
            day_in_range("delivered_on", "compensation_delivered_on_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"

    @property
    def approver_label(self) -> str:
        """Who may approve it, in words (needs offered_by loaded)."""
        return access.approver_label(self.offered_by)


class FollowUp(CaseRecord):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="follow_ups"
    )
    due_on = models.DateField(validators=DAY_RANGE)
    purpose = models.CharField(max_length=200, validators=SINGLE_LINE)
    status = models.CharField(
        max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.SCHEDULED
    )
    notes = models.TextField(blank=True)
    settled_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    settled_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Done before its day, with the reason the user gave (counted apart).
    settled_early = models.BooleanField(default=False)
    early_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_on"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="followup_due"),
            # Insights count follow-ups by due date, whatever their status.
            models.Index(fields=["due_on"], name="followup_due_on"),
            models.Index(fields=["team", "due_on"], name="followup_team_due_on"),
        ]
        constraints = [day_in_range("due_on", "followup_due_on_in_range")]

    def __str__(self) -> str:
        return f"Follow-up {self.due_on}: {self.purpose}"


class Promise(CaseRecord):
    """A promise made to the client during the recovery: the ledger."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="promises"
    )
    description = models.CharField(
        "what we promised", max_length=300, validators=SINGLE_LINE
    )
    due_on = models.DateField("due", validators=DAY_RANGE)
    made_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )
    made_in_step = models.CharField(max_length=12, choices=Step.choices)
    status = models.CharField(
        max_length=8, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    settled_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    settled_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Kept before its day, with the reason the user gave (counted apart).
    settled_early = models.BooleanField(default=False)
    early_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, validators=MOMENT_RANGE)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="promise_due"),
            models.Index(fields=["due_on"], name="promise_due_on"),
            models.Index(fields=["team", "due_on"], name="promise_team_due_on"),
        ]
        constraints = [day_in_range("due_on", "promise_due_on_in_range")]

    def __str__(self) -> str:
        return f"{self.description} (by {self.due_on})"

    @property
    def is_overdue(self) -> bool:
        return self.status == PromiseStatus.OPEN and self.due_on < timezone.localdate()


class ProgressReport(models.Model):
    """A progress report sent to the client: the reporting clock restarts from
    its day (see cases.notifications.progress)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="progress_reports"
    )
    sent_at = models.DateTimeField(
        "when", default=timezone.now, validators=MOMENT_RANGE
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    summary = models.TextField("what we reported")
    people = models.ManyToManyField(
        "cases.Contact", blank=True, related_name="+", verbose_name="to whom"
    )
    # Someone outside the client's known contacts (a new project lead, "the
    # whole team"): named as typed.
    others = models.CharField(
        "to whom else", max_length=200, blank=True, validators=SINGLE_LINE
    )
    sent_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, validators=MOMENT_RANGE)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [moment_in_range("sent_at", "progress_report_sent_at_in_range")]

    def __str__(self) -> str:
        channel = self.get_channel_display()
        return f"Progress report ({channel}) on {self.sent_at:%Y-%m-%d}"
