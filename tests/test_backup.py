"""The README's backup restores whole (Deploying: backups).

The demo data is seeded and committed, dumped with `pg_dump -Fc` as the README
says, restored with `pg_restore` into a fresh database, and every case and
timeline entry (ids and content), indeed every row of every table, must be
there, with the sequences where they were, and no migration left to apply.
PostgreSQL only: on SQLite (a plain `make test`) it skips, and CI, which runs on
PostgreSQL, turns any skip into a failure.
"""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from cases.models import Case, TimelineEntry

ROOT = Path(__file__).resolve().parent.parent


def client_args(db: dict) -> list[str]:
    """The connection options the PostgreSQL tools take for Django's database."""
    args = ["-U", db["USER"]] if db["USER"] else []
    if db["HOST"]:
        args += ["-h", db["HOST"]]
    if db["PORT"]:
        args += ["-p", str(db["PORT"])]
    return args


def pg(db: dict, tool: str, *args) -> None:
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    done = subprocess.run(
        [tool, *client_args(db), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"{tool} failed: {done.stderr}"


def rows(cursor, table: str) -> list[str]:
    """Every row of a table, as text, in a stable order."""
    cursor.execute(f'SELECT to_jsonb(t)::text FROM "{table}" t')  # noqa: S608 (a table name from the schema)
    return sorted(row for (row,) in cursor.fetchall())


def tables_and_sequences(cursor) -> dict:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    tables = sorted(name for (name,) in cursor.fetchall())
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
    return {"tables": tables, "sequences": sorted(cursor.fetchall())}


@pytest.mark.django_db(transaction=True)  # committed, so pg_dump sees it
def test_a_dump_of_a_seeded_database_restores_every_case_and_timeline_entry(
    tmp_path,
):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Case.objects.exists() and TimelineEntry.objects.exists()

    db = connection.settings_dict
    fresh = f"{db['NAME']}_restored"
    dump = tmp_path / "mend.dump"
    pg(db, "pg_dump", "--format=custom", "--file", dump, db["NAME"])
    pg(db, "dropdb", "--if-exists", fresh)
    pg(db, "createdb", fresh)
    restored = None
    try:
        pg(db, "pg_restore", "--no-owner", "--exit-on-error", "--dbname", fresh, dump)
        restored = psycopg2.connect(
            dbname=fresh,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            host=db["HOST"] or None,
            port=db["PORT"] or None,
        )
        with connection.cursor() as source, restored.cursor() as copy:
            for model in (Case, TimelineEntry):
                table = model._meta.db_table
                original = rows(source, table)
                assert rows(copy, table) == original, f"{table} differs"
                ids = set(model.objects.values_list("id", flat=True))
                copy.execute(f'SELECT id FROM "{table}"')  # noqa: S608 (a model's table)
                assert {row_id for (row_id,) in copy.fetchall()} == ids

            schema = tables_and_sequences(source)
            assert tables_and_sequences(copy) == schema
            for table in schema["tables"]:
                assert rows(copy, table) == rows(source, table), f"{table} differs"

        assert_no_migration_pending(db, fresh)
    finally:
        if restored is not None:
            restored.close()
        pg(db, "dropdb", "--if-exists", fresh)


def assert_no_migration_pending(db: dict, name: str) -> None:
    """`manage.py migrate --check` against the restored database, as run after a
    restore: it exits non-zero when a migration is unapplied."""
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    address = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{user}{password}@{address}/{name}"
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
