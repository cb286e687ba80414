"""How reports read: under a statement timeout that ends in a message, not a
500, and from the reports database alias (the main one unless set)."""

import csv

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cases.insights import Period, ReportTooSlow, export, insights
from cases.insights.reads import reports_db
from tests.factories import make_case
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db

TOO_LONG = "This report took too long"


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no statement timeout: reports run to the end.")


class Stalled:
    """Make the step-visit query of a report stall (pg_sleep ahead of it in the
    same statement), as a report over a huge period would."""

    def __init__(self, seconds: float = 1.0):
        self.seconds = seconds
        self.stalled = 0

    def __call__(self, execute, sql, params, many, context):
        if "cases_stepperiod" in sql and sql.lstrip().startswith("SELECT"):
            self.stalled += 1
            sql = f"SELECT pg_sleep({self.seconds}); {sql}"
        return execute(sql, params, many, context)


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@override_settings(INSIGHTS_STATEMENT_TIMEOUT_MS=200)
@pytest.mark.parametrize(
    "url",
    [
        reverse("insights"),
        reverse("insights_figures_export") + "?period=365",
        reverse("insights_cases_export") + "?period=365",
    ],
)
def test_a_report_past_its_timeout_says_so_instead_of_failing(
    postgres, client, sales_manager, account_manager, url
):
    make_case(account_manager)
    client.force_login(sales_manager)
    stall = Stalled()

    with connection.execute_wrapper(stall):
        response = client.get(url)

    assert stall.stalled
    assert response.status_code == 503
    page = response.content.decode()
    assert TOO_LONG in page
    assert "Try a shorter period" in page
    # The form is still there to choose again; the figures are not.
    assert 'id="insights-form"' in page and 'data-testid="stats"' not in page
    # The cancelled statement rolled back its own block only: the connection
    # works, and the timeout does not linger on it.
    assert statement_timeout() == "0"
    assert client.get(reverse("insights")).status_code == 200


@override_settings(INSIGHTS_STATEMENT_TIMEOUT_MS=200)
def test_a_cases_export_cut_short_says_where_it_stopped(
    postgres, client, sales_manager, account_manager, monkeypatch
):
    """Chunks after the first are read as the file streams: one that takes
    too long ends the file with a line saying so, not a half-written row."""
    monkeypatch.setattr(export, "CHUNK", 1)
    for _ in range(3):
        make_case(account_manager)
    client.force_login(sales_manager)
    reads = []

    def third_read_stalls(execute, sql, params, many, context):
        if 'FROM "cases_case"' in sql and '"cases_case"."opened_at" >=' in sql:
            reads.append(sql)
            if len(reads) == 3:
                sql = f"SELECT pg_sleep(1); {sql}"
        return execute(sql, params, many, context)

    with connection.execute_wrapper(third_read_stalls):
        response = client.get(reverse("insights_cases_export"))
        lines = list(csv.reader(response.getvalue().decode("utf-8-sig").splitlines()))

    assert response.status_code == 200
    assert len(reads) == 3
    # The header, the two cases read in time, then why the rest is missing.
    assert len(lines) == 4
    assert lines[-1] == [export.STOPPED]
    assert statement_timeout() == "0"


@override_settings(INSIGHTS_STATEMENT_TIMEOUT_MS=200)
def test_the_timeout_holds_the_report_only(postgres, sales_manager):
    seen = []

    def watch(execute, sql, params, many, context):
        if "cases_case" in sql:
            with context["connection"].cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                seen.append(cursor.fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        insights(sales_manager, Period.last(90))
    assert seen and set(seen) == {"200ms"}
    assert statement_timeout() == "0"


@override_settings(INSIGHTS_STATEMENT_TIMEOUT_MS=200)
def test_a_quick_report_is_not_cut_short(postgres, sales_manager, account_manager):
    make_case(account_manager)
    with connection.execute_wrapper(Stalled(seconds=0.05)):
        page = insights(sales_manager, Period.last(90))
    assert page["stats"][0].value == 1


@override_settings(INSIGHTS_STATEMENT_TIMEOUT_MS=200)
def test_a_stalled_report_raises_report_too_slow(postgres, sales_manager):
    with connection.execute_wrapper(Stalled()), pytest.raises(ReportTooSlow):
        insights(sales_manager, Period.last(90))


def test_without_a_reports_database_every_report_query_uses_the_main_one(
    client, sales_manager, account_manager
):
    assert "reports" not in settings.DATABASES
    assert reports_db() == "default"
    make_case(account_manager)
    client.force_login(sales_manager)
    others = [connections[alias] for alias in connections if alias != "default"]
    for url in (
        reverse("insights"),
        reverse("insights_figures_export"),
        reverse("insights_cases_export"),
    ):
        with CaptureQueriesContext(connection) as main:
            response = client.get(url)
            response.getvalue()  # a CSV streams: read it while counting
        assert response.status_code == 200
        assert any("cases_stepperiod" in q["sql"] for q in main.captured_queries)
    assert not any(other.queries_log for other in others)


SHOW_REPORTS = (
    "from django.conf import settings as s; d = s.DATABASES; "
    "print(s.REPORTS_DATABASE, d[s.REPORTS_DATABASE]['HOST'], "
    "d[s.REPORTS_DATABASE]['NAME'], s.INSIGHTS_STATEMENT_TIMEOUT_MS)"
)


def test_a_reports_database_url_adds_the_alias_reports_read_from():
    unset = run_manage("shell", "--no-imports", "-c", SHOW_REPORTS)
    assert unset.stdout.split() == ["default", "db.example.com", "mend", "10000"]
    replica = run_manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW_REPORTS,
        REPORTS_DATABASE_URL="postgres://mend@replica.example.com/mend",
        INSIGHTS_STATEMENT_TIMEOUT_MS="3000",
    )
    assert replica.returncode == 0, replica.stderr
    assert replica.stdout.split() == ["reports", "replica.example.com", "mend", "3000"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"INSIGHTS_STATEMENT_TIMEOUT_MS": "soon"},
        {"INSIGHTS_STATEMENT_TIMEOUT_MS": "5"},
        {"REPORTS_DATABASE_URL": "replica.example.com"},
        {"REPORTS_DATABASE_URL": "sqlite:////tmp/reports.sqlite3"},
    ],
)
def test_a_malformed_report_setting_stops_start_up_with_one_line(overrides):
    result = run_manage("check", **overrides)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Mend cannot start:")
    assert next(iter(overrides)) in line
