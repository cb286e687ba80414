"""A real HTTP receiver on 127.0.0.1 for webhook and chat deliveries.

Each `Receiver` is a ThreadingHTTPServer on a free port, in a thread of the
test process. Given a signing secret it verifies every request the way a
customer's system would, with standardwebhooks.Webhook(secret).verify, and
records the outcome. It can answer with chosen status codes (500, then the
default 200) and hang (hold the request without answering) until released.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from cases.choices import OutboxStatus, WebhookEvent
from cases.hooks import deliver
from cases.models import HttpDelivery, WebhookEndpoint
from tests.notifications.conftest import free_port


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    # The verified payload, or None with `problem` saying why it was refused.
    payload: dict | None = None
    problem: str = ""

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str | None = None
    answers: list[int] = field(default_factory=list)  # then 200
    hang_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self):
        self.release = threading.Event()
        self.hanging = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if receiver.hang_seconds:
                    receiver.hanging.set()
                    receiver.release.wait(receiver.hang_seconds)
                got = Received(self.path, dict(self.headers.items()), body)
                if receiver.secret:
                    try:
                        got.payload = Webhook(receiver.secret).verify(body, got.headers)
                    except WebhookVerificationError as exc:
                        got.problem = str(exc)
                else:
                    got.payload = json.loads(body)
                with receiver.lock:
                    receiver.received.append(got)
                    code = receiver.answers.pop(0) if receiver.answers else 200
                if got.problem:
                    code = 401
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if code < 300 else b"receiver says no")
                except OSError:
                    pass  # the sender gave up waiting (a hang)

            def log_message(self, *args):
                pass

        for _ in range(5):
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
                break
            except OSError:  # taken between the probe and the bind
                continue
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/mend"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def payloads(self) -> list[dict]:
        assert all(not r.problem for r in self.received), [
            r.problem for r in self.received
        ]
        return [r.payload for r in self.received]

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"The receiver got {len(self.received)} of {count}.")
            time.sleep(0.02)
        return self.received


@pytest.fixture
def receivers():
    """Make receivers; all are shut down after the test."""
    made: list[Receiver] = []

    def make(**kwargs) -> Receiver:
        receiver = Receiver(**kwargs)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def quick_timeouts(settings):
    """A hang costs the tests a second, not five."""
    settings.MEND_WEBHOOK_CONNECT_TIMEOUT = 1.0
    settings.MEND_WEBHOOK_READ_TIMEOUT = 1.0


def endpoint_for(receiver: Receiver, events=None, **fields) -> WebhookEndpoint:
    """An endpoint for `receiver`, whose secret it verifies with."""
    endpoint = WebhookEndpoint.objects.create(
        name=fields.pop("name", "CRM"),
        url=receiver.url,
        events=[str(e) for e in (events or WebhookEvent.values)],
        **fields,
    )
    receiver.secret = endpoint.secret
    return endpoint


def deliver_due() -> list[str]:
    """Post every due delivery, as the worker's tasks would; their outcomes."""
    ids = HttpDelivery.objects.filter(status=OutboxStatus.PENDING).values_list(
        "pk", flat=True
    )
    return [deliver.delivery_send(pk) for pk in sorted(ids)]


def make_due() -> None:
    """Bring every waiting retry forward to now."""
    from django.utils import timezone

    HttpDelivery.objects.filter(status=OutboxStatus.PENDING).update(
        due_at=timezone.now()
    )
