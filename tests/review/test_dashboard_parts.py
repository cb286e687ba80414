"""The dashboard's "our part in it" chart reads the open cases' parts only."""

import pytest
from django.db import connection

from cases.casework.services import cases as services
from cases.choices import OurPart, Step
from cases.models import Case, CasePart
from cases.review.dashboard import dashboard, parts_of
from tests.factories import make_case, walk_to

pytestmark = pytest.mark.django_db


def chart(user) -> dict:
    return {row["label"]: row["value"] for row in dashboard(user)["by_part"]["rows"]}


def test_closing_and_reopening_a_case_marks_its_parts(account_manager, sales_manager):
    case = walk_to(make_case(account_manager), Step.CLOSED, account_manager)
    assert CasePart.objects.filter(case=case).exists()
    assert not CasePart.objects.filter(case=case, of_open_case=True).exists()
    services.case_send_back(
        case_id=case.pk,
        by=sales_manager,
        version=Case.objects.get(pk=case.pk).version,
        reason="The client called again.",
    )
    assert not CasePart.objects.filter(case=case, of_open_case=False).exists()


def test_a_stale_flag_never_changes_the_figures(account_manager, sales_manager):
    make_case(account_manager, parts=[OurPart.NO_BUFFER, OurPart.EAGER_YES])
    closed = walk_to(make_case(account_manager), Step.CLOSED, account_manager)
    figures = chart(sales_manager)
    assert figures == {OurPart.NO_BUFFER.label: 1, OurPart.EAGER_YES.label: 1}
    # A closed case's parts wrongly marked open (a row written by hand) cost
    # time, not a wrong figure: the chart still joins the open cases.
    CasePart.objects.filter(case=closed).update(of_open_case=True)
    assert chart(sales_manager) == figures


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partial-index plans are PostgreSQL's"
)
def test_the_chart_reads_the_open_parts_index(account_manager, sales_manager):
    make_case(account_manager)
    open_cases = Case.objects.for_user(sales_manager, "view").open()
    with connection.cursor() as cursor:
        # A handful of rows: forbid reading the whole table to see the index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = parts_of(open_cases).explain()
    assert "casepart_open" in plan, plan
