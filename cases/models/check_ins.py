"""What the client's people answer after a recovery (issue 22, item 3)."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cases.choices import BuyAgain, CheckInRound
from cases.models.records import CaseRecord

# The lowest score that is not a warning sign; below it (or "would not buy
# again") the owner and the sales manager are alerted.
LOW_SCORE = 2


class CheckIn(CaseRecord):
    """One question round to one affected contact of a closed case.

    The link in its email is signed (cases.links, purpose "check-in") with
    this row's id and `nonce`; the row is what makes it answer once. Only the
    client writes the answer, through that link: no form in the app does.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="check_ins"
    )
    contact = models.ForeignKey(
        "cases.Contact", on_delete=models.PROTECT, related_name="check_ins"
    )
    round = models.CharField(max_length=10, choices=CheckInRound.choices)
    # When its email was queued in the outbox.
    sent_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    buy_again = models.CharField(max_length=10, choices=BuyAgain.choices, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "contact", "round"], name="one_check_in_per_round"
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | models.Q(score__gte=1, score__lte=5),
                name="check_in_score_1_to_5",
            ),
            # An answer is whole: a score and a "buy again", or nothing yet.
            models.CheckConstraint(
                condition=(
                    models.Q(answered_at__isnull=True, score__isnull=True, buy_again="")
                )
                | (
                    models.Q(answered_at__isnull=False, score__isnull=False)
                    & ~models.Q(buy_again="")
                ),
                name="check_in_answer_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["answered_at"], name="check_in_answered"),
            models.Index(fields=["team", "sent_at"], name="check_in_team_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_round_display()} check-in for {self.contact}"

    @property
    def expires_at(self) -> dt.datetime:
        """When its link stops working (counted from the email, sent at once)."""
        return self.sent_at + dt.timedelta(days=settings.MEND_CHECK_IN_LINK_DAYS)

    @property
    def is_low(self) -> bool:
        """A warning sign: a score of LOW_SCORE or less, or "would not buy again"."""
        if self.answered_at is None:
            return False
        return self.score <= LOW_SCORE or self.buy_again == BuyAgain.NO
