"""Reviewing many cases: the filtered list, its CSV export, the dashboard."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from ..dashboard import dashboard
from ..exports import csv_response
from ..filters import SORTS, CaseFilter
from ..selectors import attach_second_drops, case_export_rows, cases_for_review

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
]


# What a row of the list shows (templates/cases/review/case_list.html): the
# long texts of each case stay in the database.
LIST_SHOWS = [
    "opened_at",
    "commitment",
    "step",
    "severity",
    "step_due_at",
    "step_warn_at",
    "client__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "team__name",
]


def _filtered(request) -> CaseFilter:
    return CaseFilter(
        request.GET or None, cases_for_review(request.user), user=request.user
    )


@login_required
def case_list(request):
    case_filter = _filtered(request)
    cases = case_filter.qs.select_related("client", "owner", "team").only(*LIST_SHOWS)
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    attach_second_drops(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/review/case_list.html",
        {
            "filter": case_filter,
            "page": page,
            "query": query.urlencode(),
            "sort_query": _without(request.GET, "sort", "page"),
            "sort": request.GET.get("sort", ""),
            "sorts": {key: label for key, (_, label) in SORTS.items()},
            "now": timezone.now(),
        },
    )


@login_required
def case_export(request):
    case_filter = _filtered(request)
    return csv_response("mend-cases", EXPORT_HEADER, case_export_rows(case_filter.qs))


@login_required
def manager_dashboard(request):
    return render(request, "cases/review/dashboard.html", dashboard(request.user))


def _without(params, *names) -> str:
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
