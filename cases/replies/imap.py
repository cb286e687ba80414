"""The reply mailbox over IMAP, through imap-tools: connect, list what is
unread, fetch one message without marking it read, mark it read. No
database here: cases/replies/services.py decides what is taken."""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.consts import MailMessageFlags
from imap_tools.errors import ImapToolsError

# Seconds to wait for the server to connect or answer: a server that hangs
# costs one poll, not a worker.
TIMEOUT = 30
# What a mailbox that is down, refuses us or breaks mid-way raises.
# (A refused connection, a timeout and a TLS failure are all OSErrors.)
MAILBOX_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError)


@dataclass(frozen=True)
class Account:
    """Where the reply mailbox is and how to sign in (settings, MEND_IMAP_*)."""

    host: str
    port: int
    user: str
    password: str
    security: str  # "true" (TLS from the start), "starttls" or "false"
    folder: str

    @classmethod
    def from_settings(cls) -> Account | None:
        """The configured mailbox; None when no host is set (polling is off)."""
        if not settings.MEND_IMAP_HOST:
            return None
        return cls(
            host=settings.MEND_IMAP_HOST,
            port=settings.MEND_IMAP_PORT,
            user=settings.MEND_IMAP_USER,
            password=settings.MEND_IMAP_PASSWORD,
            security=settings.MEND_IMAP_SSL,
            folder=settings.MEND_IMAP_FOLDER,
        )

    @property
    def name(self) -> str:
        """The mailbox and folder, as stored with each message's UID."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:255]


class Folder:
    """The folder selected on a signed-in connection."""

    def __init__(self, box, uidvalidity: int):
        self._box = box
        self.uidvalidity = uidvalidity

    def unread(self) -> list[int]:
        """The UIDs of the unread messages, oldest first."""
        return sorted(int(uid) for uid in self._box.uids("UNSEEN"))

    def fetch(self, uid: int) -> bytes | None:
        """The whole message as it is stored, without marking it read (PEEK);
        None when it is gone (deleted meanwhile)."""
        # The bytes as stored (imap-tools' own fetch hands back a parsed
        # copy): they are what is kept, hashed and parsed with the modern
        # policy. `client` is the connection's imaplib object.
        found = self._box.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if found[0] != "OK":
            raise imaplib.IMAP4.error(f"FETCH {uid}: {found}")
        for item in found[1]:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def mark_read(self, uids: list[int]) -> None:
        """Flag these messages \\Seen: taken, not to be fetched again."""
        if uids:
            self._box.flag([str(uid) for uid in uids], MailMessageFlags.SEEN, True)


@contextmanager
def opened(account: Account) -> Iterator[Folder]:
    """A signed-in connection with the account's folder selected; logged out
    at the end whatever happens. Raises one of MAILBOX_ERRORS when the
    server is down, refuses the sign-in or breaks."""
    if account.security == "true":
        context = ssl.create_default_context()
        box = MailBox(account.host, account.port, timeout=TIMEOUT, ssl_context=context)
    elif account.security == "starttls":
        context = ssl.create_default_context()
        box = MailBoxStartTls(
            account.host, account.port, timeout=TIMEOUT, ssl_context=context
        )
    else:
        box = MailBoxUnencrypted(account.host, account.port, timeout=TIMEOUT)
    try:
        box.login(account.user, account.password, initial_folder=account.folder)
        yield Folder(box, _uidvalidity(box, account.folder))
    finally:
        with suppress(MAILBOX_ERRORS):
            box.logout()


def _uidvalidity(box, folder: str) -> int:
    """The selected folder's UIDVALIDITY (from SELECT's answer, else STATUS):
    UIDs are only comparable while it stays the same."""
    _, data = box.client.response("UIDVALIDITY")
    for item in data or []:
        if item:
            return int(item)
    return int(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])
