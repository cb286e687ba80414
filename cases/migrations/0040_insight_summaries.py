"""Insights from summaries (issue 19, item 1): what the page used to work out
per case at read time is kept on the rows.

- Case.first_contact_at: the earliest client contact.
- team on each dated record of a case (step visits, follow-ups, promises,
  compensation, check-ins), a copy of its case's team, with an index on
  (team, date) beside it, so a report reads one team's period from an index.
- StepPeriod.ran_over: a finished visit that ended after its target.

The backfill is set-based: one UPDATE per table, whatever the number of rows.
"""

import django.db.models.deletion
from django.db import migrations, models

RECORDS = ["CheckIn", "Compensation", "FollowUp", "Promise", "StepPeriod"]


def backfill(apps, schema_editor):
    """One UPDATE ... FROM per table (PostgreSQL, and SQLite from 3.33): a
    join, not a lookup per row, so a million cases take seconds."""
    table = {
        name: schema_editor.quote_name(apps.get_model("cases", name)._meta.db_table)
        for name in ["Case", "ClientContact", *RECORDS]
    }
    case, contact = table["Case"], table["ClientContact"]
    schema_editor.execute(
        f"UPDATE {case} SET first_contact_at = earliest.happened"
        f" FROM (SELECT case_id, MIN(happened_at) AS happened FROM {contact}"
        " GROUP BY case_id) AS earliest"
        f" WHERE earliest.case_id = {case}.id"
    )
    for name in RECORDS:
        schema_editor.execute(
            f"UPDATE {table[name]} SET team_id = parent.team_id"
            f" FROM {case} AS parent WHERE parent.id = {table[name]}.case_id"
        )
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign keys are checked at commit; check them now, or the
        # NOT NULL below meets "pending trigger events" on the same tables.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def not_null(model_name):
    return migrations.AlterField(
        model_name=model_name,
        name="team",
        field=models.ForeignKey(
            db_index=False,
            editable=False,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to="cases.team",
        ),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0036_webhooks'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='first_contact_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='checkin',
            name='team',
            field=models.ForeignKey(editable=False, null=True, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.team'),
        ),
        migrations.AddField(
            model_name='compensation',
            name='team',
            field=models.ForeignKey(editable=False, null=True, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.team'),
        ),
        migrations.AddField(
            model_name='followup',
            name='team',
            field=models.ForeignKey(editable=False, null=True, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.team'),
        ),
        migrations.AddField(
            model_name='promise',
            name='team',
            field=models.ForeignKey(editable=False, null=True, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.team'),
        ),
        migrations.AddField(
            model_name='stepperiod',
            name='team',
            field=models.ForeignKey(editable=False, null=True, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.team'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        *(not_null(name.lower()) for name in RECORDS),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['team', 'opened_at'], name='case_team_opened'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['team', 'closed_at'], name='case_team_closed'),
        ),
        migrations.AddIndex(
            model_name='checkin',
            index=models.Index(fields=['team', 'sent_at'], name='check_in_team_sent'),
        ),
        migrations.AddIndex(
            model_name='compensation',
            index=models.Index(fields=['team', 'delivered_on'], name='compensation_team_delivered'),
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(fields=['team', 'due_on'], name='followup_team_due_on'),
        ),
        migrations.AddIndex(
            model_name='promise',
            index=models.Index(fields=['team', 'due_on'], name='promise_team_due_on'),
        ),
        migrations.AddIndex(
            model_name='stepperiod',
            index=models.Index(fields=['team', 'entered_at'], name='period_team_entered'),
        ),
        migrations.AddField(
            model_name='stepperiod',
            name='ran_over',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(completed_at__gt=models.F('due_at'), then=models.Value(True)), default=models.Value(False)), output_field=models.BooleanField()),
        ),
    ]
