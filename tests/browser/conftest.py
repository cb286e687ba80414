"""Playwright against Django's live server, in Debian's Chromium.

Playwright's sync API runs an event loop in this thread, which Django's ORM
would otherwise refuse to share; so the escape hatch is set here only.
"""

import os
import shutil
import sys

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from pytest_django.live_server_helper import LiveServer

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


# How long a browser connection may sit idle before the live server lets it go.
IDLE_SECONDS = 5


class ClosingServer(ThreadedWSGIServer):
    """Django's live server, except that closing it waits for the threads that
    serve each browser connection.

    Each of those threads closes its own database connections as it ends
    (Django's close_request does); with CONN_MAX_AGE they stay open between
    the requests of a keep-alive connection. Django's threads are daemons that
    nobody waits for, so at the end of the session some still held a
    connection and PostgreSQL refused to drop the test database ("is being
    accessed by other users"). Waiting for them fixes that; a connection the
    browser leaves idle is let go after IDLE_SECONDS, so the wait is short.
    """

    daemon_threads = False
    block_on_close = True

    def finish_request(self, request, client_address):
        request.settimeout(IDLE_SECONDS)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], TimeoutError):
            return  # an idle keep-alive connection let go: not an error
        super().handle_error(request, client_address)


class ClosingLiveServerThread(LiveServerThread):
    server_class = ClosingServer


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server (a free port, static files, the in-memory
    SQLite connection shared) on ClosingServer.

    It asks for the test database so that it starts after it and stops before
    it is dropped: pytest-django's own starts whenever the first browser test
    runs, which may be before the database and so stopped after it.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    stock = server.thread
    server.thread = ClosingLiveServerThread(
        stock.host,
        static_handler=stock.static_handler,
        connections_override=stock.connections_override,
        port=stock.port,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright(playwright):
    """pytest-playwright's, closing this thread's database connections before
    it stops.

    While Playwright's event loop runs in this thread, asgiref tells Django the
    thread is async, and Django keeps the thread's connections in a
    context-local store apart from those it opened before. Once the loop stops
    they cannot be reached, so nothing would close them, and PostgreSQL would
    refuse to drop the test database. It happens when a worker runs other
    database tests before its first browser test (xdist).
    """
    yield playwright
    connections.close_all()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture
def csp_violations(page):
    """Collects the page's Content-Security-Policy complaints from the console."""
    found = []
    page.on(
        "console",
        lambda msg: (
            found.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    return found


@pytest.fixture
def sign_in(page, live_server):
    def _sign_in(username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return _sign_in
