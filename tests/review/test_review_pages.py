"""The filtered case list, its export, and the dashboard."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.services.compensation import compensation_offer
from cases.choices import PromiseStatus, Step
from cases.export import neutralise
from cases.models import Case, Promise, Team, User
from tests.factories import ClientFactory, case_in_step, make_case
from tests.html import select_options

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(account_manager, teammate, sales_manager, outsider, team):
    acme = ClientFactory(team=team, name="Acme")
    globex = ClientFactory(team=team, name="Globex")
    first = make_case(account_manager, client=acme, commitment="Ship 40 laptops")
    second = make_case(
        teammate, client=globex, commitment="Train the sales desk", severity="low"
    )
    overdue = make_case(account_manager, client=globex, commitment="=HYPERLINK(evil)")
    Case.objects.filter(pk=overdue.pk).update(
        step_due_at=timezone.now() - dt.timedelta(hours=2),
        step_warn_at=timezone.now() - dt.timedelta(hours=4),
    )
    foreign = make_case(outsider, commitment="Another team's secret")
    return {"first": first, "second": second, "overdue": overdue, "foreign": foreign}


def listed(client, **params) -> str:
    return client.get(reverse("case_list"), params).content.decode()


def exported(client, **params) -> list[list[str]]:
    response = client.get(reverse("case_export"), params)
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_list_shows_only_cases_the_user_may_see(client, sales_manager, cases):
    client.force_login(sales_manager)
    html = listed(client)
    assert "Ship 40 laptops" in html and "Train the sales desk" in html
    assert "Another team&#x27;s secret" not in html and "secret" not in html


def test_the_list_marks_a_case_whose_promises_were_missed(
    client, sales_manager, account_manager, cases
):
    for status in (PromiseStatus.MISSED, PromiseStatus.MISSED, PromiseStatus.KEPT):
        Promise.objects.create(
            case=cases["first"],
            description="Call back on Friday",
            due_on=dt.date(2026, 11, 20),
            made_by=account_manager,
            made_in_step="communicate",
            status=status,
        )
    client.force_login(sales_manager)
    html = listed(client)
    # Two missed (the kept one does not count), on that case's row only.
    assert html.count("Second drops: 2") == 1
    assert "Second drop:" not in html
    row = html[html.index("Ship 40 laptops") :]
    assert "Second drops: 2" in row[: row.index("</tr>")]


@pytest.mark.parametrize(
    "params, shown, hidden",
    [
        ({"q": "laptops"}, "Ship 40 laptops", "Train the sales desk"),
        ({"q": "globex"}, "Train the sales desk", "Ship 40 laptops"),
        ({"severity": "low"}, "Train the sales desk", "Ship 40 laptops"),
        ({"status": "overdue"}, "HYPERLINK", "Ship 40 laptops"),
    ],
)
def test_filters_narrow_the_list(client, sales_manager, cases, params, shown, hidden):
    client.force_login(sales_manager)
    html = listed(client, **params)
    assert shown in html and hidden not in html


def test_the_count_reads_as_a_sentence(client, sales_manager, cases):
    client.force_login(sales_manager)
    assert "1 case matches these filters." in listed(client, q="laptops")
    assert "2 cases match these filters." in listed(client, q="globex")
    assert "3 cases." in listed(client)


def test_owner_filter_and_the_url_keeps_the_filters(
    client, sales_manager, teammate, cases
):
    client.force_login(sales_manager)
    html = listed(client, owner=teammate.pk)
    assert "Train the sales desk" in html and "Ship 40 laptops" not in html
    assert f"owner={teammate.pk}" in html  # the export link keeps the filter


def test_an_invalid_filter_value_is_reported_not_a_crash(client, sales_manager, cases):
    client.force_login(sales_manager)
    response = client.get(reverse("case_list"), {"opened_after": "not-a-date"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_the_owner_filter_offers_no_one_from_another_team(client, sales_manager, cases):
    client.force_login(sales_manager)
    assert "charlie" not in listed(client).lower()


@pytest.mark.parametrize("who", ["sales_manager", "account_manager", "administrator"])
def test_the_team_and_owner_lists_offer_exactly_whom_the_user_may_see(
    request, client, cases, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    teams = Team.objects.for_user(user).order_by("name")
    owners = User.objects.filter(memberships__team__in=teams).distinct()
    if who != "administrator":
        assert [t.name for t in teams] == ["Enterprise"]
    html = listed(client)
    assert select_options(html, "team") == [t.name for t in teams]
    assert select_options(html, "owner") == [str(u) for u in owners]
    if who != "administrator":
        assert "charlie" not in html.lower() and "Midmarket" not in html


def test_sorting_by_client(client, sales_manager, cases):
    client.force_login(sales_manager)
    table = listed(client, sort="client").split('data-testid="case-table"')[1]
    assert table.index("Acme") < table.index("Globex")
    table = listed(client, sort="-client").split('data-testid="case-table"')[1]
    assert table.index("Globex") < table.index("Acme")


def test_sorting_by_severity_follows_its_rank_not_the_alphabet(
    client, sales_manager, cases
):
    client.force_login(sales_manager)
    table = listed(client, sort="severity").split('data-testid="case-table"')[1]
    assert table.index("Train the sales desk") < table.index("Ship 40 laptops")
    table = listed(client, sort="-severity").split('data-testid="case-table"')[1]
    assert table.index("Ship 40 laptops") < table.index("Train the sales desk")
    # The export is sorted the same way.
    rows = exported(client, sort="severity")
    assert rows[1][7] == "Train the sales desk"


def test_the_export_holds_exactly_the_filtered_cases(client, sales_manager, cases):
    client.force_login(sales_manager)
    rows = exported(client, q="laptops")
    assert rows[0][0] == "Case"
    assert [row[7] for row in rows[1:]] == ["Ship 40 laptops"]
    everything = exported(client)
    assert len(everything) == 1 + 3  # the header and the team's three cases


def test_the_export_neutralises_formulas(client, sales_manager, cases):
    client.force_login(sales_manager)
    rows = exported(client, status="overdue")
    assert rows[1][7] == "'=HYPERLINK(evil)"


@pytest.mark.parametrize("raw", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\tcmd"])
def test_neutralise_defuses_every_formula_start(raw):
    assert neutralise(raw) == "'" + raw


def test_neutralise_leaves_plain_text_alone():
    assert neutralise("Plain 1+1") == "Plain 1+1"
    assert neutralise(None) == ""


def test_the_dashboard_puts_overdue_cases_first(client, sales_manager, cases):
    client.force_login(sales_manager)
    html = client.get(reverse("home")).content.decode()
    urgent = html.split('data-testid="urgent"')[1].split("</ol>")[0]
    assert "HYPERLINK" in urgent and "Overdue" in urgent
    assert "Another team" not in html


def test_the_dashboard_asks_no_manager_to_approve_their_own_offer(
    client, account_manager, sales_manager, administrator, team
):
    def offered(by, client_name, description):
        case = case_in_step(
            Step.COMPENSATE,
            owner=account_manager,
            client=ClientFactory(team=team, name=client_name),
        )
        compensation_offer(
            case_id=case.pk,
            by=by,
            kind="refund",
            description=description,
            value_to_client=Decimal("4000"),
            cost_to_us=Decimal("4000"),
        )

    offered(sales_manager, "Own Offer Ltd", "The manager's refund")
    offered(account_manager, "Owner Offer Ltd", "The owner's refund")

    client.force_login(sales_manager)
    html = client.get(reverse("home")).content.decode()
    mine = html.split('data-testid="awaiting-approval"')[1].split("</ul>")[0]
    assert "Owner Offer Ltd" in mine and "Own Offer Ltd" not in mine
    others = html.split('data-testid="awaiting-others"')[1].split("</ul>")[0]
    assert "Own Offer Ltd" in others
    assert "offered by you; an administrator decides" in others

    client.force_login(administrator)
    html = client.get(reverse("home")).content.decode()
    mine = html.split('data-testid="awaiting-approval"')[1].split("</ul>")[0]
    assert "Own Offer Ltd" in mine and "Owner Offer Ltd" in mine
