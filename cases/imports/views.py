"""The "Import clients" page (/imports/): upload a CRM export, follow its
preview, confirm it, and the history of past imports. Sales managers and
administrators only; anyone else gets 404 (cases.access.imports_clients)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from cases.exceptions import NotAllowed
from cases.imports.forms import ImportUploadForm
from cases.imports.reading import column_help
from cases.imports.selectors import import_run, import_runs, import_teams
from cases.imports.services import import_confirm, import_start, progress_of
from cases.middleware import body_allowance
from cases.models import ImportRun

HISTORY = 50
ROWS_PER_PAGE = 100
SHOWN = {"all", "new", "updated", "unchanged", "error"}


def _teams_or_404(user):
    teams = import_teams(user)
    if not teams.exists():
        raise Http404("No import for you.")
    return teams


def _run_or_404(user, pk) -> ImportRun:
    try:
        return import_run(user, pk)
    except ImportRun.DoesNotExist:
        raise Http404("No such import.") from None


def _list(request, form, status=200):
    runs = list(import_runs(request.user)[:HISTORY])
    context = {"form": form, "runs": runs, "column_help": column_help()}
    return render(request, "cases/imports/list.html", context, status=status)


@login_required
@require_GET
def import_list(request):
    teams = _teams_or_404(request.user)
    return _list(request, ImportUploadForm(teams=teams))


def _upload_allowance() -> int:
    """The file plus room for the form's other fields and the multipart
    framing; the form names the file's own size."""
    return (
        settings.MEND_IMPORT_MAX_MB * 1024 * 1024 + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


@body_allowance(_upload_allowance, file_mb=lambda: settings.MEND_IMPORT_MAX_MB)
@login_required
@require_POST
def import_new(request):
    teams = _teams_or_404(request.user)
    form = ImportUploadForm(request.POST, request.FILES, teams=teams)
    if not form.is_valid():
        return _list(request, form, status=400)
    data = form.cleaned_data
    run = import_start(
        by=request.user,
        team=data["team"],
        kind=data["kind"],
        file_name=data["file"].name,
        content=data["content"],
    )
    return redirect(run)


@login_required
@require_GET
def import_detail(request, pk: int):
    run = _run_or_404(request.user, pk)
    shown = request.GET.get("show", "all")
    shown = shown if shown in SHOWN else "all"
    rows = [r for r in run.rows if shown == "all" or r["result"] == shown]
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "progress": progress_of(run),
        "page": page,
        "shown": shown,
        "filters": [
            ("all", "All rows", run.total_rows),
            ("new", "New", run.new_count),
            ("updated", "Updated", run.update_count),
            ("unchanged", "Unchanged", run.unchanged_count),
            ("error", "Errors", run.error_count),
        ],
    }
    return render(request, "cases/imports/detail.html", context)


@login_required
@require_GET
def import_progress(request, pk: int):
    """The progress bar, polled by htmx while the run is under way; once it
    is not, the whole page reloads to show the preview or the result."""
    run = _run_or_404(request.user, pk)
    if not run.running:
        return HttpResponseClientRefresh()
    context = {"run": run, "progress": progress_of(run)}
    return render(request, "cases/partials/_import_progress.html", context)


@login_required
@require_POST
def import_confirm_view(request, pk: int):
    run = _run_or_404(request.user, pk)
    try:
        import_confirm(run_id=run.pk, by=request.user)
    except NotAllowed as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, "Import confirmed: the rows are being imported.")
    return redirect(run)
