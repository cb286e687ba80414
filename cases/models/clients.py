"""Clients and the people at them."""

from django.db import models

from cases.choices import Segment
from cases.querysets import TeamScopedQuerySet
from cases.validators import SINGLE_LINE


class Client(models.Model):
    """A company the team sells to. Belongs to one team."""

    team = models.ForeignKey(
        "cases.Team", on_delete=models.PROTECT, related_name="clients"
    )
    name = models.CharField(max_length=120, validators=SINGLE_LINE)
    segment = models.CharField(max_length=20, choices=Segment.choices, blank=True)
    annual_value = models.DecimalField(
        "annual value", max_digits=12, decimal_places=2, null=True, blank=True
    )

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="unique_client_per_team"
            ),
            models.CheckConstraint(
                condition=models.Q(annual_value__gte=0) | models.Q(annual_value=None),
                name="client_annual_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at the client."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=120, validators=SINGLE_LINE)
    role = models.CharField(max_length=120, blank=True, validators=SINGLE_LINE)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True, validators=SINGLE_LINE)
    # Personal details erased on request (see casework.services.contacts);
    # the row stays so the history keeps its shape.
    erased = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name
