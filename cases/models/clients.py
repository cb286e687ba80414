"""Clients and the people at them."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from cases.choices import Segment
from cases.querysets import ClientQuerySet, ContactQuerySet
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

    notes = models.TextField(blank=True, max_length=5000)
    # The client's id in the CRM it was imported from (Salesforce's Account
    # Id, HubSpot's Record ID): a second import finds it by this first, so a
    # client renamed in the CRM is renamed here rather than added twice.
    external_id = models.CharField(
        "CRM id", max_length=64, blank=True, validators=SINGLE_LINE
    )
    # Who holds the relationship (the CRM's account owner): an account or
    # sales manager of the team. Kept on the client rather than derived from
    # its cases, because a client with no case yet still has an owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_clients",
    )
    # Bumped by every edit on the client page (the client or its contacts),
    # so a second editor working from an older page is told, not overwritten.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="unique_client_per_team"
            ),
            models.UniqueConstraint(
                fields=["team", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_client_external_id_per_team",
            ),
            models.CheckConstraint(
                condition=models.Q(annual_value__gte=0) | models.Q(annual_value=None),
                name="client_annual_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("client_detail", args=[self.pk])


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
    # The person's id in the CRM (Salesforce's Contact Id, HubSpot's Record
    # ID). Kept when the details are erased, so a later import recognises the
    # person and does not bring their details back.
    external_id = models.CharField(
        "CRM id", max_length=64, blank=True, validators=SINGLE_LINE
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # Unique per client in the database (a constraint cannot follow the
        # client to its team); the import also refuses one id at two clients
        # of a team (cases.imports.resources).
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_contact_external_id_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name
