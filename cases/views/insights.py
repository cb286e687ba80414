"""The insights page and its two CSV exports."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render

from ..exports import csv_response
from ..forms.insights import InsightsForm
from ..insights import insights, scope
from ..insights.export import CASES_HEADER, FIGURES_HEADER, case_rows, figure_rows


def _choice(request) -> InsightsForm:
    return InsightsForm(request.GET or None, user=request.user)


def _refused(form: InsightsForm) -> HttpResponseBadRequest:
    problems = "; ".join(
        f"{form.fields[name].label if name in form.fields else 'Choice'}: "
        + " ".join(errors)
        for name, errors in form.errors.items()
    )
    return HttpResponseBadRequest(
        f"Nothing exported: the period or filter is not valid ({problems}). "
        "Go back to the insights page, correct it and export again.",
        content_type="text/plain; charset=utf-8",
    )


@login_required
def insights_page(request):
    form = _choice(request)
    context = insights(
        request.user,
        form.chosen_period(),
        team=form.chosen("team"),
        owner=form.chosen("owner"),
    )
    context |= {"form": form, "query": request.GET.urlencode()}
    return render(request, "cases/insights.html", context)


@login_required
def insights_cases_export(request):
    form = _choice(request)
    if form.is_bound and not form.is_valid():
        return _refused(form)
    cases = scope(request.user, form.chosen("team"), form.chosen("owner"))
    rows = case_rows(cases, form.chosen_period())
    return csv_response("mend-insights-cases", CASES_HEADER, rows)


@login_required
def insights_figures_export(request):
    form = _choice(request)
    if form.is_bound and not form.is_valid():
        return _refused(form)
    data = insights(
        request.user,
        form.chosen_period(),
        team=form.chosen("team"),
        owner=form.chosen("owner"),
    )
    return csv_response("mend-insights", FIGURES_HEADER, figure_rows(data))
