"""One submit, one record: a double-clicked form is applied once."""

import uuid

from django.db import IntegrityError, transaction

from cases.exceptions import AlreadySubmitted
from cases.models import Submission


def submission_claim(key: uuid.UUID | None) -> None:
    """Claim a form's one-time key inside the caller's transaction.

    A second submit of the same form hits the unique key and raises, so the
    caller's whole transaction rolls back and nothing is created twice.
    """
    if key is None:
        return
    try:
        with transaction.atomic():
            Submission.objects.create(key=key)
    except IntegrityError:
        raise AlreadySubmitted(
            "That form was already sent; it was saved once."
        ) from None
