"""Indexes for the review pages on a large database, found with `make bench`.

PostgreSQL only (the dev database is SQLite and small), and kept out of the
model state, so `makemigrations` stays quiet. Each serves a query that read
far more rows than it shows:

- case_open_team_step: the dashboard's figures all read the open cases, a few
  per cent of the table; a partial index finds them without a full scan, and
  the columns it holds let the counts by step, severity and clock, the
  ranking of second drops and "our part in it" be read from the index alone
  where autovacuum has marked the pages all-visible.
- case_urgency: the case list's default order ("most urgent first": step due,
  newest, id) and the dashboard's urgent cases read it in order and stop at
  the page's last row instead of sorting every case.
- case_closed_at: the dashboard's cases-closed-per-week chart.
- promise_missed_case: the dashboard's "second drops" (open cases with a missed
  promise), without reading every missed promise of every closed case.
"""

from django.db import migrations

INDEXES = {
    "case_open_team_step": (
        "CREATE INDEX IF NOT EXISTS case_open_team_step ON cases_case (team_id, step) "
        "INCLUDE (id, severity, step_warn_at, step_due_at, opened_at) "
        "WHERE step <> 'closed'"
    ),
    "case_urgency": (
        "CREATE INDEX IF NOT EXISTS case_urgency ON cases_case "
        "(step_due_at, opened_at DESC, id DESC)"
    ),
    "case_closed_at": (
        "CREATE INDEX IF NOT EXISTS case_closed_at ON cases_case (closed_at) "
        "WHERE closed_at IS NOT NULL"
    ),
    "promise_missed_case": (
        "CREATE INDEX IF NOT EXISTS promise_missed_case ON cases_promise (case_id) "
        "WHERE status = 'missed'"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES.values():
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_notifications"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
