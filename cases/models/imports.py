"""Imports of clients and contacts from a CRM's export file."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from cases.choices import ImportKind, ImportStatus


class ImportRun(models.Model):
    """One file uploaded to import clients or contacts into a team, from its
    preview to its import. Kept as the record of who imported what, when.

    The file itself is kept in the row (not on a disk of one web machine)
    until the run ends, so any worker can read it; then it is dropped.
    """

    team = models.ForeignKey(
        "cases.Team", on_delete=models.PROTECT, related_name="import_runs"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(blank=True, editable=False)
    # The file's problem as a whole (not a spreadsheet, a missing column,
    # the same CRM id twice...): nothing can be previewed or imported.
    problem = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    update_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # One entry per row of the latest preview or import:
    # {"line": 2, "result": "new", "name": "Acme", "reason": "..."}.
    rows = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("import_detail", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.status in {
            ImportStatus.QUEUED,
            ImportStatus.PREVIEWING,
            ImportStatus.IMPORTING,
        }
