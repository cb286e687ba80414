"""The case's stored figures of acknowledging and apologising (casework.timing)."""

from django.utils import timezone

from cases.calendar import WorkCalendar
from cases.casework.timing import case_figures, person_timings
from cases.models import Case


def timing_refresh(case: Case) -> list[str]:
    """Work out acknowledged_hours and apology_hours again from the case's
    records and set them on `case`; the names of those that changed, for the
    caller's case_touch (the same transaction as the record that moved them).

    Called by every service that records a contact or an apology, names an
    affected person or edits when we found out; reads the relations fresh.
    """
    calendar = WorkCalendar.for_team(case.team)
    acknowledged, apology = case_figures(person_timings(case, calendar, timezone.now()))
    changed = []
    for field, value in (
        ("acknowledged_hours", acknowledged),
        ("apology_hours", apology),
    ):
        if getattr(case, field) != value:
            setattr(case, field, value)
            changed.append(field)
    return changed
