"""People and teams: who works in Mend and which cases they may see."""

import datetime
from decimal import Decimal

import holidays
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models

from cases import access
from cases.choices import CHAT_KINDS, Role
from cases.querysets import TeamQuerySet
from cases.validators import SINGLE_LINE, validate_day, validate_outbound_url

# A second escalation set further out than about a year of working days (at
# 8 h a day) would never come: refused as a typo.
SECOND_ESCALATION_MAX_HOURS = 2000

CURRENCY_CODE = RegexValidator(
    r"^[A-Z]{3}$", "Use a three-letter currency code in capitals, e.g. EUR or GBP."
)


def default_chat_kinds() -> list[str]:
    """A new team's channels hear of everything that can go there."""
    return [str(kind) for kind in CHAT_KINDS]


WEEKDAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
]


class Team(models.Model):
    """A sales team. Cases belong to a team; its sales managers oversee them."""

    name = models.CharField(max_length=80, unique=True, validators=SINGLE_LINE)

    # The compensation guideline. Empty fields fall back to the global defaults
    # (settings.COMPENSATION_DEFAULTS).
    marketing_spend = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Marketing spend over a period, to price a new client.",
    )
    new_clients_won = models.PositiveIntegerField(
        null=True, blank=True, help_text="New clients won over the same period."
    )
    average_client_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Annual value of a typical client; more valuable ones deserve more.",
    )
    # The working calendar step targets are counted in.
    time_zone = models.CharField(
        max_length=60, default="Europe/London", help_text="e.g. Europe/Berlin"
    )
    work_days = models.CharField(
        max_length=20,
        default="0,1,2,3,4",
        help_text="Working weekdays, 0 = Monday … 6 = Sunday, comma-separated.",
    )
    work_start = models.TimeField(default=datetime.time(9, 0))
    work_end = models.TimeField(default=datetime.time(17, 30))
    # Public holidays, from the holidays package (ISO 3166 codes); blank: none.
    holiday_country = models.CharField(
        max_length=3, blank=True, help_text="Country code for public holidays, e.g. DE."
    )
    holiday_subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text="Region code where holidays differ by region, e.g. BE (Berlin).",
    )
    # The escalation ladder's second rung: this many business hours after a
    # step's target, a case still in that step goes to the administrators (or
    # the person named). Empty: no second escalation.
    second_escalation_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("8"),
        validators=[MaxValueValidator(SECOND_ESCALATION_MAX_HOURS)],
        help_text="Business hours after a step's target before a case still in "
        "that step goes higher (the default, 8, is about a working day). Leave "
        "empty for no second escalation.",
    )
    second_escalation_to = models.ForeignKey(
        "cases.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who gets the second escalation: an administrator or one of "
        "the team's sales managers. Empty: the administrators.",
    )
    approval_threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="A compensation costing us more than this needs a sales manager.",
    )
    # A second failure (casework.services.second_failure): an earlier case
    # closed this many days ago or less still counts, and the case's step
    # targets are multiplied by the factor.
    second_failure_days = models.PositiveSmallIntegerField(
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="An earlier case closed within this many days makes a new "
        "dropped ball for the same client a second failure (default 180).",
    )
    second_failure_factor = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(1)],
        help_text="A second failure's step targets are this share of the usual "
        "ones: 0.5 halves them, 1 leaves them (between 0.1 and 1).",
    )
    # The currency the team's money is counted in; empty: MEND_CURRENCY.
    currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[CURRENCY_CODE],
        help_text="Three-letter currency code, e.g. GBP. Leave empty for Mend's "
        "default currency.",
    )

    # Chat: the team's channel hears of CHAT_KINDS as well as the emails.
    # The addresses are secrets (whoever has one can post to the channel):
    # never shown back in full (cases.hooks.chat.masked).
    slack_webhook_url = models.URLField(
        "Slack webhook URL",
        max_length=500,
        blank=True,
        validators=[validate_outbound_url],
        help_text="A Slack incoming webhook (https://hooks.slack.com/services/…).",
    )
    teams_webhook_url = models.URLField(
        "Teams webhook URL",
        max_length=500,
        blank=True,
        validators=[validate_outbound_url],
        help_text="A Microsoft Teams workflow's “When a Teams webhook request is "
        "received” address.",
    )
    chat_kinds = models.JSONField(
        "posted to chat",
        default=default_chat_kinds,
        blank=True,
        help_text="Which notifications the channels get.",
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_clients_won__gt=0)
                | models.Q(new_clients_won=None),
                name="team_new_clients_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(second_escalation_hours__gt=0)
                | models.Q(second_escalation_hours=None),
                name="team_second_escalation_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(second_failure_days__gte=1)
                & models.Q(second_failure_days__lte=3650)
                & models.Q(second_failure_factor__gte=Decimal("0.1"))
                & models.Q(second_failure_factor__lte=1),
                name="team_second_failure_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        problem = holiday_region_problem(self.holiday_country, self.holiday_subdivision)
        problem.update(second_escalation_problem(self))
        if problem:
            raise ValidationError(problem)


