"""The insights page, its two CSV exports, and lessons from similar cases."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render

from cases.choices import OurPart
from cases.export import csv_response
from cases.insights import ReportTooSlow, insights, scope
from cases.insights.export import CASES_HEADER, FIGURES_HEADER, case_rows, figure_rows
from cases.insights.forms import InsightsForm
from cases.insights.lessons import similar_cases
from cases.models import Case, Client
from cases.panels import render_panel


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


def _too_slow(request, form: InsightsForm):
    """The page without its figures: the report ran past the statement
    timeout. 503, as the server could not answer this one in time."""
    period = form.chosen_period()
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        "period": period,
        "previous": period.previous,
        "too_slow": True,
    }
    return render(request, "cases/insights.html", context, status=503)


@login_required
def insights_page(request):
    form = _choice(request)
    try:
        context = insights(
            request.user,
            form.chosen_period(),
            team=form.chosen("team"),
            owner=form.chosen("owner"),
        )
    except ReportTooSlow:
        return _too_slow(request, form)
    context |= {"form": form, "query": request.GET.urlencode()}
    return render(request, "cases/insights.html", context)


@login_required
def insights_cases_export(request):
    form = _choice(request)
    if form.is_bound and not form.is_valid():
        return _refused(form)
    within = scope(request.user, form.chosen("team"), form.chosen("owner"))
    try:
        rows = case_rows(within, form.chosen_period())
    except ReportTooSlow:
        return _too_slow(request, form)
    return csv_response("mend-insights-cases", CASES_HEADER, rows)


@login_required
def insights_figures_export(request):
    form = _choice(request)
    if form.is_bound and not form.is_valid():
        return _refused(form)
    try:
        data = insights(
            request.user,
            form.chosen_period(),
            team=form.chosen("team"),
            owner=form.chosen("owner"),
        )
    except ReportTooSlow:
        return _too_slow(request, form)
    return csv_response("mend-insights", FIGURES_HEADER, figure_rows(data))


@login_required
def similar_cases_panel(request):
    """Lessons from similar closed cases: for a logged case (?case=), or for
    the client and "our part" chosen on the new-case form (?client=&parts=)."""
    case = None
    if request.GET.get("case"):
        case = (
            Case.objects.for_user(request.user, "view")
            .select_related("client")
            .filter(pk=_number(request.GET["case"]))
            .first()
        )
        if case is None:
            raise Http404("No such case.")
    client = (
        None
        if case
        else Client.objects.one_for_user(request.user, request.GET.get("client"))
    )
    # Unknown values are ignored, as a filter would: they match nothing.
    parts = [p for p in request.GET.getlist("parts") if p in OurPart.values]
    similar = similar_cases(request.user, case=case, client=client, parts=parts)
    return render_panel(
        request,
        "cases/partials/_similar_cases.html",
        "cases/similar_cases.html",
        {
            "similar": similar,
            "case": case,
            "client": client or (case and case.client),
            "chosen": bool(client or parts),
        },
    )


def _number(value: str) -> int:
    return int(value) if value.isdigit() else 0
