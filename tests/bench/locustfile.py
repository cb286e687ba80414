"""Locust's side of `make bench-load`: people using Mend, or the admin.

Run by tests/bench/load.py as `locust -f tests/bench/locustfile.py
--headless ...`, never imported by Django: Locust patches the standard
library with gevent when it starts. What it needs comes from the JSON file
named by BENCH_LOAD_CONFIG (users, passwords, the cases each may open), and:

- BENCH_WAIT: "2,5" waits 2 to 5 s between a user's actions; "0" none;
- BENCH_USERS, BENCH_DURATION: once all BENCH_USERS have signed in, the
  statistics start afresh (sign-ins, each a deliberately slow password hash,
  are not what is measured) and the run stops BENCH_DURATION s later;
- BENCH_MAX_REQUESTS: or after this many requests, counted from then.

Each user signs in through the login form (its CSRF token from the form),
then acts as a sales manager (one in five) or an account manager would.
Mend runs as deployed, behind TLS: the load balancer's part is played by
sending X-Forwarded-Proto: https, so the Secure cookies are sent back over
plain HTTP on 127.0.0.1 (the cookie policy below) as a browser would over
HTTPS.
"""

import itertools
import json
import os
import random
import re
from http.cookiejar import DefaultCookiePolicy

import gevent
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG = json.loads(open(os.environ["BENCH_LOAD_CONFIG"]).read())  # noqa: SIM115
LOW, _, HIGH = os.environ.get("BENCH_WAIT", "2,5").partition(",")
WAIT = between(float(LOW), float(HIGH)) if float(LOW or 0) else constant(0)
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "0"))
USERS = int(os.environ.get("BENCH_USERS", "0"))
DURATION = float(os.environ.get("BENCH_DURATION", "0"))
PROXY = {"X-Forwarded-Proto": "https"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COMMENT_KEY = re.compile(r'name="comment-submission_key" value="([^"]+)"')
FILTERS = [
    "?status=open",
    "?status=overdue",
    "?status=due_soon",
    "?status=open&severity=high",
    "?step=options",
    "?step=follow_up&sort=-opened_at",
    "?status=closed",
    "?page=2",
]
SEARCHES = ["Harbour", "Freight", "courier", "invoice", "Kestrel", "pallet"]
PEOPLE = itertools.count()
sent = 0
signed_in = 0
measuring = False


class ThroughTheProxy(DefaultCookiePolicy):
    """The browser's side of TLS: Secure cookies go back (see above)."""

    def return_ok_secure(self, cookie, request):
        return True


ENVIRONMENT: dict = {}


@events.init.add_listener
def keep(environment, **kwargs):
    ENVIRONMENT["environment"] = environment


def stop() -> None:
    environment = ENVIRONMENT.get("environment")
    if environment is not None and environment.runner is not None:
        environment.runner.quit()


@events.request.add_listener
def count(**kwargs):
    global sent
    if not measuring:
        return
    sent += 1
    if MAX_REQUESTS and sent == MAX_REQUESTS:
        stop()


def signed() -> None:
    """One more user signed in (or tried): once all have, measure."""
    global signed_in, measuring
    signed_in += 1
    if signed_in == USERS and not measuring:
        measuring = True
        ENVIRONMENT["environment"].stats.reset_all()
        if DURATION:
            gevent.spawn_later(DURATION, stop)


class SignedIn(FastHttpUser):
    abstract = True
    wait_time = WAIT
    default_headers = PROXY
    login_path = "/accounts/login/"

    def account(self) -> dict:
        raise NotImplementedError

    def on_start(self):
        self.client.cookiejar.set_policy(ThroughTheProxy())
        me = self.account()
        self.me = me
        page = self.client.get(self.login_path, name="sign in (form)")
        token = CSRF.search(page.text or "")
        with self.client.post(
            self.login_path,
            data={
                "username": me["username"],
                "password": me["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "",
            },
            headers=self.same_origin(self.login_path),
            name="sign in (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in answered {answer.status_code}")
        # A failed sign-in shows as errors on every page this user asks for.
        signed()

    def same_origin(self, path: str) -> dict:
        origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        return {**PROXY, "Origin": origin, "Referer": origin + path}

    def page(self, path: str, name: str):
        """GET a page that must answer 200 (a redirect to sign in is an error)."""
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"{path} answered {answer.status_code}")
            return answer


class MendUser(SignedIn):
    """A sales manager (every fifth user) or an account manager."""

    def account(self) -> dict:
        n = next(PEOPLE)
        if n % 5 == 0:
            self.manager = True
            return CONFIG["manager"]
        self.manager = False
        managers = CONFIG["account_managers"]
        return managers[n % len(managers)]

    @task(3)
    def dashboard(self):
        self.page("/", "dashboard")

    @task(3)
    def filtered_list(self):
        self.page(f"/cases/{random.choice(FILTERS)}", "list, filtered")

    @task(2)
    def search(self):
        self.page(f"/cases/?q={random.choice(SEARCHES)}", "list, search")

    @task(4)
    def case_page(self):
        self.page(f"/cases/{random.choice(self.me['cases'])}/", "case page")

    @task(1)
    def comment(self):
        case = random.choice(self.me["cases"])
        shown = self.page(f"/cases/{case}/", "case page")
        token = CSRF.search(shown.text or "")
        key = COMMENT_KEY.search(shown.text or "")
        if not (token and key):
            return
        path = f"/cases/{case}/comment/"
        with self.client.post(
            path,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "comment-submission_key": key.group(1),
                "comment-text": "Called them back; they are happy with the new date.",
            },
            headers=self.same_origin(f"/cases/{case}/"),
            name="comment (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code not in (302, 303):
                answer.failure(f"comment answered {answer.status_code}")

    @task(1)
    def insights(self):
        if not self.manager:
            return self.dashboard()
        if random.random() < 0.75:
            return self.page("/insights/", "insights, 90 days")
        return self.page("/insights/?period=365", "insights, 12 months")


class AdminUser(SignedIn):
    """An administrator (signed in through the same form) on the admin's
    changelist of cases."""

    def account(self) -> dict:
        return CONFIG["admin"]

    @task
    def changelist(self):
        self.page("/admin/cases/case/", "admin changelist")
