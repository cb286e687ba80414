"""Production settings: fail fast with one line, and pass check --deploy."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import close_old_connections, connection

ROOT = Path(__file__).resolve().parents[1]
REAL_SECRET = "k3J9-vQ2xLr8_ZpT4mWb7nYc1dFh6sGa0eUi5oRj2lKq8wXz3vBn"  # test only
PRODUCTION = {
    # Not the test suite's settings, which this process hands down.
    "DJANGO_SETTINGS_MODULE": "recovery.settings",
    "DEBUG": "false",
    "SECRET_KEY": REAL_SECRET,
    "ALLOWED_HOSTS": "mend.example.com",
    "DATABASE_URL": "postgres://mend@db.example.com/mend",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
}
# Single sign-on, all but the group map.
SSO = {
    "MEND_OIDC_ISSUER": "https://id.example.com",
    "MEND_OIDC_CLIENT_ID": "mend",
    "MEND_OIDC_CLIENT_SECRET": "not-a-real-secret",
    "MEND_OIDC_ALLOWED_DOMAINS": "example.com",
}


def run_manage(*args, **overrides):
    # The browser tests' async escape hatch must not leak into a deploy check.
    leaks = {"PYTEST_CURRENT_TEST", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in leaks}
    env.update(PRODUCTION)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_configuration_passes_check_deploy_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_single_sign_on_configured_from_the_environment_passes_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **SSO,
        MEND_OIDC_GROUP_MAP="mend-ams=account_manager:Enterprise;mend-it=administrator",
        MEND_PASSWORD_LOGIN="false",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "nonsense://what"}, "DATABASE_URL"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT"),
        ({"CELERY_WORKER_CONCURRENCY": "0"}, "CELERY_WORKER_CONCURRENCY"),
        ({"OUTBOX_SENDERS": "-2"}, "OUTBOX_SENDERS"),
        ({"OUTBOX_SENDERS": "four"}, "OUTBOX_SENDERS"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
        ({"AXES_PROXY_COUNT": "one"}, "AXES_PROXY_COUNT"),
        ({"AXES_ADDRESS_FAILURE_LIMIT": "5"}, "AXES_ADDRESS_FAILURE_LIMIT"),
        ({"PASSWORD_RESET_ACCOUNT_LIMIT": "0"}, "PASSWORD_RESET_ACCOUNT_LIMIT"),
        ({"SESSION_IDLE_HOURS": "0"}, "SESSION_IDLE_HOURS"),
        ({"MAX_REQUEST_BODY_KB": "lots"}, "MAX_REQUEST_BODY_KB"),
        ({"MEND_PASSWORD_LOGIN": "false"}, "MEND_OIDC_ISSUER"),
        ({"MEND_PASSWORD_LOGIN": "maybe"}, "MEND_PASSWORD_LOGIN"),
        ({**SSO, "MEND_OIDC_CLIENT_SECRET": ""}, "MEND_OIDC_CLIENT_SECRET"),
        ({**SSO, "MEND_OIDC_ALLOWED_DOMAINS": ""}, "MEND_OIDC_ALLOWED_DOMAINS"),
        ({**SSO, "MEND_OIDC_GROUP_MAP": ""}, "MEND_OIDC_GROUP_MAP"),
        ({**SSO, "MEND_OIDC_GROUP_MAP": "g=boss:Enterprise"}, "MEND_OIDC_GROUP_MAP"),
        ({**SSO, "MEND_OIDC_GROUP_MAP": "g=sales_manager"}, "MEND_OIDC_GROUP_MAP"),
        (
            {**SSO, "MEND_OIDC_GROUP_MAP": "g=sales_manager:A;g=account_manager:B"},
            "MEND_OIDC_GROUP_MAP",
        ),
        ({"MEND_PROMISE_PAGE_DAYS": "0"}, "MEND_PROMISE_PAGE_DAYS"),
        ({"MEND_PROMISE_PAGE_DAYS": "400"}, "MEND_PROMISE_PAGE_DAYS"),
        ({"MEND_IMAP_SSL": "maybe"}, "MEND_IMAP_SSL"),
        ({"MEND_IMAP_HOST": "imap.example.com"}, "MEND_IMAP_PASSWORD"),
        (
            {
                "MEND_IMAP_HOST": "imap.example.com",
                "MEND_IMAP_USER": "replies@example.com",
                "MEND_IMAP_PASSWORD": "app-password",
                "MEND_IMAP_SSL": "false",
            },
            "MEND_IMAP_SSL",
        ),
        ({"MEND_IMAP_POLL_SECONDS": "0"}, "MEND_IMAP_POLL_SECONDS"),
        ({"MEND_ATTACHMENT_MAX_MB": "0"}, "MEND_ATTACHMENT_MAX_MB"),
    ],
)
def test_a_missing_or_malformed_setting_stops_start_up_with_one_line(overrides, named):
    result = run_manage("check", **overrides)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Mend cannot start:")
    assert named in lines[0]


# Two writers that read first, as claim_batch() does, on the embedded SQLite.
CONCURRENT_WRITERS = """
import threading, time
from django.db import connection, connections, transaction
with connection.cursor() as c:
    c.execute("CREATE TABLE IF NOT EXISTS probe (n integer)")
