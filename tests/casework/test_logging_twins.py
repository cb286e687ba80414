"""Logging a dropped ball makes no twins: a client typed again (case and
spacing aside) is the existing one, a person typed again is the existing
contact, and the same dropped ball logged twice within a day is caught."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from cases import workflow
from cases.casework.services import steps
from cases.casework.services.cases import case_open
from cases.choices import NotificationKind, OutboxStatus, Severity, Step
from cases.models import Case, Client, Contact, OutboxMessage
from cases.querysets import normal_name
from tests.factories import ClientFactory, ContactFactory, case_in_step, make_case
from tests.posts import new_case

pytestmark = pytest.mark.django_db


def test_names_match_whatever_their_case_and_spacing():
    assert normal_name("  ACME\tmills  ") == normal_name("Acme Mills")
    assert normal_name("Straße") == normal_name("STRASSE")
    assert normal_name("Acme Mills") != normal_name("Acme Mill")


def test_a_client_is_found_by_its_normalised_name_in_its_own_team_only(
    team, other_team
):
    acme = ClientFactory(team=team, name="Acme Mills")
    ClientFactory(team=other_team, name="Bolt Ltd")

    assert Client.objects.named(team, "  acme   MILLS ") == acme
    assert Client.objects.named(team, "Bolt Ltd") is None
    assert Client.objects.named(team, "Acme Mills", exclude=acme.pk) is None
    assert Client.objects.named(team, "   ") is None


def test_logging_a_client_typed_differently_offers_the_existing_one(
    client, account_manager, sales_manager, team
):
    acme = ClientFactory(team=team, name="Acme Mills")
    client.force_login(account_manager)
    key = str(uuid.uuid4())

    page = new_case(
        client,
        submission_key=key,
        new_client_name="  acme   MILLS ",
        what_happened="The crates went to Leeds.",
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme Mills already exists: use it?" in html
    assert "You typed “  acme   MILLS ”" in html
    form = page.context["form"]
    assert form["client"].value() == str(acme.pk)
    assert form["new_client_name"].value() == ""
    assert "The crates went to Leeds." in html  # nothing typed is lost
    # The history of the client offered is shown before logging.
    assert page.context["history"]["client"] == acme
    assert not Case.objects.exists()
    assert Client.objects.count() == 1

    saved = new_case(
        client,
        submission_key=key,
        client=acme.pk,
        new_client_name="",
        what_happened="The crates went to Leeds.",
    )
    assert saved.status_code == 302
    assert Case.objects.get().client == acme
    assert Client.objects.count() == 1


def test_a_new_client_is_stored_with_its_spacing_tidied(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)

    assert new_case(client, new_client_name="  Contoso   Ltd ").status_code == 302
    assert Client.objects.get().name == "Contoso Ltd"


def test_the_service_alone_never_makes_a_twin(account_manager, sales_manager, team):
    acme = ClientFactory(team=team, name="Acme Mills")

    case = case_open(
        by=account_manager,
        team=team,
        client=None,
        new_client_name="ACME  mills",
        commitment="Deliver 40 laptops",
        what_happened="Wrong city.",
        severity=Severity.MEDIUM,
    )

    assert case.client == acme
    assert Client.objects.count() == 1


def test_a_person_typed_again_is_the_existing_contact(account_manager, sales_manager):
    case = case_in_step(Step.ACKNOWLEDGE, owner=account_manager)
    known = ContactFactory(client=case.client, name="Eve Client", role="", phone="")
    count = Contact.objects.count()

    person = steps.person_add(
        case_id=case.pk,
        by=account_manager,
        name="  eve   CLIENT",
        role="Trainer",
        email="typed@example.com",
        phone="0123",
    )

    assert person == known
    assert Contact.objects.count() == count
    assert known in case.contacts.all()
    known.refresh_from_db()
    # Only what the contact lacked is filled in; the known email stays.
    assert (known.role, known.phone) == ("Trainer", "0123")
    assert known.email == "eve.client@client.example.com"
    assert "already a contact" in case.timeline.latest("at").summary


def test_the_same_dropped_ball_again_within_a_day_asks_then_alerts_once(
    client, account_manager, sales_manager, team
):
    acme = ClientFactory(team=team, name="Acme Mills")
    client.force_login(account_manager)
    first = new_case(client, client=acme.pk, new_client_name="")
    assert first.status_code == 302
    earlier = Case.objects.get()

    key = str(uuid.uuid4())
    again = dict(
        submission_key=key,
        client=acme.pk,
        new_client_name="",
        commitment="  deliver 40   LAPTOPS ",
        what_happened="Typed again after the back button.",
    )
    warned = new_case(client, **again)

    assert warned.status_code == 200
    html = warned.content.decode()
    assert "This looks already logged" in html
    assert earlier.get_absolute_url() in html
    assert "Typed again after the back button." in html
    assert Case.objects.count() == 1

    confirmed = new_case(client, **again, log_again="on")

    assert confirmed.status_code == 302
    second = Case.objects.exclude(pk=earlier.pk).get()
    alerts = OutboxMessage.objects.filter(kind=NotificationKind.CASE_LOGGED)
    assert alerts.exclude(status=OutboxStatus.SKIPPED).count() == 1
    assert alerts.get(case=earlier).status == OutboxStatus.PENDING
    assert alerts.get(case=second).status == OutboxStatus.SKIPPED
    # The managers know, so the second case's Acknowledge does not wait on it.
    assert not any("Alert a sales manager" in m for m in workflow.missing_for(second))
    assert f"it looked like case {earlier.pk}" in " ".join(
        second.timeline.values_list("summary", flat=True)
    )
    told = client.get(confirmed["Location"]).content.decode()
    assert f"already knows of case {earlier.pk}, so was not alerted again" in told


def test_the_same_commitment_a_day_later_or_for_another_client_is_not_asked(
    client, account_manager, sales_manager, team
):
    acme = ClientFactory(team=team, name="Acme Mills")
    bolt = ClientFactory(team=team, name="Bolt Ltd")
    earlier = make_case(account_manager, client=acme, commitment="Deliver 40 laptops")
    client.force_login(account_manager)

    assert new_case(client, client=bolt.pk, new_client_name="").status_code == 302
    Case.objects.filter(pk=earlier.pk).update(
        opened_at=timezone.now() - dt.timedelta(hours=25)
    )
    assert new_case(client, client=acme.pk, new_client_name="").status_code == 302
    assert Case.objects.count() == 3
