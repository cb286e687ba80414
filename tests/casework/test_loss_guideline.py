"""The guideline's two floors, the verdict on an offer, the loss to the client
and the currency money is shown in (issue 17, item 8)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases.casework.services import compensation as comp
from cases.choices import CompensationKind, Step, TimelineKind
from cases.exceptions import ConcurrentEdit
from cases.guideline import FAR_ABOVE, MEETS, UNDER, Guideline, judge
from cases.models import Case
from tests.factories import ClientFactory, case_in_step, version_of

D = Decimal


def guideline(**overrides) -> Guideline:
    values = {
        "marketing_spend": D("5000"),
        "new_clients_won": 50,
        "average_client_value": D("20000"),
        # Twice the typical client: the first floor is 100 times 2 = 200.
        "client_value": D("40000"),
        "approval_threshold": D("500"),
        "client_loss": D("1000"),
    }
    values.update(overrides)
    return Guideline(**values)


# The arithmetic, worked by hand.


def test_both_floors_worked_by_hand():
    g = guideline()
    # First floor: 5,000 / 50 = 100 to win a client; twice that for this one,
    # 200; far above it past twice that, 400.
    assert g.acquisition_cost == D("100.00")
    assert g.factor == D("2.00")
    assert g.amount == D("200.00")
    assert g.floor_ceiling == D("400.00")
    # Second floor: a loss of 1,000 gives 600 (60%), 1,200 (120%), 1,500 (150%).
    assert (g.loss_low, g.loss_high, g.loss_ceiling) == (
        D("600.00"),
        D("1200.00"),
        D("1500.00"),
    )
    # The bar is the higher floor (600, from the loss), the limit the higher
    # ceiling (1,500, from the loss).
    assert (g.bounds.bar, g.bounds.bar_from) == (D("600.00"), "loss")
    assert (g.bounds.ceiling, g.bounds.ceiling_from) == (D("1500.00"), "loss")


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ("0", UNDER),
        ("599.99", UNDER),
        ("600.00", MEETS),  # 60% of the loss
        ("1200.00", MEETS),  # 120%
        ("1500.00", MEETS),  # 150%: still meets it
        ("1500.01", FAR_ABOVE),
        ("5000", FAR_ABOVE),
    ],
)
def test_the_verdict_against_the_loss_turns_at_60_and_150_percent(value, verdict):
    assert guideline().verdict(D(value)).key == verdict


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ("199.99", UNDER),
        ("200.00", MEETS),
        ("400.00", MEETS),
        ("400.01", FAR_ABOVE),
    ],
)
def test_without_a_loss_the_acquisition_floor_alone_decides(value, verdict):
    g = guideline(client_loss=None)
    assert g.loss_low is None and g.loss_ceiling is None
    assert g.verdict(D(value)).key == verdict


def test_a_small_loss_never_lowers_the_bar_below_what_the_client_is_worth():
    # A loss of 100: 60 to 150. The client is still worth keeping at 200,
    # and far above starts past 400, not past 150.
    g = guideline(client_loss=D("100"))
    assert (g.bounds.bar, g.bounds.bar_from) == (D("200.00"), "acquisition")
    assert (g.bounds.ceiling, g.bounds.ceiling_from) == (D("400.00"), "acquisition")
    assert g.verdict(D("180")).key == UNDER
    assert g.verdict(D("300")).key == MEETS


def test_each_verdict_explains_itself_with_the_currency():
    texts = {
        key: judge(D(value), floor=D("200"), loss=D("1000")).explain("GBP")
        for key, value in ((UNDER, "100"), (MEETS, "900"), (FAR_ABOVE, "2000"))
    }
    assert "GBP 600.00" in texts[UNDER] and "60% of the client's loss" in texts[UNDER]
    assert "GBP 600.00" in texts[MEETS] and "GBP 1,500.00" in texts[MEETS]
    assert "GBP 1,500.00" in texts[FAR_ABOVE] and "150%" in texts[FAR_ABOVE]


# The loss on the case.


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def defaults(settings):
    settings.COMPENSATION_DEFAULTS = {
        "marketing_spend": 5000,
        "new_clients_won": 50,
        "average_client_value": 20000,
        "approval_threshold": 5000,
    }
    settings.MEND_CURRENCY = "EUR"


@pytest.fixture
def case(account_manager, sales_manager, team):
    client = ClientFactory(team=team, annual_value=D("40000"))
    return case_in_step(Step.COMPENSATE, owner=account_manager, client=client)


def post_loss(http, case, loss, version=None):
    return http.post(
        reverse("case_action", args=[case.pk, "client_loss"]),
        {
            "client_loss-version": version if version is not None else version_of(case),
            "client_loss-client_loss": loss,
        },
        follow=True,
    )


def test_a_loss_is_saved_with_a_timeline_entry(client, case, account_manager):
    client.force_login(account_manager)
    before = version_of(case)

    html = post_loss(client, case, "1000").content.decode().replace("\xa0", " ")

    case.refresh_from_db()
    assert case.client_loss == D("1000.00")
    assert case.version == before + 1
    assert "Loss to the client saved: EUR 1,000.00." in html
    entry = case.timeline.filter(kind=TimelineKind.COMPENSATION).latest("at")
    assert entry.changes == [
        {"field": "Loss to the client", "old": "—", "new": "EUR 1,000.00"}
    ]
    # The guideline now shows both floors, with their arithmetic.
    times = "\N{MULTIPLICATION SIGN}"
    assert f"EUR 100.00 {times} 2.00 = <strong>EUR 200.00</strong>" in html
    assert "60% = <strong>EUR 600.00</strong>" in html
    assert "150% = <strong>EUR 1,500.00</strong>" in html
    assert "offer EUR 600.00 to EUR 1,500.00 of value" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "A loss cannot be below zero"),
        ("a lot", "Enter the loss as a number"),
        ("1,250", "Enter the loss as a number"),
    ],
)
def test_a_bad_loss_is_refused_with_a_message_and_kept_as_typed(
    client, case, account_manager, typed, message
):
    client.force_login(account_manager)
    before = version_of(case)

    response = post_loss(client, case, typed)

    html = response.content.decode().replace("\xa0", " ")
    assert response.status_code == 200
    assert message in html
    assert f'value="{typed}"' in html  # nothing typed is lost
    case.refresh_from_db()
    assert case.client_loss is None and case.version == before


def test_a_loss_typed_on_an_older_page_is_refused_and_kept(
    client, case, account_manager
):
    client.force_login(account_manager)
    stale = version_of(case)
    comp.client_loss_record(
        case_id=case.pk, by=account_manager, loss=D("800"), version=stale
    )

    response = post_loss(client, case, "950", version=stale)
    html = response.content.decode().replace("\xa0", " ")

    case.refresh_from_db()
    assert case.client_loss == D("800.00")
    assert 'value="950"' in html
    with pytest.raises(ConcurrentEdit):
        comp.client_loss_record(
            case_id=case.pk, by=account_manager, loss=D("1"), version=stale
        )


def test_a_loss_can_be_cleared(client, case, account_manager):
    comp.client_loss_record(
        case_id=case.pk, by=account_manager, loss=D("800"), version=version_of(case)
    )
    client.force_login(account_manager)

    html = post_loss(client, case, "").content.decode().replace("\xa0", " ")

    case.refresh_from_db()
    assert case.client_loss is None
    assert "Loss to the client cleared" in html
    assert "No loss is recorded yet" in html


def test_the_loss_belongs_to_compensate(account_manager, sales_manager, team):
    options = case_in_step(Step.OPTIONS, owner=account_manager)
    with pytest.raises(Exception, match="belongs to the Compensate step"):
        comp.client_loss_record(
            case_id=options.pk,
            by=account_manager,
            loss=D("10"),
            version=version_of(options),
        )
    assert Case.objects.get(pk=options.pk).client_loss is None


# The verdict on offers: the form's message and each offer's row.


def post_offer(http, case, value):
    return http.post(
        reverse("case_action", args=[case.pk, "compensation"]),
        {
            "compensation-submission_key": f"9a4c2e0b-1f7d-4b8e-a0c3-{value:0>12}",
            "compensation-kind": CompensationKind.TRAINING,
            "compensation-description": f"Training worth {value}",
            "compensation-value_to_client": value,
            "compensation-cost_to_us": "100",
        },
        follow=True,
    )


@pytest.mark.parametrize(
    ("value", "said", "badge"),
    [
        ("500", "under the guideline", "verdict-under"),
        ("600", "it meets the guideline", "verdict-meets"),
        ("1500", "it meets the guideline", "verdict-meets"),
        ("1600", "far above the guideline", "verdict-far_above"),
    ],
)
def test_each_offer_gets_a_verdict_in_its_message_and_its_row(
    client, case, account_manager, value, said, badge
):
    comp.client_loss_record(
        case_id=case.pk, by=account_manager, loss=D("1000"), version=version_of(case)
    )
    client.force_login(account_manager)

    html = post_offer(client, case, value).content.decode().replace("\xa0", " ")

    assert said in html
    assert f'data-testid="{badge}"' in html
    assert f"Worth EUR {D(value):,.2f} to the client, costs us EUR 100.00." in html


# The currency: Mend's setting, or the team's own.


def test_money_shows_the_currency_from_the_setting(
    client, settings, case, account_manager
):
    settings.MEND_CURRENCY = "USD"
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode().replace("\xa0", " ")
    assert "USD 100.00" in html and "EUR" not in html


def test_a_team_counts_in_its_own_currency(client, case, account_manager, team):
    team.currency = "GBP"
    team.save()
    comp.compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind=CompensationKind.TRAINING,
        description="Two seats",
        value_to_client=D("250"),
        cost_to_us=D("40"),
    )
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode().replace("\xa0", " ")
    assert "Worth GBP 250.00 to the client, costs us GBP 40.00." in html
    assert "GBP 200.00" in html  # the guideline
    assert "EUR" not in html
    # Options' costs too.
    assert "Costs us GBP" in html


def test_insights_money_carries_the_currency(client, case, sales_manager, team):
    team.currency = "GBP"
    team.save()
    client.force_login(sales_manager)
    data = client.get(reverse("insights")).context
    assert data["currency"] == "GBP"
    assert data["compensation"]["cur"]["value"] == "GBP 0"
