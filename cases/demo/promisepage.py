"""The demo's shared promise page: one case whose client has a live link
(its owner finds it on the case page, under "The client's promise page")."""

from django.conf import settings

from cases.casework.services.promise_page import promise_page_share
from cases.choices import Step
from cases.models import Case, PromiseShare

# A case in Follow up with a kept, an open and a missed promise and a
# follow-up to come: the page shows every state a client may see.
CLIENT = "Brightwater Clinics"
COMMITMENT = "Monthly service visit for the imaging equipment at Eastside"


def seed_promise_page() -> None:
    """Share that case's promise page, unless it has a live link or someone
    withdrew its link (their choice stands); one that expired is shared
    again, so a long-lived demo keeps its page."""
    case = (
        Case.objects.filter(client__name=CLIENT, commitment=COMMITMENT)
        .exclude(step=Step.CLOSED)
        .select_related("owner")
        .first()
    )
    if case is None:
        return
    shares = PromiseShare.objects.filter(case=case)
    if shares.filter(revoked_at__isnull=False).exists() or any(
        share.is_live() for share in shares
    ):
        return
    promise_page_share(
        case_id=case.pk, by=case.owner, days=settings.MEND_PROMISE_PAGE_DAYS
    )
