from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import ProtectedError
from django.urls import reverse

from cases.casework.services.compensation import (
    compensation_decide,
    compensation_offer,
)
from cases.choices import Step
from cases.models import Case, Compensation, OutboxMessage, TimelineEntry, User
from cases.notifications.record import password_reset_record
from tests.factories import ClientFactory, UserFactory, make_case, version_of, walk_to


def test_every_model_is_registered_in_the_admin():
    missing = [
        model.__name__
        for model in apps.get_app_config("cases").get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


def test_each_admin_changelist_opens_for_an_administrator(client, administrator):
    client.force_login(administrator)
    for model in apps.get_app_config("cases").get_models():
        url = reverse(f"admin:cases_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


# History cannot be erased (issue 16, item 4).


@pytest.fixture
def history(account_manager, sales_manager, team):
    """A case worked up to Compensate through the services, with an offer."""
    case = walk_to(make_case(account_manager), Step.COMPENSATE, account_manager)
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="Refund the courier",
        value_to_client=Decimal("900"),
        cost_to_us=Decimal("900"),
    )
    compensation_decide(
        case_id=case.pk,
        by=sales_manager,
        compensation_id=offer.pk,
        approve=True,
        note="",
        version=version_of(case),
    )
    return Case.objects.get(pk=case.pk)


def admin_url(obj, view):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def changelist(model):
    return reverse(f"admin:cases_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("kind", ["case", "entry", "compensation", "user"])
def test_the_admin_refuses_to_delete_history(
    client, administrator, history, sales_manager, kind
):
    obj = {
        "case": history,
        "entry": history.timeline.first(),
        "compensation": history.compensations.first(),
        "user": sales_manager,
    }[kind]
    model = type(obj)
    client.force_login(administrator)
    # The delete page says what to do instead, on the record's own page.
    shown = client.get(admin_url(obj, "delete"), follow=True)
    assert shown.redirect_chain == [(admin_url(obj, "change"), 302)]
    assert "are never deleted:" in shown.content.decode()
    posted = client.post(admin_url(obj, "delete"), {"post": "yes"})
    assert posted.status_code == 302
    assert model.objects.filter(pk=obj.pk).exists()
    # Nor as a bulk action from the list.
    page = client.get(changelist(model))
    assert "delete_selected" not in page.content.decode()
    client.post(
        changelist(model),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [obj.pk], "post": "yes"},
    )
    assert model.objects.filter(pk=obj.pk).exists()


def test_the_database_refuses_to_delete_a_user_or_case_with_history(
    history, account_manager, sales_manager
):
    for user in (account_manager, sales_manager):
        with pytest.raises(ProtectedError):
            User.objects.get(pk=user.pk).delete()
    with pytest.raises(ProtectedError):
        Case.objects.get(pk=history.pk).delete()
    # Someone only ever emailed keeps their outbox rows too.
    reader = UserFactory(username="reader")
    password_reset_record(user=reader)
    with pytest.raises(ProtectedError):
        reader.delete()
    assert OutboxMessage.objects.filter(recipient=reader).exists()
    # The decision and the entries keep their people.
    assert Compensation.objects.get(case=history).decided_by == sales_manager
    assert history.timeline.filter(actor=sales_manager, kind="approval").exists()


def test_the_timeline_and_compensations_are_read_only_in_the_admin(
    client, administrator, history
):
    client.force_login(administrator)
    entry = history.timeline.first()
    offer = history.compensations.first()
    for obj, model in [(entry, TimelineEntry), (offer, Compensation)]:
        page = client.get(admin_url(obj, "change"))
        assert page.status_code == 200  # shown, to read
        assert 'name="_save"' not in page.content.decode()
        assert client.post(admin_url(obj, "change"), {}).status_code == 403
        add = reverse(f"admin:cases_{model._meta.model_name}_add")
        assert client.get(add).status_code == 403
    assert TimelineEntry.objects.get(pk=entry.pk).summary == entry.summary


def test_a_user_is_deactivated_not_deleted(client, administrator, sales_manager):
    client.force_login(administrator)
    response = client.post(
        changelist(User),
        {"action": "deactivate", ACTION_CHECKBOX_NAME: [sales_manager.pk]},
        follow=True,
    )
    assert "1 user(s) deactivated." in response.content.decode()
    assert User.objects.get(pk=sales_manager.pk).is_active is False


def test_an_administrator_cannot_deactivate_themselves(client, administrator):
    client.force_login(administrator)
    response = client.post(
        changelist(User),
        {"action": "deactivate", ACTION_CHECKBOX_NAME: [administrator.pk]},
        follow=True,
    )
    assert "You cannot deactivate yourself" in response.content.decode()
    assert User.objects.get(pk=administrator.pk).is_active


def case_form(case, **changes):
    data = {
        "owner": case.owner_id,
        "team": case.team_id,
        "client": case.client_id,
        "version_read": case.version,
        # The read-only inlines still send their management forms.
        "parts-TOTAL_FORMS": 0,
        "parts-INITIAL_FORMS": 0,
        "periods-TOTAL_FORMS": 0,
        "periods-INITIAL_FORMS": 0,
        "pauses-TOTAL_FORMS": 0,
        "pauses-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_an_admin_change_of_owner_goes_through_the_reassign_service(
    client, administrator, history, teammate
):
    client.force_login(administrator)
    response = client.post(
        admin_url(history, "change"), case_form(history, owner=teammate.pk)
    )
    assert response.status_code == 302, response.content.decode()
    stored = Case.objects.get(pk=history.pk)
    assert stored.owner == teammate
    assert stored.version == history.version + 1
    entry = stored.timeline.get(kind="reassigned")
    assert entry.actor == administrator
    assert entry.changes == [
        {"field": "Owner", "old": str(history.owner), "new": str(teammate)}
    ]
    assert OutboxMessage.objects.filter(
        case=history, kind="case_reassigned", recipient=teammate
    ).exists()


def test_an_admin_move_to_another_team_is_on_the_timeline(
    client, administrator, history, other_team, outsider
):
    case = history
    # A case without people at the client yet may change client too.
    fresh = make_case(case.owner, acknowledged=False)
    client_there = ClientFactory(team=other_team, name="Northwind")
    client.force_login(administrator)
    response = client.post(
        admin_url(fresh, "change"),
        case_form(fresh, owner=outsider.pk, team=other_team.pk, client=client_there.pk),
    )
    assert response.status_code == 302, response.content.decode()
    stored = Case.objects.get(pk=fresh.pk)
    assert (stored.owner, stored.team, stored.client) == (
        outsider,
        other_team,
        client_there,
    )
    assert stored.version == fresh.version + 1
    entry = stored.timeline.get(kind="admin_edited")
    assert entry.actor == administrator
    assert [c["field"] for c in entry.changes] == ["Owner", "Team", "Client"]
    assert entry.summary == "Changed in the administration: owner, team, client."
    assert case.timeline.filter(kind="admin_edited").count() == 0


@pytest.mark.parametrize(
    "change, problem",
    [
        ("owner_elsewhere", "is not in the team Enterprise"),
        ("client_elsewhere", "is a client of Midmarket, not of Enterprise"),
        ("client_with_people", "already records people at"),
        ("stale", "changed this case while you were editing it"),
        ("unversioned", "This page is out of date: reload it, then edit."),
    ],
)
def test_an_admin_change_that_does_not_fit_is_refused_with_a_reason(
    client, administrator, history, outsider, other_team, team, change, problem
):
    data = {
        "owner_elsewhere": {"owner": outsider.pk},
        "client_elsewhere": {"client": ClientFactory(team=other_team).pk},
        "client_with_people": {"client": ClientFactory(team=team).pk},
        "stale": {"owner": outsider.pk, "version_read": history.version - 1},
        "unversioned": {"owner": outsider.pk, "version_read": ""},
    }[change]
    client.force_login(administrator)
    response = client.post(admin_url(history, "change"), case_form(history, **data))
    assert response.status_code == 200
    assert problem in response.content.decode()
    stored = Case.objects.get(pk=history.pk)
    assert (stored.owner_id, stored.client_id, stored.version) == (
        history.owner_id,
        history.client_id,
        history.version,
    )
    assert not stored.timeline.filter(kind__in=["admin_edited", "reassigned"]).exists()


def test_other_case_fields_are_read_only_in_the_admin(client, administrator, history):
    client.force_login(administrator)
    page = client.get(admin_url(history, "change")).content.decode()
    assert 'name="owner"' in page and 'name="commitment"' not in page
    client.post(
        admin_url(history, "change"),
        case_form(history, commitment="Rewritten", step="closed"),
    )
    stored = Case.objects.get(pk=history.pk)
    assert stored.commitment == history.commitment
    assert stored.step == history.step
    assert client.get(reverse("admin:cases_case_add")).status_code == 403
