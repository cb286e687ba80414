"""The client's promise page: sharing its link with the client, withdrawing
it, and counting its visits. What the page shows is read by
casework.selectors.promise_page_for."""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.casework.services.rows import case_lock, case_lock_for_record, case_touch
from cases.casework.services.timeline import timeline_record
from cases.choices import TimelineKind
from cases.exceptions import NotAllowed
from cases.models import PromiseShare, User


@transaction.atomic
def promise_page_share(
    *, case_id: int, by: User, days: int, submission_key: uuid.UUID | None = None
) -> PromiseShare:
    """Make a link to the case's promise page that works for `days` days.

    A case has one live link at a time: while one works, another is refused
    (withdraw it first), so the link a client already has is never ended
    behind the sharer's back. The case's row lock makes the check and the
    insert one; a double submit is caught by its one-time key.
    """
    if not 1 <= days <= 366:
        raise NotAllowed("Choose how long the link works: 1 to 366 days.")
    case = case_lock_for_record(
        case_id=case_id, by=by, work="promise_page_share", submission_key=submission_key
    )
    now = timezone.now()
    live = case.promise_shares.filter(revoked_at__isnull=True, expires_at__gt=now)
    current = live.select_related("created_by").first()
    if current is not None:
        raise NotAllowed(
            f"The client already has a link to this case's promise page, shared by "
            f"{current.created_by} and working until "
            f"{timezone.localtime(current.expires_at):%d %b %Y}. Withdraw it "
            "first to share a new one; nothing was changed."
        )
    share = PromiseShare.objects.create(
        case=case, created_by=by, created_at=now, expires_at=now + dt.timedelta(days)
    )
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.PROMISE_PAGE,
        summary=(
            "Shared the promise page with the client: a link that works for "
            f"{days} days, until {timezone.localtime(share.expires_at):%d %b %Y}."
        ),
    )
    return share


@transaction.atomic
def promise_page_revoke(*, case_id: int, by: User, share_id: int) -> PromiseShare:
    """Withdraw a link: from now on it opens the "not available" page.

    Allowed on a closed case too: a link must always be stoppable.
    """
    case = case_lock(case_id=case_id, by=by)
    share = case.promise_shares.select_for_update().get(pk=share_id)
    if share.revoked_at is not None:
        raise NotAllowed("That link was already withdrawn.")
    now = timezone.now()
    share.revoked_at = now
    share.revoked_by = by
    share.save(update_fields=["revoked_at", "revoked_by"])
    case_touch(case, by)
    expired = share.expires_at <= now
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.PROMISE_PAGE,
        summary="Withdrew the client's link to the promise page"
        + (" (it had already expired)." if expired else "."),
    )
    return share


def promise_page_viewed(*, share_id: int) -> None:
    """Count one visit of the page (one UPDATE, no lock: a visit is no change
    to the case, and two at once both count)."""
    PromiseShare.objects.filter(pk=share_id).update(
        views=F("views") + 1, last_viewed_at=timezone.now()
    )
