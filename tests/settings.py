"""The test suite's settings: Mend's own, plus what a test run needs.

pytest-django loads this module (DJANGO_SETTINGS_MODULE in pyproject.toml), so
Mend's settings never guess whether they run under a test runner. Whatever
DEBUG says in the environment, tests run as development does: static files
without a collected manifest, plain HTTP for the test client, only warnings
logged. Processes a test starts inherit this module through
DJANGO_SETTINGS_MODULE; one that checks the production settings names
recovery.settings itself.
"""

import os
import tempfile
from pathlib import Path

from recovery.settings import *  # noqa: F403
from recovery.settings import DATABASES, LOGGING, STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attached files go to a folder of this test process's own, removed when the
# run ends (tests/conftest.py), never into the developer's var/media.
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"mend-test-media-{os.getpid()}"
# With DEBUG off, recovery.settings turns these on for deployments.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Without TLS the browser refuses __Host- cookies: Django's plain names.
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
# Each request's connection closes at its end, so no live-server thread leaves
# a session open on the test database when it is dropped at teardown.
DATABASES = {alias: {**db, "CONN_MAX_AGE": 0} for alias, db in DATABASES.items()}

LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A test database in a file, as `make run` has, not in memory: threads
    # then wait for SQLite's write lock (IMMEDIATE, timeout) as the app's
    # processes do, and a closed connection is closed (an in-memory one is
    # kept open for ever). pytest-xdist gives each worker its own file.
    VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# Django's default hasher (PBKDF2, a million rounds) takes a noticeable fraction
# of a second by design, and every user a test makes or signs in pays it: most
# of the suite's fixture time. No test is about how strongly passwords are
# hashed, so the suite hashes fast; the deployed settings keep Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