errors = []
def writer():
    try:
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute("SELECT count(*) FROM probe")
                time.sleep(0.3)
                c.execute("INSERT INTO probe VALUES (1)")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()
threads = [threading.Thread(target=writer) for _ in range(2)]
[t.start() for t in threads]
[t.join() for t in threads]
print("errors:", errors)
"""


def test_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path):
    # A deferred SQLite transaction that reads, then writes, fails at once with
    # "database is locked" when another has written meanwhile; the worker's
    # two processes claiming the outbox did exactly that under `make run`.
    result = run_manage(
        "shell",
        "-c",
        CONCURRENT_WRITERS,
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    )

    assert result.returncode == 0, result.stderr
    assert "errors: []" in result.stdout, result.stdout


# The login page's CSRF cookie as a browser would get it over TLS.
COOKIES = """
from django.conf import settings
from django.test import Client, override_settings
static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
    response = Client(HTTP_HOST="mend.example.com").get("/accounts/login/", secure=True)
csrf = response.cookies[settings.CSRF_COOKIE_NAME]
print("status", response.status_code)
print("csrf", settings.CSRF_COOKIE_NAME, bool(csrf["secure"]), csrf["path"],
      repr(csrf["domain"]))
print("session", settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,
      settings.SESSION_COOKIE_PATH, repr(settings.SESSION_COOKIE_DOMAIN))
"""


def test_cookies_carry_the_host_prefix_over_tls(tmp_path):
    # ASVS 3.3.1: __Host- cookies are Secure, for path / and no Domain, so a
    # neighbouring subdomain cannot set or overwrite them.
    result = run_manage(
        "shell",
        "-c",
        COOKIES,
        DATABASE_URL=f"sqlite:///{tmp_path / 'cookies.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert "status 200" in result.stdout, result.stdout
    assert "csrf __Host-csrftoken True / ''" in result.stdout, result.stdout
    assert "session __Host-sessionid True / None" in result.stdout, result.stdout


STORAGE = """
from django.core.files.storage import storages
s = storages["default"]
print(type(s).__name__, s.bucket_name, s.endpoint_url, s.region_name,
      s.access_key, s.default_acl, s.querystring_auth, s.file_overwrite)
"""


def test_files_go_to_s3_compatible_storage_when_a_bucket_is_named():
    result = run_manage(
        "shell",
        "-c",
        STORAGE,
        MEND_S3_BUCKET="mend-files",
        MEND_S3_ENDPOINT_URL="https://s3.fr-par.example.com",
        MEND_S3_REGION="fr-par",
        MEND_S3_ACCESS_KEY_ID="AKIDEXAMPLE",
        MEND_S3_SECRET_ACCESS_KEY="not-a-real-secret",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "S3Storage",
        "mend-files",
        "https://s3.fr-par.example.com",
        "fr-par",
        "AKIDEXAMPLE",
        "private",
        "True",
        "False",
    ]


def test_files_stay_in_a_local_folder_by_default():
    result = run_manage(
        "shell",
        "-c",
        "from django.core.files.storage import storages;"
        "print(type(storages['default']).__name__, storages['default'].location)",
        MEND_S3_BUCKET="",
        MEND_MEDIA_DIR="",
    )
    assert result.returncode == 0, result.stderr
    name, location = result.stdout.splitlines()[-1].split()
    assert name == "FileSystemStorage"
    assert location == str(ROOT / "var" / "media")


@pytest.mark.django_db
def test_connections_close_at_the_end_of_each_request_under_test():
    # What request_finished does after each request in a live-server thread:
    # with a CONN_MAX_AGE above 0 the connection stayed open, a session left
    # on the test database when it is dropped at teardown.
    seen = {}

    def request_thread():
        connection.ensure_connection()
        close_old_connections()
        seen["still_open"] = connection.connection is not None
        connection.close()

    thread = threading.Thread(target=request_thread)
    thread.start()
    thread.join()
    assert seen == {"still_open": False}
