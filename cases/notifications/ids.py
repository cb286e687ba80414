"""Names that identify a notification outside Mend: its email's Message-ID
and its calendar entry's UID. Derived from what is stored, so sending the
same notification again names it the same way."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings


def message_domain() -> str:
    """The site's host name, for Message-IDs and calendar UIDs."""
    return urlsplit(settings.SITE_URL).hostname or "mend.local"


def message_id_for(key: str) -> str:
    """A Message-ID derived from the dedupe key: one notification, one id."""
    return f"<{_digest(key)}@{message_domain()}>"


def calendar_uid_for(key: str) -> str:
    """A calendar UID for a reminder recorded without one of its own."""
    return f"{_digest(key)}@{message_domain()}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]
