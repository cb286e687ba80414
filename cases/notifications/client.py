"""Email to the client's people: recorded in the outbox like every other
email (record.client_email_record, so it is sent once, retried, and never
lost to a broken server), but addressed to a Contact, with a Message-ID and
a Reply-To that lead the client's answer back to its case."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from cases.models import Case, OutboxMessage

# The tag in a case's reply address: replies+c<case id>-<check>@domain. The
# check is lowercase hex, since some mail servers fold local parts to
# lowercase; 12 hex digits (48 bits) cannot be guessed for another case.
_TAG = re.compile(r"^c(?P<case>\d{1,12})-(?P<check>[0-9a-f]{12})$")


def client_skip_reason(message: OutboxMessage) -> str:
    """Why an email to a contact should no longer go out; empty when it should."""
    contact = message.contact
    if contact.erased:
        return "Not sent: the contact's details were erased."
    if not contact.email:
        return "Not sent: the contact has no email address."
    return ""


def client_addresses(message: OutboxMessage) -> dict:
    """To, From and Reply-To for an email to a contact."""
    case, contact = message.case, message.contact
    reply_to = reply_address(case) or case.owner.email
    return {
        "to": [_named(contact.name, contact.email)],
        "from_email": settings.MEND_CLIENT_FROM_EMAIL,
        "reply_to": [reply_to] if reply_to else [],
    }


def _named(name: str, email: str) -> str:
    """ "Name <address>", quoted as a header needs it (Django encodes a
    non-ASCII name and domain on sending); the bare address where the two
    cannot be put together."""
    try:
        return str(Address(display_name=name, addr_spec=email))
    except ValueError:
        return email


def reply_address(case: Case) -> str:
    """The case's own Reply-To (MEND_REPLY_ADDRESS with the case's tag);
    empty when no reply mailbox is configured."""
    if not settings.MEND_REPLY_ADDRESS:
        return ""
    local, domain = settings.MEND_REPLY_ADDRESS.split("@")
    return f"{local}+c{case.pk}-{_check(case.pk)}@{domain}"


def case_id_from_address(address: str) -> int | None:
    """The case a reply address names, or None (not ours, or a forged tag)."""
    if not settings.MEND_REPLY_ADDRESS:
        return None
    _, address = parseaddr(address)
    local, _, domain = address.lower().rpartition("@")
    base_local, base_domain = settings.MEND_REPLY_ADDRESS.lower().split("@")
    base, _, tag = local.partition("+")
    if domain != base_domain or base != base_local:
        return None
    found = _TAG.match(tag)
    if found is None:
        return None
    case_id = int(found["case"])
    if not constant_time_compare(found["check"], _check(case_id)):
        return None
    return case_id


def _check(case_id: int) -> str:
    key = settings.MEND_LINK_KEY or settings.SECRET_KEY
    return salted_hmac("mend.reply-address", str(case_id), secret=key).hexdigest()[:12]
