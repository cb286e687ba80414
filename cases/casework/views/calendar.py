"""The team calendar: public holidays and closure days a team's step clocks
skip. Sales managers keep their own teams' calendars, administrators all;
anyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cases.calendar import WorkCalendar
from cases.casework.forms.calendar import (
    ClosureDayForm,
    HolidayRegionForm,
    SecondEscalationForm,
    SecondFailureSettingsForm,
)
from cases.casework.selectors import (
    calendar_teams,
    holiday_region_choices,
    team_calendar,
)
from cases.casework.services.targets import (
    CalendarRefused,
    closure_day_add,
    closure_day_remove,
    team_holidays_set,
    team_ladder_set,
    team_second_failure_set,
)
from cases.models.accounts import second_escalation_people


@login_required
def team_calendars(request):
    team = calendar_teams(request.user).first()
    if team is None:
        raise Http404("No team calendar for you.")
    return redirect("team_calendar", pk=team.pk)


@login_required
def team_calendar_page(request, pk: int):
    teams = calendar_teams(request.user)
    team = get_object_or_404(teams, pk=pk)
    region_form = HolidayRegionForm(
        initial={
            "holiday_country": team.holiday_country,
            "holiday_subdivision": team.holiday_subdivision,
        }
    )
    closure_form = ClosureDayForm()
    people = second_escalation_people(team)
    ladder_form = SecondEscalationForm(
        initial={
            "second_escalation_hours": _hours(team.second_escalation_hours),
            "second_escalation_to": team.second_escalation_to_id,
        },
        people=people,
    )
    second_form = SecondFailureSettingsForm(
        initial={
            "second_failure_days": team.second_failure_days,
            "second_failure_factor": _hours(team.second_failure_factor),
        }
    )
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "region":
            region_form = HolidayRegionForm(request.POST)
            if _saved(
                region_form,
                lambda data: team_holidays_set(
                    team=team,
                    country=data["holiday_country"],
                    subdivision=data["holiday_subdivision"],
                ),
            ):
                messages.success(request, "Public holidays saved; deadlines updated.")
                return redirect("team_calendar", pk=team.pk)
        elif which == "closure":
            closure_form = ClosureDayForm(request.POST)
            if _saved(
                closure_form,
                lambda data: closure_day_add(
                    team=team, date=data["date"], name=data["name"]
                ),
            ):
                messages.success(request, "Closure day added; deadlines updated.")
                return redirect("team_calendar", pk=team.pk)
        elif which == "ladder":
            ladder_form = SecondEscalationForm(request.POST, people=people)
            if _saved(
                ladder_form,
                lambda data: team_ladder_set(
                    team=team,
                    hours=data["second_escalation_hours"],
                    person_id=getattr(data["second_escalation_to"], "pk", None),
                ),
            ):
                messages.success(request, "Second escalation saved; deadlines updated.")
                return redirect("team_calendar", pk=team.pk)
        elif which == "second_failure":
            second_form = SecondFailureSettingsForm(request.POST)
            if _saved(
                second_form,
                lambda data: team_second_failure_set(
                    team=team,
                    days=data["second_failure_days"],
                    factor=data["second_failure_factor"],
                ),
            ):
                messages.success(request, "Second-failure settings saved.")
                return redirect("team_calendar", pk=team.pk)
        elif which == "remove" and request.POST.get("closure", "").isdigit():
            closure_day_remove(team=team, closure_id=int(request.POST["closure"]))
            messages.success(request, "Closure day removed; deadlines updated.")
            return redirect("team_calendar", pk=team.pk)
        messages.error(request, "Please correct the fields marked below.")
    today = timezone.now().astimezone(WorkCalendar.for_team(team).zone).date()
    return render(
        request,
        "cases/team_calendar.html",
        {
            "team": team,
            "teams": list(teams),
            "region_form": region_form,
            "closure_form": closure_form,
            "ladder_form": ladder_form,
            "second_form": second_form,
            "second_failure_factor": _hours(team.second_failure_factor),
            "region_choices": holiday_region_choices(),
            **team_calendar(team, today),
        },
    )


def _hours(value) -> str:
    """8, not 8.00, in the field."""
    return "" if value is None else f"{value:f}".rstrip("0").rstrip(".")


def _saved(form, write) -> bool:
    """Write the form's data; a refusal goes on the form, by field."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except CalendarRefused as refused:
        for field, message in refused.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return False
    return True
