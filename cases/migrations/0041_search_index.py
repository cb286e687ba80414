"""The case list's search column, filled in one UPDATE, and its trigram index;
the open cases' parts, marked for the dashboard's "our part" chart.

On PostgreSQL: the pg_trgm and unaccent extensions (both "trusted", so the
database's owner may enable them), and a GIN trigram index on search_text
that answers LIKE '%word%'. The index is made here in SQL rather than in
Case.Meta because SQLite cannot build a GIN index, and would then fail on
every later migration that rebuilds the case table. SQLite gets the column
only: it reads it in full.

Frozen here on purpose: the same SQL as cases.models.search at the time.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

INDEX = "case_search_trgm"
# unaccent() is only STABLE (its rules file could change), so a search word
# passed through it is no constant when the query is planned, and the planner
# cannot read the word's trigrams to cost the index. Named with its
# dictionary, the function is immutable in fact: the usual wrapper says so.
FOLD = (
    "CREATE OR REPLACE FUNCTION mend_search_fold(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$"
)


def fill(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(FOLD)
        # The index before the rows are filled, not after: built after an
        # UPDATE in the same transaction it would meet the rows' old versions
        # (HOT chains) and stay unused until every older transaction ended.
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON cases_case USING gin (search_text gin_trgm_ops)"
        )
    newline = "CHR(10)" if postgres else "CHAR(10)"
    text = (
        "COALESCE((SELECT name FROM cases_client c WHERE c.id = cases_case.client_id), '')"
        f" || {newline} || commitment || {newline} || what_happened"
    )
    fold = f"mend_search_fold({text})" if postgres else f"LOWER({text})"
    schema_editor.execute(f"UPDATE cases_case SET search_text = {fold}")


def mark_closed_parts(apps, schema_editor):
    schema_editor.execute(
        "UPDATE cases_casepart SET of_open_case = FALSE WHERE case_id IN "
        "(SELECT id FROM cases_case WHERE step = 'closed')"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute("DROP FUNCTION IF EXISTS mend_search_fold(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0040_insight_summaries"),
    ]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.AddField(
            model_name="case",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, drop, elidable=False),
        migrations.AddField(
            model_name="casepart",
            name="of_open_case",
            field=models.BooleanField(default=True),
        ),
        # The index first, for the same reason as the trigram index's.
        migrations.AddIndex(
            model_name="casepart",
            index=models.Index(
                condition=models.Q(("of_open_case", True)),
                fields=["case", "part"],
                name="casepart_open",
            ),
        ),
        migrations.RunPython(
            mark_closed_parts, migrations.RunPython.noop, elidable=False
        ),
    ]
