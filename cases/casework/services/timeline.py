"""Writing the case timeline. Called by services inside their transaction."""

from typing import Any

from cases.hooks.events import webhook_events_record
from cases.models import Case, TimelineEntry, User

SUMMARY_LENGTH = TimelineEntry._meta.get_field("summary").max_length


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def timeline_record(
    *,
    case: Case,
    by: User | None,
    kind: str,
    summary: str,
    changes: list[dict] | None = None,
    body: str = "",
    event_data: dict | None = None,
) -> TimelineEntry:
    """Write one entry. An entry that is a webhook event (cases.hooks.events)
    is also recorded for the endpoints that asked for it, with `event_data`
    (what it is about, without personal details) in its payload."""
    if len(summary) > SUMMARY_LENGTH:
        # The summary column is short; a longer one (a typed description in
        # it) is shown in full from the body, never silently cut.
        body = body or summary
        summary = summary[: SUMMARY_LENGTH - 1] + "…"
    entry = TimelineEntry.objects.create(
        case=case,
        actor=by,
        kind=kind,
        summary=summary,
        changes=changes or [],
        body=body,
    )
    webhook_events_record(entry, event_data)
    return entry


def changes_between(before: dict, after: dict, labels: dict[str, str]) -> list[dict]:
    """Old and new values of the fields that changed, as readable text."""
    return [
        {
            "field": labels.get(name, name),
            "old": _show(before.get(name)),
            "new": _show(new),
        }
        for name, new in after.items()
        if _show(before.get(name)) != _show(new)
    ]