def second_escalation_people(team) -> models.QuerySet:
    """Who may take a team's second escalations: active administrators and,
    once the team exists, its active sales managers (access decides)."""
    return (
        User.objects.filter(access.second_escalation_q(team), is_active=True)
        .distinct()
        .order_by("username")
    )


def second_escalation_problem(team) -> dict[str, str]:
    """What is wrong with a team's second escalation setting; {} when fine."""
    problems = {}
    hours = team.second_escalation_hours
    if hours is not None and hours <= 0:
        problems["second_escalation_hours"] = (
            "Enter more than 0 hours, or leave it empty for no second escalation "
            "(at 0 it would go out together with the first)."
        )
    person_id = team.second_escalation_to_id
    people = second_escalation_people(team)
    if person_id is not None and not people.filter(pk=person_id).exists():
        problems["second_escalation_to"] = (
            "Choose an active administrator or one of this team's sales "
            "managers: anyone else could not open the case. Leave it empty "
            "for the administrators."
        )
    return problems


def holiday_regions() -> dict[str, list[str]]:
    """Country code -> its region codes, as the holidays package knows them."""
    return holidays.list_supported_countries()


def holiday_region_problem(country: str, subdivision: str) -> dict[str, str]:
    """What is wrong with a country/subdivision pair, by field; {} when fine."""
    supported = holiday_regions()
    if not country:
        if subdivision:
            return {"holiday_subdivision": "Choose the country first."}
        return {}
    if country not in supported:
        return {
            "holiday_country": f"We know no public holidays for “{country}”. "
            "Use a two-letter country code such as DE, FR or GB."
        }
    regions = supported[country]
    if subdivision and subdivision not in regions:
        return {
            "holiday_subdivision": f"“{subdivision}” is not a region of {country}. "
            f"Known regions: {', '.join(regions)}."
        }
    return {}


class ClosureDay(models.Model):
    """A day the whole team is closed (a company holiday): no clock runs."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="closure_days"
    )
    date = models.DateField(validators=[validate_day])
    name = models.CharField(max_length=80, validators=SINGLE_LINE)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "date"],
                name="closure_day_once_per_team",
                violation_error_message="The team is already closed on that day; "
                "pick another date or remove that closure first.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.name}"


class User(AbstractUser):
    """A Mend user. The role decides what they see; teams decide whose cases.

    An account manager belongs to one team; a sales manager manages one or
    more; an administrator sees every team.
    """

    # AbstractUser's names, refusing line breaks: they go into email headers.
    first_name = models.CharField(
        "first name", max_length=150, blank=True, validators=SINGLE_LINE
    )
    last_name = models.CharField(
        "last name", max_length=150, blank=True, validators=SINGLE_LINE
    )
    role = models.CharField(
        max_length=20, choices=Role.choices, default=Role.ACCOUNT_MANAGER
    )
    teams = models.ManyToManyField(
        Team, through="Membership", related_name="members", blank=True
    )

    # Notification preferences.
    time_zone = models.CharField(
        max_length=60,
        blank=True,
        help_text="Where reminders should arrive at a sensible hour; empty: the "
        "team's time zone.",
    )
    digest_day = models.PositiveSmallIntegerField(
        default=0,
        choices=list(enumerate(WEEKDAYS)),
        help_text="The day the weekly digest arrives (sales managers).",
    )
    reminder_lead_days = models.PositiveSmallIntegerField(
        default=1, help_text="How many days before a due date to remind, as well."
    )
    muted_kinds = models.JSONField(
        default=list, blank=True, help_text="Notification kinds this user turned off."
    )
    # When reminders may reach this person (cases.notifications.hours);
    # blank: their team's working days and hours.
    work_days = models.CharField(
        max_length=20,
        blank=True,
        help_text="Working weekdays, 0 = Monday … 6 = Sunday, comma-separated; "
        "empty: the team's.",
    )
    work_start = models.TimeField(null=True, blank=True)
    work_end = models.TimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.display_name(self.first_name, self.last_name, self.username)

    @staticmethod
    def display_name(first_name: str, last_name: str, username: str) -> str:
        """The full name, or the username for someone without one."""
        return f"{first_name} {last_name}".strip() or username

    # For templates; the answers come from the role rules (cases.access).
    @property
    def is_account_manager(self) -> bool:
        return access.is_account_manager(self)

    @property
    def is_sales_manager(self) -> bool:
        return access.is_sales_manager(self)

    @property
    def is_administrator(self) -> bool:
        return access.is_administrator(self)


class Membership(models.Model):
    """A user's place in a team."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
