"""The case page end to end through the test client: every step's forms."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import ROOT_CAUSE_QUESTIONS
from cases.models import Case, OutboxMessage

pytestmark = pytest.mark.django_db


def save(client, case, name, data=None, prefix=True):
    """Send one of the case page's forms and expect to be sent back to the case.

    Step forms carry a prefix and a one-time key; record buttons post plain
    names.
    """
    data = dict(data or {})
    if prefix:
        data = {f"{name}-{k}": v for k, v in data.items()}
        data[f"{name}-submission_key"] = str(uuid.uuid4())
    response = client.post(reverse("case_action", args=[case.pk, name]), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def advance(client, case):
    """Press "move on" as the page draws it: from this step, at this save."""
    stored = fresh(case)
    save(
        client,
        case,
        "advance",
        {"step": stored.step, "version": stored.version},
        prefix=False,
    )


def page(client, case):
    return client.get(case.get_absolute_url()).content.decode()


def fresh(case):
    return Case.objects.get(pk=case.pk)


def test_account_manager_walks_a_case_from_logging_to_closed(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    today = timezone.localdate().isoformat()
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
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
    save(client, case, "person", {"name": "Dana Lee", "role": "Head of Ops"})
    contact = case.client.contacts.get()
    save(
        client,
        case,
        "details",
        {
            "version": fresh(case).version,
            "commitment": case.commitment,
            "what_happened": case.what_happened,
            "detected_at": now,
            "severity": "high",
            "failure_source": "external",
            "parts": ["no_backup"],
            "contacts": [contact.pk],
        },
    )
    advance(client, case)
    assert fresh(case).step == "root_cause"

    # Root cause: every question, both views.
    answers = {f"q_{k}": "no" for k in ROOT_CAUSE_QUESTIONS}
    save(
        client,
        case,
        "root_cause",
        {
            "version": fresh(case).version,
            "client_view": "No training, staff idle",
            "our_view": "No backup trainer",
            "client_feeling": "Let down",
            **answers,
        },
    )
    advance(client, case)

    # Options.
    option = {
        "description": "Remote session tomorrow",
        "cost_to_us": "0",
        "time_to_deliver": "1 day",
        "feasibility": "high",
        "chosen": "on",
    }
    save(client, case, "option", option)
    advance(client, case)

    # Communicate.
    contact_log = {
        "happened_at": now,
        "channel": "call",
        "people": [contact.pk],
        "summary": "Explained, offered remote session",
        "boss_permission": "not_asked",
    }
    save(client, case, "client_contact", contact_log)
    advance(client, case)

    # Apologise.
    apology = {
        "contacts": [contact.pk],
        "method": "call",
        "on_behalf": "company",
        "asked_forgiveness": "on",
        "apologised_on": today,
    }
    save(client, case, "apology", apology)
    advance(client, case)

    # Compensate: a small offer, delivered.
    offer = {
        "kind": "training",
        "description": "Two extra seats",
        "value_to_client": "400",
        "cost_to_us": "80",
    }
    save(client, case, "compensation", offer)
    comp = case.compensations.get()
    save(
        client,
        case,
        "deliver",
        {"record": comp.pk, "delivered_on": today},
        prefix=False,
    )
    advance(client, case)

    # Follow up, keep a promise, close.
    save(client, case, "follow_up", {"due_on": today, "purpose": "Check in"})
    done = {"record": case.follow_ups.get().pk, "status": "done", "notes": "Happy"}
    save(client, case, "settle_follow_up", done, prefix=False)
    save(client, case, "promise", {"description": "Weekly call", "due_on": today})
    kept = {"record": case.promises.get().pk, "outcome": "kept"}
    save(client, case, "settle_promise", kept, prefix=False)
    closing = {
        "version": fresh(case).version,
        "outcome": "recovered",
        "client_fit": "good",
        "lessons": "Keep a backup trainer.",
        "order_on": today,
        "order_value": "1800.00",
    }
    save(client, case, "close", closing)
    assert fresh(case).step == "closed"
    assert fresh(case).repeat_order_value == 1800
    assert "Closed: Recovered" in page(client, case)
