"""Webhook events: which timeline entries are events, and what they say.

Recorded from one place, cases.casework.services.timeline.timeline_record:
every moment an endpoint can be told about is a timeline entry written in
the service's transaction, so a rolled-back change sends nothing and a
committed one is never missed.

A payload carries the case's id, link, client, team and step, and what the
event itself is about; no names or addresses of the client's people.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.utils import timezone

from cases.choices import DeliveryChannel, Step, TimelineKind, WebhookEvent
from cases.hooks.deliver import dispatch_after_commit
from cases.models import HttpDelivery, TimelineEntry, WebhookEndpoint

EVENT_OF = {
    TimelineKind.LOGGED: WebhookEvent.CASE_LOGGED,
    TimelineKind.ADVANCED: WebhookEvent.STEP_CHANGED,
    TimelineKind.SENT_BACK: WebhookEvent.STEP_CHANGED,
    TimelineKind.SECOND_DROP: WebhookEvent.PROMISE_MISSED,
    TimelineKind.CLOSED: WebhookEvent.CASE_CLOSED,
    TimelineKind.CHECK_IN_ANSWERED: WebhookEvent.CHECK_IN_ANSWERED,
}


def webhook_events_record(entry: TimelineEntry, data: dict | None = None) -> int:
    """Record a delivery of the event `entry` is (if any) to every active
    endpoint that asked for it; how many. `data` adds what the event is
    about (the promise, the check-in's answer)."""
    event = EVENT_OF.get(entry.kind)
    if event is None:
        return 0
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(active=True) if e.wants(event)
    ]
    if not endpoints:
        return 0
    case = entry.case
    # A case logged again on purpose writes a second "logged" entry: one event.
    if event == WebhookEvent.CASE_LOGGED:
        key = f"case:{case.pk}:logged"
    else:
        key = f"entry:{entry.pk}"
    payload = {
        "type": str(event),
        "timestamp": entry.at.astimezone(dt.UTC).isoformat(),
        "data": {**case_data(case), **_about(entry), **(data or {})},
    }
    keys = {f"hook:{e.pk}:{key}": e for e in endpoints}
    recorded = set(
        HttpDelivery.objects.filter(dedupe_key__in=keys).values_list(
            "dedupe_key", flat=True
        )
    )
    rows = [
        HttpDelivery(
            channel=DeliveryChannel.WEBHOOK,
            endpoint=endpoint,
            case=case,
            event=str(event),
            dedupe_key=dedupe_key,
            payload=payload,
        )
        for dedupe_key, endpoint in keys.items()
        if dedupe_key not in recorded
    ]
    HttpDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        dispatch_after_commit()
    return len(rows)


# Not an event of Mend's: what an administrator sends to check an endpoint.
TEST_EVENT = "mend.test"


def test_events_record(endpoints) -> int:
    """A `mend.test` delivery to each endpoint (the admin's "Send a test
    event"), through the same queue, signature and log as real events."""
    now = timezone.now()
    rows = [
        HttpDelivery(
            channel=DeliveryChannel.WEBHOOK,
            endpoint=endpoint,
            event=TEST_EVENT,
            dedupe_key=f"hook:{endpoint.pk}:test:{uuid.uuid4().hex}",
            payload={
                "type": TEST_EVENT,
                "timestamp": now.astimezone(dt.UTC).isoformat(),
                "data": {"endpoint": endpoint.name},
            },
        )
        for endpoint in endpoints
    ]
    HttpDelivery.objects.bulk_create(rows)
    if rows:
        dispatch_after_commit()
    return len(rows)


def case_data(case) -> dict:
    """What every event says of its case."""
    return {
        "case": {
            "id": case.pk,
            "url": f"{settings.SITE_URL}{case.get_absolute_url()}",
            "client": {"id": case.client_id, "name": case.client.name},
            "team": case.team.name,
            "step": case.step,
            "step_label": Step(case.step).label,
            "severity": case.severity,
            "opened_at": case.opened_at.astimezone(dt.UTC).isoformat(),
        }
    }


def _about(entry: TimelineEntry) -> dict:
    if entry.kind in (TimelineKind.ADVANCED, TimelineKind.SENT_BACK):
        change = next((c for c in entry.changes if c.get("field") == "Step"), {})
        return {
            "step_change": {
                "direction": "forward"
                if entry.kind == TimelineKind.ADVANCED
                else "back",
                "from": change.get("old", ""),
                "to": change.get("new", ""),
            }
        }
    if entry.kind == TimelineKind.CLOSED:
        case = entry.case
        return {"outcome": case.outcome, "client_fit": case.client_fit}
    return {}
