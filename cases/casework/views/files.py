"""Downloading a case's file: only through here, under the case's access rules."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from cases.casework.selectors import attachment_for_user
from cases.models import Attachment


@login_required
@require_GET
def attachment_download(request, pk: int, key):
    """The file as a download, never shown in the page's own origin: a file
    is the client's or a colleague's content, not Mend's."""
    try:
        attachment = attachment_for_user(request.user, pk, key)
        stored = attachment.file.open("rb")
    except (Attachment.DoesNotExist, FileNotFoundError):
        raise Http404("No such file on this case.") from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
