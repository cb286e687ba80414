"""The pages' refusals, as API answers: the same words, with a status code
a program can act on."""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cases.exceptions import AlreadySubmitted, MendError, NotAllowed, Stale
from cases.models import Case


def api_exception_handler(exc, context):
    if isinstance(exc, Case.DoesNotExist):
        exc = exceptions.NotFound("No such case.")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    elif isinstance(exc, MendError):
        return Response({"detail": str(exc)}, status=_status_of(exc))
    return exception_handler(exc, context)


def _status_of(exc: MendError) -> int:
    if isinstance(exc, NotAllowed):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, (Stale, AlreadySubmitted)):
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def idempotency_key(request) -> uuid.UUID | None:
    """The request's Idempotency-Key header as the forms' one-time key: the
    same write sent twice (a retry after a timeout) is applied once."""
    value = request.headers.get("Idempotency-Key")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise exceptions.ValidationError(
            {"Idempotency-Key": "Send a UUID, e.g. from uuidgen."}
        ) from None
