"""The recovery case: one dropped ball, from logging to closing."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cases.choices import (
    ClientFit,
    FailureSource,
    OurPart,
    Outcome,
    PauseEnd,
    PauseReason,
    Severity,
    Step,
)
from cases.models.records import CaseRecord
from cases.querysets import CaseQuerySet
from cases.validators import (
    DAY_RANGE,
    MOMENT_RANGE,
    SINGLE_LINE,
    day_in_range,
    moment_in_range,
)


class Case(models.Model):
    """A recovery case. `step` changes only through casework.services.cases."""

    team = models.ForeignKey(
        "cases.Team", on_delete=models.PROTECT, related_name="cases"
    )
    owner = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="owned_cases"
    )
    client = models.ForeignKey(
        "cases.Client", on_delete=models.PROTECT, related_name="cases"
    )
    contacts = models.ManyToManyField(
        "cases.Contact",
        related_name="cases",
        blank=True,
        verbose_name="affected people",
    )

    # Acknowledge: the dropped ball.
    commitment = models.CharField(
        "what was promised", max_length=300, validators=SINGLE_LINE
    )
    promised_on = models.DateField(
        "promised date", null=True, blank=True, validators=DAY_RANGE
    )
    what_happened = models.TextField("what happened")
    detected_at = models.DateTimeField(
        "when we found out", default=timezone.now, validators=MOMENT_RANGE
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    failure_source = models.CharField(
        "source of the failure",
        max_length=12,
        choices=FailureSource.choices,
        blank=True,
    )

    # Root cause: both views of the real problem, and how the client feels.
    client_view = models.TextField("the client's view of the real problem", blank=True)
    our_view = models.TextField("our view of the real problem", blank=True)
    client_feeling = models.TextField("how the client feels about it", blank=True)

    # Follow up: how often the owner reports progress to the client.
    progress_cadence_days = models.PositiveSmallIntegerField(
        "progress report every (days)", default=7
    )

    # Compensate: a recorded decision that none is due.
    no_compensation_reason = models.TextField(blank=True)
    # Compensate: what the failure cost the client, in the team's currency;
    # the guideline's second floor (cases.guideline). Empty: not known.
    client_loss = models.DecimalField(
        "loss to the client",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    # Business hours of the team calendar from detection to the first
    # acknowledgement and to the first full apology heard by an affected
    # person (casework.timing); kept by the services that record them, so
    # Insights can count without reading every record. Empty: not yet.
    acknowledged_hours = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True
    )
    apology_hours = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True
    )

    # The workflow.
    step = models.CharField(
        max_length=12, choices=Step.choices, default=Step.ACKNOWLEDGE
    )
    step_entered_at = models.DateTimeField(
        default=timezone.now, validators=MOMENT_RANGE
    )
    # When the current step is due soon and overdue, in business hours of the
    # team's calendar; stored so lists can filter and sort on them by index.
    step_warn_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    step_due_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    # When a case still in the step goes up the ladder a second time (the
    # team's second_escalation_hours after step_due_at); None: no second one.
    step_late_at = models.DateTimeField(
        null=True, blank=True, db_index=True, validators=MOMENT_RANGE
    )
    # Set while the current step's clock stands still (a StepPause without an
    # end): a deadline the clock had not reached is then empty, not due.
    step_paused_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, validators=MOMENT_RANGE)
    closed_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    # The earliest client contact logged (kept by client_contact_log in the
    # same transaction), so insights read it from the row, not per case.
    first_contact_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Closing.
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    lessons = models.TextField("lessons learned", blank=True)
    client_fit = models.CharField(
        "client-fit verdict", max_length=12, choices=ClientFit.choices, blank=True
    )
    # Why "recovered" (casework.services.repeat_business): the client's new
    # order, its date and its value in the team's currency (like the client's
    # loss), or an answered check-in of this case saying they would buy again.
    # Cases closed before Mend asked for it may have neither.
    repeat_order_on = models.DateField(
        "date of the new order", null=True, blank=True, validators=DAY_RANGE
    )
    repeat_order_value = models.DecimalField(
        "value of the new order",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    repeat_check_in = models.ForeignKey(
        "cases.CheckIn",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="check-in answer",
    )

    # The case list's search: client name, commitment and what happened,
    # folded (models.search). Kept by the services that change them; on
    # PostgreSQL a trigram index (migration 0041; SQLite cannot build one)
    # serves substring search on it.
    search_text = models.TextField(default="", editable=False)

    # A second failure for the client (casework.services.second_failure):
    # True while Mend's rule flags it and no manager has overridden the flag.
    second_failure = models.BooleanField(default=False)
    # The earlier case that made it one (the most telling, if several), and
    # each earlier case with its reasons: [{"case": 12, "reasons": ["open"]}].
    earlier_case = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    second_failure_found = models.JSONField(default=list, blank=True)
    # What Mend did about it, each undone by a manager's override (listed in
    # second_failure_overridden): the severity before Mend raised it ("" if
    # not raised), the factor on this case's step targets, the guidance.
    severity_raised_from = models.CharField(
        max_length=10, choices=Severity.choices, blank=True
    )
    target_factor = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(1)],
    )
    damage_guidance = models.BooleanField(default=False)
    second_failure_overridden = models.JSONField(default=list, blank=True)

    # Optimistic locking: every write bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["team", "step", "-opened_at"], name="case_team_step"),
            models.Index(fields=["owner", "step"], name="case_owner_step"),
            models.Index(fields=["client", "-opened_at"], name="case_client_opened"),
            models.Index(fields=["severity"], name="case_severity"),
            models.Index(fields=["step", "step_entered_at"], name="case_step_entered"),
            models.Index(fields=["-opened_at"], name="case_opened"),
            models.Index(fields=["team", "step_due_at"], name="case_team_due"),
            models.Index(fields=["closed_at"], name="case_closed"),
            # Insights: a team's cases logged or closed in a period.
            models.Index(fields=["team", "opened_at"], name="case_team_opened"),
            models.Index(fields=["team", "closed_at"], name="case_team_closed"),
            # My cases, closed tab: one owner's closed cases, latest first.
            models.Index(
                fields=["owner", "-closed_at"],
                name="case_owner_closed",
                condition=models.Q(step="closed"),
            ),
            # Insights and lists filter on it.
            models.Index(
                fields=["team", "-opened_at"],
                name="case_team_second_failure",
                condition=models.Q(second_failure=True),
            ),
            models.Index(
                fields=["team", "step_paused_at"],
                name="case_team_paused",
                condition=models.Q(step_paused_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(step="closed")
                | (
                    models.Q(closed_at__isnull=False)
                    & ~models.Q(outcome="")
                    & ~models.Q(client_fit="")
                ),
                name="closed_case_has_outcome",
            ),
            day_in_range("promised_on", "case_promised_on_in_range"),
            moment_in_range("detected_at", "case_detected_at_in_range"),
            moment_in_range("opened_at", "case_opened_at_in_range"),
            models.CheckConstraint(
                condition=models.Q(client_loss__gte=0) | models.Q(client_loss=None),
                name="case_client_loss_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(target_factor__gte=Decimal("0.1"))
                & models.Q(target_factor__lte=1),
                name="case_target_factor_in_range",
            ),
            # A new order is a date and a value, both or neither.
            models.CheckConstraint(
                condition=models.Q(
                    repeat_order_on__isnull=True, repeat_order_value__isnull=True
                )
                | models.Q(
                    repeat_order_on__isnull=False,
                    repeat_order_value__isnull=False,
                    repeat_order_value__gt=0,
                ),
                name="case_repeat_order_whole",
            ),
            day_in_range("repeat_order_on", "case_repeat_order_on_in_range"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.client}: {self.commitment}"

    def get_absolute_url(self) -> str:
        return reverse("case_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.step == Step.CLOSED

    @property
    def step_label(self) -> str:
        return Step(self.step).label


class StepTarget(models.Model):
    """A team's target for one step, in business hours; warn before it runs out."""

    team = models.ForeignKey(
        "cases.Team", on_delete=models.CASCADE, related_name="step_targets"
    )
    step = models.CharField(max_length=12, choices=Step.choices[:-1])
    target_hours = models.DecimalField(max_digits=7, decimal_places=2)
    warning_hours = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        help_text="How long before the target the case counts as due soon.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "step"], name="one_target_per_step"
            ),
            models.CheckConstraint(
                condition=models.Q(target_hours__gt=0, warning_hours__gte=0),
                name="target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.get_step_display()} in {self.target_hours} h"


class CasePart(models.Model):
    """One ticked box of "our part in it" (several may apply)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parts")
    part = models.CharField(max_length=20, choices=OurPart.choices)
    # Whether the case is open, kept by casework.services.cases._enter: the
    # dashboard's "our part" chart reads the open cases' parts through the
    # partial index below, not every part ever ticked. It still joins the
    # open cases, so a stale flag costs time, never a wrong figure.
    of_open_case = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "part"], name="unique_case_part")
        ]
        indexes = [
            models.Index(fields=["part"], name="casepart_part"),
            models.Index(
                fields=["case", "part"],
                name="casepart_open",
                condition=models.Q(of_open_case=True),
            ),
        ]

    def __str__(self) -> str:
        return self.get_part_display()


class StepPeriod(CaseRecord):
    """When a case entered a step and when it completed it (one row per visit)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="periods")
    step = models.CharField(max_length=12, choices=Step.choices)
    entered_at = models.DateTimeField(validators=MOMENT_RANGE)
    completed_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    # The step's target when the case entered it, so insights can tell which
    # visits ran over (the case keeps only its current step's deadline).
    due_at = models.DateTimeField(null=True, blank=True, validators=MOMENT_RANGE)
    # Once the visit ends: its length in business hours of the team calendar,
    # and how many of them the clock stood paused (Insights shows both, so a
    # pause cannot hide a slow step).
    business_hours = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True
    )
    paused_hours = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # A finished visit that ended after its target; the database computes it
    # whoever writes the times. (A visit still running is over once `due_at`
    # passes: that depends on the clock, so reports ask it at read time.)
    ran_over = models.GeneratedField(
        expression=models.Case(
            models.When(completed_at__gt=models.F("due_at"), then=models.Value(True)),
            default=models.Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["entered_at"]
        indexes = [
            models.Index(fields=["case", "step"], name="period_case_step"),
            models.Index(fields=["entered_at"], name="period_entered"),
            models.Index(fields=["team", "entered_at"], name="period_team_entered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} from {self.entered_at:%Y-%m-%d}"


class StepPause(models.Model):
    """A time the clock of one step visit stood still, waiting on the client.

    Opened and ended only through casework.services.pauses. While `ended_at`
    is empty the case's step_paused_at is set and its deadlines wait.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    period = models.ForeignKey(
        StepPeriod, on_delete=models.CASCADE, related_name="pauses"
    )
    reason = models.CharField(max_length=20, choices=PauseReason.choices)
    note = models.CharField(max_length=300, blank=True, validators=SINGLE_LINE)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )
    # The day the owner expects to pick it up again; the clock restarts at the
    # team's opening that day (`resume_at`) and the owner is told.
    until = models.DateField(null=True, blank=True, validators=DAY_RANGE)
    resume_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Empty when Mend ended it (the date came).
    ended_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=PauseEnd.choices, blank=True)
    # Business hours of the team calendar the pause covered, once ended.
    paused_hours = models.DecimalField(max_digits=9, decimal_places=2, default=0)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [
            models.Index(
                fields=["resume_at"],
                name="pause_resume_due",
                condition=models.Q(ended_at__isnull=True, resume_at__isnull=False),
            ),
        ]
        constraints = [
            # One running pause per case: a double click pauses once.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_at__isnull=True),
                name="one_running_pause_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="pause_ends_after_it_starts",
            ),
            day_in_range("until", "pause_until_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} from {self.started_at:%Y-%m-%d}"

    @property
    def interval(self) -> tuple:
        return (self.started_at, self.ended_at)
