"""A real IMAP server for the reply-mailbox tests: Debian's dovecot-imapd,
started once per test process on a free port with a configuration of its
own in a temporary folder (a passwd-file per account, maildirs there too,
plain sign-in on 127.0.0.1, no TLS). Each test gets a mailbox of its own (a
new user), and messages reach it by IMAP APPEND, as a mail server would
file them. Missing dovecot skips these tests on a developer's machine and
fails them in CI (.ci/run installs it)."""

from __future__ import annotations

import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import IN_CI
from tests.notifications.conftest import (  # noqa: F401 (fixtures used here)
    free_port,
    smtp_sink,
)

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
STARTUP_SECONDS = 15

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:{folder}/mail/%u
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{login_extra}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot:
    """One dovecot master process and its folder."""

    def __init__(self):
        if not Path(DOVECOT).exists() or not Path("/usr/lib/dovecot/imap").exists():
            message = "These tests need Debian's dovecot-imapd (apt-get install it)."
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        self.folder = Path(tempfile.mkdtemp(prefix="mend-imap-"))
        for name in ("run", "state", "mail", "users"):
            (self.folder / name).mkdir()
        # dovecot's unprivileged login processes must reach their sockets.
        os.chmod(self.folder, 0o755)  # noqa: S103
        os.chmod(self.folder / "run", 0o755)  # noqa: S103
        self.process = None
        self.port = None

    def start(self) -> None:
        if os.geteuid() == 0:
            # Mail is never handled as root: the maildirs belong to nobody.
            mail_user = pwd.getpwnam("nobody")
            users = ""
            login_extra = ""
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            users = (
                f"default_internal_user = {mail_user.pw_name}\n"
                f"default_login_user = {mail_user.pw_name}"
            )
            login_extra = "  chroot =\n"
        shutil.chown(self.folder / "mail", mail_user.pw_uid, mail_user.pw_gid)
        for _ in range(5):
            self.port = free_port()
            config = self.folder / "dovecot.conf"
            config.write_text(
                CONFIG.format(
                    folder=self.folder,
                    port=self.port,
                    uid=mail_user.pw_uid,
                    gid=mail_user.pw_gid,
                    users=users,
                    login_extra=login_extra,
                )
            )
            self.process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            if self._listening():
                return
            self.stop()
        pytest.fail(f"dovecot did not start: {self.log()}")

    def _listening(self) -> bool:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # exited: say the port was taken meanwhile
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        errors = self.process.stderr.read().decode() if self.process else ""
        return errors + (path.read_text() if path.exists() else "")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def add_user(self) -> tuple[str, str]:
        """A new account, in a passwd-file of its own: dovecot caches one file
        by its modification time, in whole seconds, so a user appended within
        the second of the last read was not found."""
        user = f"replies-{uuid.uuid4().hex[:10]}"
        password = uuid.uuid4().hex
        (self.folder / "users" / user).write_text(f"{user}:{{PLAIN}}{password}\n")
        return user, password


class Mailbox:
    """One test's reply mailbox on the dovecot server."""

    def __init__(self, server: Dovecot, folder: str = "INBOX"):
        self.server = server
        self.host = "127.0.0.1"
        self.port = server.port
        self.user, self.password = server.add_user()
        self.folder = folder

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        connection.login(self.user, self.password)
        return connection

    def point_settings_here(self, settings) -> None:
        settings.MEND_IMAP_HOST = self.host
        settings.MEND_IMAP_PORT = self.port
        settings.MEND_IMAP_USER = self.user
        settings.MEND_IMAP_PASSWORD = self.password
        settings.MEND_IMAP_SSL = "false"
        settings.MEND_IMAP_FOLDER = self.folder

    def deliver(self, message: EmailMessage | bytes, folder: str | None = None) -> int:
        """File a message in the folder (IMAP APPEND, unread); its UID."""
        raw = message if isinstance(message, bytes) else message.as_bytes()
        connection = self.connect()
        try:
            # imaplib sends the message with CRLF line ends, as IMAP wants.
            answer = connection.append(_quote(folder or self.folder), None, None, raw)
            assert answer[0] == "OK", answer
            found = re.search(rb"APPENDUID \d+ (\d+)", answer[1][0])
            return int(found.group(1))
        finally:
            connection.logout()

    def flags(self, folder: str | None = None) -> dict[int, str]:
        """Each message's UID and its flags, as the server has them."""
        connection = self.connect()
        try:
            connection.select(_quote(folder or self.folder))
            status, data = connection.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK", data
            found = {}
            for item in data:
                if not item:
                    continue
                match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", item)
                if match is None:
                    match = re.search(rb"FLAGS \(([^)]*)\) UID (\d+)", item)
                    found[int(match.group(2))] = match.group(1).decode()
                else:
                    found[int(match.group(1))] = match.group(2).decode()
            return found
        finally:
            connection.logout()

    def unread(self, folder: str | None = None) -> list[int]:
        return sorted(
            uid for uid, flags in self.flags(folder).items() if "\\Seen" not in flags
        )

    def create(self, folder: str) -> None:
        connection = self.connect()
        try:
            assert connection.create(_quote(folder))[0] == "OK"
        finally:
            connection.logout()

    def delete(self, folder: str) -> None:
        connection = self.connect()
        try:
            assert connection.delete(_quote(folder))[0] == "OK"
        finally:
            connection.logout()


def _quote(folder: str) -> str:
    return f'"{folder}"'


def email(
    *,
    sender: str = "Dana Client <dana.client@client.example.com>",
    to: str = "replies@mend.example.com",
    subject: str = "Re: Our call today",
    text: str = "Thank you, the new date works for us.",
    in_reply_to: str = "",
    message_id: str | None = None,
    headers: dict | None = None,
    files: list[tuple[str, bytes, str]] = (),
) -> EmailMessage:
    """A client's email as their mail program would send it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    if message_id is not False:
        message["Message-ID"] = message_id or make_msgid(domain="client.example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    for name, content, kind in files:
        maintype, subtype = kind.split("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=name
        )
    return message


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, settings):
    """A mailbox of this test's own, and Mend's settings pointed at it."""
    box = Mailbox(dovecot)
    box.point_settings_here(settings)
    settings.MEND_REPLY_ADDRESS = "replies@mend.example.com"
    return box
