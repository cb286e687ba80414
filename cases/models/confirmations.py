"""The written confirmation: the email that confirms a call to the client's
people, sent from Mend, with the promises it makes (issue 22, item 1)."""

from django.db import models
from django.utils import timezone

from cases.choices import Step
from cases.validators import MOMENT_RANGE, SINGLE_LINE


class Confirmation(models.Model):
    """One written confirmation, as the owner wrote it and as it went out.

    Each contact gets an email of their own (`messages`, outbox rows whose
    Message-ID a reply can be matched by); each promise marked in it is a row
    of the promise ledger. Never deleted: it is what the client holds us to.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="confirmations"
    )
    sent_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )
    # The step it was written in: the promises in it are made there too.
    step = models.CharField(max_length=12, choices=Step.choices)
    subject = models.CharField(max_length=200, validators=SINGLE_LINE)
    body = models.TextField()
    contacts = models.ManyToManyField(
        "cases.Contact", related_name="+", verbose_name="sent to"
    )
    promises = models.ManyToManyField(
        "cases.Promise", blank=True, related_name="confirmations"
    )
    messages = models.ManyToManyField(
        "cases.OutboxMessage", blank=True, related_name="confirmations"
    )
    created_at = models.DateTimeField(default=timezone.now, validators=MOMENT_RANGE)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Confirmation “{self.subject}” on {self.created_at:%Y-%m-%d}"
