"""Reviewing many cases: the filtered list, its CSV export, the dashboard."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cases.calendar import user_zone
from cases.export import csv_response
from cases.review.dashboard import dashboard
from cases.review.filters import SORTS, CaseFilter
from cases.review.listing import list_page
from cases.review.selectors import case_export_rows, cases_for_review

EXPORT_HEADER = [
    "Case",
    "Client",
    "Team",
    "Owner",
    "Step",
    "Severity",
    "Source",
    "What was promised",
    "What happened",
    "Opened",
    "Step due",
    "Outcome",
    "Closed",
    "Our part",
    "Currency",
    "Loss to the client",
    "Compensation offers (not declined)",
    "Compensation value to the client",
    "Compensation cost to us",
    "Lessons learned",
]


def _filtered(request) -> CaseFilter:
    return CaseFilter(
        request.GET or None, cases_for_review(request.user), user=request.user
    )


@login_required
def case_list(request):
    case_filter = _filtered(request)
    page, rows = list_page(case_filter.qs, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/review/case_list.html",
        {
            "filter": case_filter,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sort_query": _without(request.GET, "sort", "page"),
            "sort": request.GET.get("sort", ""),
            "sorts": {key: label for key, (_, label) in SORTS.items()},
            # Due moments read in the viewer's own time zone.
            "zone": user_zone(request.user),
        },
    )


@login_required
def case_export(request):
    case_filter = _filtered(request)
    return csv_response("mend-cases", EXPORT_HEADER, case_export_rows(case_filter.qs))


@login_required
def manager_dashboard(request):
    context = dashboard(request.user)
    return render(
        request,
        "cases/review/dashboard.html",
        {**context, "zone": user_zone(request.user)},
    )


def _without(params, *names) -> str:
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
