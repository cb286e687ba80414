"""What a case's dated records share: the team of their case, kept on the row."""

from django.db import models

from cases.querysets import CaseRecordQuerySet


class CaseRecord(models.Model):
    """A record of one case that reports count by a date of its own.

    `team` is a copy of the case's team, so a report picks a team's rows in
    a period from one index on (team, date) instead of a list of every case
    it may see. It is filled from the case on save and on bulk_create
    (CaseRecordQuerySet); raw SQL must set it. Only an administrator moves a
    case to another team, and case_admin_edit moves its records with it.
    """

    # No index of its own: each model's (team, date) index leads with it.
    team = models.ForeignKey(
        "cases.Team",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.team_id is None:
            self.team_id = self.case.team_id
        super().save(*args, **kwargs)
