"""Importing clients and contacts: the upload, the preview (a dry run), the
confirmation and the import, each a step of one ImportRun.

The preview and the import run in Celery (cases.tasks). The preview writes
nothing but its own run's results. The import runs in one transaction: it
does the same rows again, and when any comes out otherwise than the preview
said (someone changed a client in between), or any fails, it changes
nothing and shows the new preview instead, to confirm again.

Progress goes through the "progress" cache, not the run's row: the import's
writes, the run's own included, are invisible to the page's connection
until the transaction commits.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from celery import current_app
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from tablib import Dataset

from cases.choices import ImportKind, ImportStatus
from cases.exceptions import NotAllowed
from cases.imports.reading import FileProblem, read_file
from cases.imports.resources import ClientResource, ContactResource
from cases.imports.selectors import import_teams
from cases.models import ImportRun, Team, User
from cases.models.search import search_text_refresh_for_clients

RESOURCES = {ImportKind.CLIENTS: ClientResource, ImportKind.CONTACTS: ContactResource}
RESULTS = {
    "new": "new",
    "update": "updated",
    "skip": "unchanged",
    "error": "error",
    "invalid": "error",
}
PROGRESS_SECONDS = 3600
# A preview or an import still waiting this long after it was asked for has
# most likely lost its task; a 10,000-row one takes seconds.
STUCK_AFTER = timedelta(minutes=5)


class PreviewOutdated(Exception):
    """The rows came out otherwise than the preview said: roll back."""


def import_start(
    *, by: User, team: Team, kind: str, file_name: str, content: bytes
) -> ImportRun:
    """Record the upload and ask a worker for its preview."""
    if not import_teams(by).filter(pk=team.pk).exists():
        raise NotAllowed("You cannot import into that team.")
    with transaction.atomic():
        run = ImportRun.objects.create(
            team=team,
            by=by,
            kind=kind,
            file_name=file_name[:255],
            content=content,
        )
        transaction.on_commit(lambda: _send("import_preview", run.pk))
    return run


def import_confirm(*, run_id: int, by: User) -> ImportRun:
    """Ask for the previewed import. Only the first click moves the run from
    previewed to importing (a conditional update); a second one is told."""
    runs = ImportRun.objects.filter(
        pk=run_id, team__in=import_teams(by), status=ImportStatus.PREVIEWED
    )
    with transaction.atomic():
        taken = runs.filter(error_count=0).update(
            status=ImportStatus.IMPORTING, confirmed_at=timezone.now()
        )
        if not taken:
            run = ImportRun.objects.filter(pk=run_id).first()
            if run is not None and run.status == ImportStatus.PREVIEWED:
                raise NotAllowed(
                    "Rows of this file have errors: fix them in the file and "
                    "upload it again."
                )
            raise NotAllowed("This import has been confirmed already.")
        transaction.on_commit(lambda: _send("import_apply", run_id))
    return ImportRun.objects.get(pk=run_id)


def import_preview(*, run_id: int) -> None:
    """The dry run: every row's result and reason, nothing saved but the
    run's own results. A second delivery (a worker that died mid-way, a
    resend) does it again, which is harmless: it writes the same results."""
    taken = ImportRun.objects.filter(
        pk=run_id, status__in=[ImportStatus.QUEUED, ImportStatus.PREVIEWING]
    ).update(status=ImportStatus.PREVIEWING)
    if not taken:
        return
    run = ImportRun.objects.select_related("team", "by").get(pk=run_id)
    try:
        sheet = read_file(bytes(run.content), kind=run.kind)
    except FileProblem as exc:
        _finish(run, status=ImportStatus.REFUSED, problem=str(exc), content=b"")
        return
    dataset = sheet.dataset
    _progress(run, 0, len(dataset))
    resource = _resource(run, len(dataset))
    result = resource.import_data(dataset, dry_run=True, use_transactions=False)
    rows, counts = _rows(dataset, result, resource)
    problem = _base_problem(result)
    status = ImportStatus.PREVIEWED
    if problem:
        status = ImportStatus.REFUSED
    _finish(run, status=status, rows=rows, problem=problem, **counts)


def import_apply(*, run_id: int) -> None:
    """The import itself, in one transaction, after a confirmation. The run
    is locked first, so a second delivery of the task waits, then finds it
    done and does nothing."""
    outcome = None
    try:
        with transaction.atomic():
            run = (
                ImportRun.objects.select_for_update()
                .select_related("team", "by")
                .filter(pk=run_id, status=ImportStatus.IMPORTING)
                .first()
            )
            if run is None:
                return  # done already, or never confirmed
            if not import_teams(run.by).filter(pk=run.team_id).exists():
                # Confirmed, then moved or deactivated before the worker came.
                _finish(
                    run,
                    status=ImportStatus.FAILED,
                    problem=f"{run.by} can no longer import into {run.team}, so "
                    "nothing was imported.",
                    content=b"",
                    finished_at=timezone.now(),
                )
                return
            sheet = read_file(bytes(run.content), kind=run.kind)
            dataset = sheet.dataset
            _progress(run, 0, len(dataset))
            resource = _resource(run, len(dataset))
            result = resource.import_data(dataset, dry_run=False, use_transactions=True)
            # Saved in bulk by now, in this transaction: the renamed clients'
            # cases are found by their new names once it commits.
            search_text_refresh_for_clients(resource.renamed)
            rows, counts = _rows(dataset, result, resource)
            outcome = (rows, counts, _base_problem(result))
            if outcome[2] or counts["error_count"]:
                raise PreviewOutdated
            if _outcome(rows) != _outcome(run.rows):
                raise PreviewOutdated
            _finish(
                run,
                status=ImportStatus.DONE,
                rows=rows,
                content=b"",
                finished_at=timezone.now(),
                **counts,
            )
    except PreviewOutdated:
        # Rolled back: nothing was saved. Show what the rows would do now.
        rows, counts, problem = outcome
        _finish(
            run,
            status=ImportStatus.PREVIEWED,
            rows=rows,
            problem=f"Nothing was imported: {problem}"
            if problem
            else "The clients changed since the preview, so nothing was "
            "imported. This is the preview as things stand now: check it and "
            "confirm again.",
            **counts,
        )
    except Exception as exc:
        # Rolled back whatever broke; the run says so rather than hanging.
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportStatus.FAILED,
            problem=f"The import failed and nothing was changed ({exc}). "
            "Upload the file again to retry.",
            finished_at=timezone.now(),
        )
        raise


def imports_resend_stuck() -> int:
    """Ask again for the previews and imports whose task seems lost (the
    broker restarted before a worker took it): still waiting STUCK_AFTER
    after upload or confirmation. The run's state makes a repeat harmless
    (import_apply locks the run and finds it done)."""
    before = timezone.now() - STUCK_AFTER
    previews = ImportRun.objects.filter(
        status__in=[ImportStatus.QUEUED, ImportStatus.PREVIEWING],
        created_at__lt=before,
    ).values_list("pk", flat=True)
    imports = ImportRun.objects.filter(
        status=ImportStatus.IMPORTING, confirmed_at__lt=before
    ).values_list("pk", flat=True)
    for pk in previews:
        _send("import_preview", pk)
    for pk in imports:
        _send("import_apply", pk)
    return len(previews) + len(imports)


def _resource(run: ImportRun, total: int):
    teams = list(import_teams(run.by))

    def progress(done: int) -> None:
        _progress(run, done, total)

    return RESOURCES[run.kind](team=run.team, teams=teams, progress=progress)


def _rows(dataset: Dataset, result, resource) -> tuple[list[dict], dict]:
    rows = []
    counts = {"new": 0, "updated": 0, "unchanged": 0, "error": 0}
    for number, (data, row_result) in enumerate(
        zip(dataset.dict, result.rows, strict=False), 1
    ):
        outcome = RESULTS[row_result.import_type]
        counts[outcome] += 1
        rows.append(
            {
                "line": data["line"],
                "result": outcome,
                "name": _row_name(data, resource),
                "reason": resource.reasons.get(number, ""),
            }
        )
    return rows, {
        "total_rows": len(dataset),
        "new_count": counts["new"],
        "update_count": counts["updated"],
        "unchanged_count": counts["unchanged"],
        "error_count": counts["error"],
    }


def _row_name(data: dict, resource) -> str:
    name = data["name"]
    if isinstance(resource, ContactResource) and not name:
        name = f"{data['first_name']} {data['last_name']}".strip()
    return name


def _base_problem(result) -> str:
    """An error of the import as a whole (not of a row), e.g. the database
    refusing a batch."""
    if not result.base_errors:
        return ""
    return f"the import stopped: {result.base_errors[0].error}"


def _outcome(rows: list[dict]) -> list[tuple]:
    return [(r["line"], r["result"], r["reason"]) for r in rows]


def _finish(run: ImportRun, **changes) -> None:
    for name, value in changes.items():
        setattr(run, name, value)
    run.save(update_fields=list(changes))
    _progress(run, run.total_rows, run.total_rows)


def _send(task: str, run_id: int) -> None:
    # By name: cases.tasks sits above the pages and calls into them.
    current_app.send_task(f"cases.tasks.{task}", args=[run_id])


# Progress ----------------------------------------------------------------


def progress_key(run: ImportRun) -> str:
    # The run's id alone could name another database's run (a test worker's,
    # another deployment's sharing the Redis): the creation time narrows it.
    return f"mend:import:{run.pk}:{run.created_at.timestamp()}"


def _progress(run: ImportRun, done: int, total: int) -> None:
    # Progress is a nicety: an unreachable cache must not stop the import.
    with contextlib.suppress(Exception):
        caches["progress"].set(
            progress_key(run), {"done": done, "total": total}, PROGRESS_SECONDS
        )


def progress_of(run: ImportRun) -> dict:
    """{"done", "total", "percent"} as the worker last told; zeros before it
    has started (or when the cache cannot be reached)."""
    try:
        found = caches["progress"].get(progress_key(run)) or {}
    except Exception:  # an unreachable cache shows no progress, not an error
        found = {}
    done, total = found.get("done", 0), found.get("total", 0)
    percent = round(100 * done / total) if total else 0
    return {"done": done, "total": total, "percent": percent}
