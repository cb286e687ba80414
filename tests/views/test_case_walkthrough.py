"""The case page end to end through the test client: every step's forms."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, OutboxMessage

pytestmark = pytest.mark.django_db


def act(client, case, name, data, prefix=True):
    if prefix:
        data = {f"{name}-{k}": v for k, v in data.items()}
    return client.post(reverse("case_action", args=[case.pk, name]), data)


def page(client, case):
    return client.get(case.get_absolute_url()).content.decode()


def fresh(case):
    return Case.objects.get(pk=case.pk)


def test_account_manager_walks_a_case_from_logging_to_closed(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    today = timezone.localdate().isoformat()
    new = client.get(reverse("case_new")).content.decode()
    key = new.split('name="submission_key" value="')[1].split('"')[0]
    response = client.post(
        reverse("case_new"),
        {
            "submission_key": key,
            "new_client_name": "Northwind",
            "commitment": "On-site training on the 12th",
            "what_happened": "The trainer's flight was cancelled.",
            "severity": "high",
        },
    )
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    assert OutboxMessage.objects.filter(
        case=case, kind="case_logged", recipient=sales_manager
    ).exists()
    html = page(client, case)
    assert "Now: Acknowledge" in html and "Name at least one affected person" in html

    # Acknowledge: a person, the source, our part.
    assert (
        act(
            client,
            case,
            "person",
            {
                "submission_key": "3f0f4c1e-2d5b-4b0e-9a53-0c3c1b1f7e11",
                "name": "Dana Lee",
                "role": "Head of Ops",
            },
        ).status_code
        == 302
    )
    contact = case.client.contacts.get()
    r = act(
        client,
        case,
        "details",
        {
            "version": fresh(case).version,
            "commitment": case.commitment,
            "what_happened": case.what_happened,
            "detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "severity": "high",
            "failure_source": "external",
            "parts": ["no_backup"],
            "contacts": [contact.pk],
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert act(client, case, "advance", {}, prefix=False).status_code == 302
    assert fresh(case).step == "root_cause"

    # Root cause: every question, both views.
    from cases.models import ROOT_CAUSE_QUESTIONS

    data = {
        "version": fresh(case).version,
        "client_view": "No training, staff idle",
        "our_view": "No backup trainer",
        "client_feeling": "Let down",
    }
    data.update({f"q_{k}": "no" for k in ROOT_CAUSE_QUESTIONS})
    assert act(client, case, "root_cause", data).status_code == 302
    assert act(client, case, "advance", {}, prefix=False).status_code == 302

    # Options.
    assert (
        act(
            client,
            case,
            "option",
            {
                "submission_key": "1f0f4c1e-2d5b-4b0e-9a53-0c3c1b1f7e11",
                "description": "Remote session tomorrow",
                "cost_to_us": "0",
                "time_to_deliver": "1 day",
                "feasibility": "high",
                "chosen": "on",
            },
        ).status_code
        == 302
    )
    assert act(client, case, "advance", {}, prefix=False).status_code == 302

    # Communicate.
    assert (
        act(
            client,
            case,
            "client_contact",
            {
                "submission_key": "2f0f4c1e-2d5b-4b0e-9a53-0c3c1b1f7e11",
                "happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "channel": "call",
                "people": [contact.pk],
                "summary": "Explained, offered remote session",
                "boss_permission": "not_asked",
            },
        ).status_code
        == 302
    )
    assert act(client, case, "advance", {}, prefix=False).status_code == 302

    # Apologise.
    assert (
        act(
            client,
            case,
            "apology",
            {
                "submission_key": "4f0f4c1e-2d5b-4b0e-9a53-0c3c1b1f7e11",
                "contact": contact.pk,
                "method": "call",
                "on_behalf": "company",
                "asked_forgiveness": "on",
                "apologised_on": today,
            },
        ).status_code
        == 302
    )
    assert act(client, case, "advance", {}, prefix=False).status_code == 302

    # Compensate: a small offer, delivered.
    assert (
        act(
            client,
            case,
            "compensation",
            {
                "submission_key": "5f0f4c1e-2d5b-4b0e-9a53-0c3c1b1f7e11",
                "kind": "training",
                "description": "Two extra seats",
                "value_to_client": "400",
                "cost_to_us": "80",
            },
        ).status_code
        == 302
    )
    comp = case.compensations.get()
    assert (
        act(
            client,
            case,
            "deliver",
            {"record": comp.pk, "delivered_on": today},
            prefix=False,
        ).status_code
        == 302
    )
    assert act(client, case, "advance", {}, prefix=False).status_code == 302

    # Follow up, keep a promise, close.
    assert (
        act(
            client,
            case,
            "follow_up",
            {
                "submission_key": "6f0f4c1e-2d5b-4b0e-9a53-0c3c1b1f7e11",
                "due_on": today,
                "purpose": "Check in",
            },
        ).status_code
        == 302
    )
    fu = case.follow_ups.get()
    assert (
        act(
            client,
            case,
            "settle_follow_up",
            {"record": fu.pk, "status": "done", "notes": "Happy"},
            prefix=False,
        ).status_code
        == 302
    )
    assert (
        act(
            client,
            case,
            "promise",
            {
                "submission_key": "7f0f4c1e-2d5b-4b0e-9a53-0c3c1b1f7e11",
                "description": "Weekly call",
                "due_on": today,
            },
        ).status_code
        == 302
    )
    promise = case.promises.get()
    assert (
        act(
            client,
            case,
            "settle_promise",
            {"record": promise.pk, "outcome": "kept"},
            prefix=False,
        ).status_code
        == 302
    )
    r = act(
        client,
        case,
        "close",
        {
            "version": fresh(case).version,
            "outcome": "recovered",
            "client_fit": "good",
            "lessons": "Keep a backup trainer.",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert fresh(case).step == "closed"
    assert "Closed: Recovered" in page(client, case)
