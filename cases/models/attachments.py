"""Files on a case: a contract, a receipt, a screenshot, a client's reply's files."""

import uuid

from django.db import models
from django.utils import timezone


def attachment_path(attachment: "Attachment", filename: str) -> str:
    """Where the storage keeps a file: a random name under the case's folder.

    The name a person gave the file is kept apart (Attachment.name) and never
    reaches the storage, so no name can climb out of the folder or overwrite
    another file; `filename` here is already "<random>.<extension>".
    """
    return f"attachments/case-{attachment.case_id}/{filename}"


class Attachment(models.Model):
    """A file attached to a case, and optionally to one of its contacts or
    compensations, or hung on a timeline entry (a client's reply).

    Written only by casework.services.attachments, which checks the size and
    the type on the content; read only through the download view, which
    applies the case's access rules.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="attachments"
    )
    contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.PROTECT,
        related_name="attachments",
        null=True,
        blank=True,
    )
    compensation = models.ForeignKey(
        "cases.Compensation",
        on_delete=models.PROTECT,
        related_name="attachments",
        null=True,
        blank=True,
    )
    # The entry the file came with (a client's reply) or the one recording
    # its upload; the timeline lists each entry's files.
    entry = models.ForeignKey(
        "cases.TimelineEntry",
        on_delete=models.PROTECT,
        related_name="attachments",
        null=True,
        blank=True,
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(
        max_length=150, help_text="The file's own name, made safe to show and save."
    )
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    content_type = models.CharField(
        max_length=100, help_text="Read from the content, not from the name."
    )
    sha256 = models.CharField(max_length=64)
    # None for a file that came with a client's email.
    uploaded_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A random handle for the download address, so the address says nothing
    # of how many files Mend holds; access is still checked on every download.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=True)
                | models.Q(compensation__isnull=True),
                name="attachment_one_subject",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def subject(self) -> str:
        """What the file is attached to, in words."""
        if self.contact_id:
            return f"contact {self.contact}"
        if self.compensation_id:
            return f"compensation “{self.compensation.description}”"
        return "the case"
