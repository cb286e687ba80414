"""Mend settings, read from the environment (and from a local .env in development).

Development defaults need no server: SQLite in the project folder and kombu's
filesystem transport as the Celery broker. With DEBUG off, the settings a
production deployment must provide are required, and a missing or malformed one
stops start-up with a one-line message naming it.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer's .env (written by `make run`); real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _stop(message: str):
    """Stop start-up with one line on stderr instead of a traceback."""
    sys.stderr.write(f"Mend cannot start: {message}\n")
    raise SystemExit(2)


def _read(name: str, cast, **kwargs):
    """Read one variable, turning a malformed value into a one-line stop."""
    try:
        return cast(name, **kwargs)
    except (ValueError, environ.ImproperlyConfigured) as exc:
        _stop(f"{name} is missing or malformed ({exc}).")


def _bool(name: str, default: bool) -> bool:
    """A strict boolean: a typo such as DEBUG=ture must not silently mean False."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    _stop(f"{name} must be true or false, not {raw!r}.")


def _count(name: str, default: int) -> int:
    """A whole number of at least 1 (a number of processes or tasks)."""
    value = _read(name, env.int, default=default)
    if value < 1:
        _stop(f"{name} must be 1 or more, not {value}.")
    return value


def _database(name: str, default: str) -> dict:
    url = env.str(name, default=default)
    scheme = url.split("://", 1)[0]
    if "://" not in url or scheme not in environ.Env.DB_SCHEMES:
        _stop(f"{name} must be a database URL such as postgres://user@host/name.")
    return _read(name, env.db_url, default=default)


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value.strip():
        _stop(f"set the {name} environment variable.")
    return value


DEBUG = _bool("DEBUG", default=False)

SECRET_KEY = _required("SECRET_KEY")
if DEBUG:
    ALLOWED_HOSTS = _read(
        "ALLOWED_HOSTS", env.list, default=["localhost", "127.0.0.1", "[::1]"]
    )
else:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        _stop("SECRET_KEY is too short: use at least 50 random characters.")
    ALLOWED_HOSTS = _read("ALLOWED_HOSTS", env.list, default=[])
    if not ALLOWED_HOSTS:
        _stop("set ALLOWED_HOSTS to the host names Mend is served under.")

INSTALLED_APPS = [
    "cases.admin_site.MendAdminConfig",  # django.contrib.admin, opened by access
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view or CSRF check reads the body; after the user is known,
    # so its 413 page is a normal page.
    "cases.middleware.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Idle and fixed session lifetimes; after htmx, so it can redirect a panel.
    "cases.middleware.SessionTimeoutMiddleware",
    # Last, so that it sees the outcome of authentication on every request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "recovery.urls"
WSGI_APPLICATION = "recovery.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": _database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: wait rather than fail.
    # IMMEDIATE takes the write lock when a transaction begins, so one that
    # reads and then writes waits its turn; a deferred one fails at once with
    # "database is locked" if another wrote in between.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE"
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _read("CONN_MAX_AGE", env.int, default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Reports (the insights page and its exports) may read from a second database,
# a read replica of the first (README, "Reports at scale"); unset, they read
# the main one. Under test the alias mirrors the main database.
REPORTS_DATABASE = "default"
if _read("REPORTS_DATABASE_URL", env.str, default="").strip():
    DATABASES["reports"] = _database("REPORTS_DATABASE_URL", "")
    if DATABASES["reports"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        _stop(
            "REPORTS_DATABASE_URL must name the same kind of database as "
            "DATABASE_URL (a read replica of it)."
        )
    DATABASES["reports"] |= {
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    REPORTS_DATABASE = "reports"
# How long one query of a report may run on PostgreSQL before it is stopped
# and the page says so: a slow report must not hold the database the rest of
# the site needs. Milliseconds, 100 to 600000 (ten minutes).
INSIGHTS_STATEMENT_TIMEOUT_MS = _read(
    "INSIGHTS_STATEMENT_TIMEOUT_MS", env.int, default=10_000
)
if not 100 <= INSIGHTS_STATEMENT_TIMEOUT_MS <= 600_000:
    _stop(
        "INSIGHTS_STATEMENT_TIMEOUT_MS must be between 100 and 600000 "
        f"milliseconds, not {INSIGHTS_STATEMENT_TIMEOUT_MS}."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cases.User"

# Single sign-on with OpenID Connect (README, "Single sign-on"), through
# mozilla-django-oidc; off while MEND_OIDC_ISSUER is unset. The provider's
# endpoints come from its discovery document, fetched when the first sign-in
# needs them and kept (cases/accounts/sso.py), unless given one by one.
MEND_OIDC_ISSUER = _read("MEND_OIDC_ISSUER", env.str, default="").strip().rstrip("/")
MEND_OIDC_PROVIDER_NAME = _read(
    "MEND_OIDC_PROVIDER_NAME", env.str, default="your company account"
).strip()
MEND_OIDC_ALLOWED_DOMAINS = [
    domain.strip().lower().lstrip("@")
    for domain in _read("MEND_OIDC_ALLOWED_DOMAINS", env.list, default=[])
    if domain.strip()
]
MEND_OIDC_GROUPS_CLAIM = _read(
    "MEND_OIDC_GROUPS_CLAIM", env.str, default="groups"
).strip()
# Explicit endpoints, for a provider without a discovery document.
MEND_OIDC_ENDPOINTS = {
    key: _read(f"MEND_OIDC_{key.upper()}", env.str, default="").strip()
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
    )
}
# The roles a group may give (cases.choices.Role; settings import nothing of
# Mend's, tests/accounts/test_sso_settings.py keeps the two the same).
OIDC_MAPPABLE_ROLES = ("account_manager", "sales_manager", "administrator")


def _group_map(name: str) -> dict[str, tuple[str, str]]:
    """ "group=role:Team;group=role:Team" -> {group: (role, team)}; an
    administrator's team is optional (they see every team)."""
    mapping = {}
    for entry in _read(name, env.str, default="").split(";"):
        if not entry.strip():
            continue
        group, _, target = (part.strip() for part in entry.partition("="))
        role, _, team = (part.strip() for part in target.partition(":"))
        if not group or role not in OIDC_MAPPABLE_ROLES:
            _stop(
                f"{name}: {entry.strip()!r} must read group=role:Team, the role "
                f"one of {', '.join(OIDC_MAPPABLE_ROLES)}."
            )
        if not team and role != "administrator":
            _stop(f"{name}: {entry.strip()!r} needs a team after the role (:Team).")
        if group in mapping:
            _stop(f"{name}: the group {group!r} is mapped twice.")
        mapping[group] = (role, team)
    return mapping


MEND_OIDC_GROUP_MAP = _group_map("MEND_OIDC_GROUP_MAP")
MEND_OIDC_ENABLED = bool(MEND_OIDC_ISSUER)
# Off: sign-in only through the provider; the password form, password reset
# and password change answer 404, and no password is checked anywhere.
MEND_PASSWORD_LOGIN = _bool("MEND_PASSWORD_LOGIN", default=True)
if MEND_OIDC_ENABLED:
    OIDC_RP_CLIENT_ID = _required("MEND_OIDC_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _required("MEND_OIDC_CLIENT_SECRET")
    if not MEND_OIDC_ALLOWED_DOMAINS:
        _stop(
            "set MEND_OIDC_ALLOWED_DOMAINS to the email domains that may sign in "
            "(example.com,example.org)."
        )
    if not MEND_OIDC_GROUP_MAP:
        _stop("set MEND_OIDC_GROUP_MAP: without it nobody could sign in.")
elif not MEND_PASSWORD_LOGIN:
    _stop("MEND_PASSWORD_LOGIN=false needs single sign-on: set MEND_OIDC_ISSUER.")
# mozilla-django-oidc's own settings. State is always checked; the nonce and
# PKCE (S256) are switched on here: a stolen code or a replayed ID token is
# refused.
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_RP_SIGN_ALGO = _read("MEND_OIDC_SIGN_ALGO", env.str, default="RS256").strip()
OIDC_RP_SCOPES = "openid email profile"
OIDC_TIMEOUT = _read("MEND_OIDC_TIMEOUT", env.float, default=10.0)

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username/address before any password
    # check. It leaves the provider's callback alone (cases.accounts.lockout).
    "axes.backends.AxesStandaloneBackend",
]
if MEND_PASSWORD_LOGIN:
    AUTHENTICATION_BACKENDS.append("django.contrib.auth.backends.ModelBackend")
if MEND_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("cases.accounts.backends.ProviderBackend")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
]
# The API (cases/api): a personal token or the signed-in session; JSON only
# (the docs page is the browsable part); requests counted per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cases.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["cases.api.throttles.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", default="120/minute")},
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cases.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mend API",
    "DESCRIPTION": (
        "Log dropped balls and work recovery cases from other systems, with the "
        "same rules as Mend's pages. Authenticate with a personal token: "
        "`Authorization: Bearer mend_…` (Settings → API tokens)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Only for people signed in (a token or the session): it names the fields.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One name for each choice set the records share.
    "ENUM_NAME_OVERRIDES": {"StepEnum": "cases.choices.Step"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cases.api.schema.error_responses",
    ],
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A session ends after this long without a request, and SESSION_COOKIE_AGE
# (Django's default, two weeks) after signing in (cases/middleware.py).
SESSION_IDLE_TIMEOUT = timedelta(hours=_count("SESSION_IDLE_HOURS", default=8))

# The client's address: with N trusted proxies (load balancers) in front of
# Mend, the Nth hop from the right of X-Forwarded-For + REMOTE_ADDR. 0: no
# proxy, REMOTE_ADDR. AXES_PROXY_COUNT is the older name of the same setting.
TRUSTED_PROXY_COUNT = _read(
    "TRUSTED_PROXY_COUNT",
    env.int,
    default=_read("AXES_PROXY_COUNT", env.int, default=0),
)
if TRUSTED_PROXY_COUNT < 0:
    _stop(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")

# Login throttling: one username from one client address, and one address
# trying many usernames (cases/accounts/lockout.py). Axes without
# django-ipware reads REMOTE_ADDR only, which behind a load balancer is the
# balancer's: the address comes from cases.addresses instead.
AXES_FAILURE_LIMIT = _count("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = _count("AXES_ADDRESS_FAILURE_LIMIT", default=20)
if AXES_ADDRESS_FAILURE_LIMIT <= AXES_FAILURE_LIMIT:
    _stop("AXES_ADDRESS_FAILURE_LIMIT must be higher than AXES_FAILURE_LIMIT.")
AXES_COOLOFF_TIME = timedelta(
    minutes=_read("AXES_COOLOFF_MINUTES", env.int, default=15)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "cases.accounts.lockout.MendAxesHandler"
AXES_CLIENT_IP_CALLABLE = "cases.addresses.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cases.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_WHITELIST_CALLABLE = "cases.accounts.lockout.is_provider_callback"

# Password-reset requests served per client address and per email address
# entered, within the window (cases/accounts/services.py).
PASSWORD_RESET_ADDRESS_LIMIT = _count("PASSWORD_RESET_ADDRESS_LIMIT", default=10)
PASSWORD_RESET_ACCOUNT_LIMIT = _count("PASSWORD_RESET_ACCOUNT_LIMIT", default=3)
PASSWORD_RESET_WINDOW = timedelta(
    minutes=_count("PASSWORD_RESET_WINDOW_MINUTES", default=60)
)

# How long the author of a Done, Missed, Kept or Delivered may undo it
# themselves; after that only a sales manager may, with a reason.
UNDO_WINDOW = timedelta(minutes=_count("UNDO_MINUTES", default=10))

LANGUAGE_CODE = "en-us"
TIME_ZONE = _read("TIME_ZONE", env.str, default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Attached files (README, "Attachments"): a folder on this machine by
# default; S3-compatible storage (AWS, MinIO, Ceph, Scaleway...) when
# MEND_S3_BUCKET is set, so several web machines share them. Either way files
# are only served through the download view, which checks access: there is no
# MEDIA_URL route, and the bucket stays private (links expire).
MEDIA_ROOT = Path(_read("MEND_MEDIA_DIR", env.str, default="") or VAR_DIR / "media")
MEND_S3_BUCKET = _read("MEND_S3_BUCKET", env.str, default="").strip()
if MEND_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEND_S3_BUCKET,
            # Unset: AWS itself; else a compatible service's address.
            "endpoint_url": _read("MEND_S3_ENDPOINT_URL", env.str, default="") or None,
            "region_name": _read("MEND_S3_REGION", env.str, default="") or None,
            # Unset keys: boto3 finds its own (instance role, AWS_* variables).
            "access_key": _read("MEND_S3_ACCESS_KEY_ID", env.str, default="") or None,
            "secret_key": _read("MEND_S3_SECRET_ACCESS_KEY", env.str, default="")
            or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# The largest file one may attach; the upload route accepts a body this big
# (plus the form around it), every other route keeps MAX_REQUEST_BODY_KB.
MEND_ATTACHMENT_MAX_MB = _count("MEND_ATTACHMENT_MAX_MB", default=10)
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: printed to the console in development.
EMAIL_CONFIG = _read("EMAIL_URL", env.email_url, default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = _read(
    "DEFAULT_FROM_EMAIL", env.str, default="Mend <mend@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds to wait for the SMTP server: to connect, then for each answer. A
# server that hangs then costs seconds, not minutes, and the sender treats it
# as unavailable for the rest of its batch (Django's default is to wait forever).
EMAIL_CONNECT_TIMEOUT = _read("EMAIL_CONNECT_TIMEOUT", env.float, default=5.0)
EMAIL_TIMEOUT = _read("EMAIL_TIMEOUT", env.float, default=10.0)
for _name in ("EMAIL_CONNECT_TIMEOUT", "EMAIL_TIMEOUT"):
    if not vars()[_name] > 0:
        _stop(f"{_name} must be a number of seconds above 0.")
# Seconds a webhook or chat post waits to connect, then for the answer
# (cases.hooks.deliver): a receiver that hangs holds one worker process that
# long, and the post is retried later.
MEND_WEBHOOK_CONNECT_TIMEOUT = _read(
    "MEND_WEBHOOK_CONNECT_TIMEOUT", env.float, default=3.0
)
MEND_WEBHOOK_READ_TIMEOUT = _read("MEND_WEBHOOK_READ_TIMEOUT", env.float, default=5.0)
for _name in ("MEND_WEBHOOK_CONNECT_TIMEOUT", "MEND_WEBHOOK_READ_TIMEOUT"):
    if not vars()[_name] > 0:
        _stop(f"{_name} must be a number of seconds above 0.")
# Connections Mend opens to one SMTP server at once, across every worker
# (Exchange Online allows three).
EMAIL_MAX_CONNECTIONS = _count("EMAIL_MAX_CONNECTIONS", default=3)
# Absolute links in emails and the password-reset mail.
SITE_URL = _read("SITE_URL", env.str, default="http://127.0.0.1:8000").rstrip("/")

# Talking with the client (README, "Email with the client"). The company's
# name signs client emails and the public pages; client emails come from
# MEND_CLIENT_FROM_EMAIL. With MEND_REPLY_ADDRESS set (a mailbox that accepts
# plus addressing, replies@example.com), each case's emails carry a Reply-To
# of its own (replies+c12-3f9a0c1b2d4e@example.com) that the mailbox poller
# matches to the case; without it, replies go to the case owner's address.
MEND_COMPANY_NAME = _read("MEND_COMPANY_NAME", env.str, default="Mend demo company")
MEND_CLIENT_FROM_EMAIL = _read(
    "MEND_CLIENT_FROM_EMAIL", env.str, default=DEFAULT_FROM_EMAIL
)
MEND_REPLY_ADDRESS = _read("MEND_REPLY_ADDRESS", env.str, default="").strip()
if MEND_REPLY_ADDRESS and MEND_REPLY_ADDRESS.count("@") != 1:
    _stop("MEND_REPLY_ADDRESS must be one address, such as replies@example.com.")
# Public links (check-ins, the client's promise page) are signed with a key
# of their own, so rotating it ends every link without touching sessions.
# Derived from SECRET_KEY when unset (development); set it in production.
MEND_LINK_KEY = _read("MEND_LINK_KEY", env.str, default="")
# How long a link to the client's promise page works unless its sharer
# chooses otherwise (README, "The client's promise page").
MEND_PROMISE_PAGE_DAYS = _count("MEND_PROMISE_PAGE_DAYS", default=90)
if MEND_PROMISE_PAGE_DAYS > 366:
    _stop(
        "MEND_PROMISE_PAGE_DAYS must be 366 days or fewer, "
        f"not {MEND_PROMISE_PAGE_DAYS}."
    )

# Replies by email (README, "Replies by email"): the IMAP mailbox that
# MEND_REPLY_ADDRESS delivers to, polled every MEND_IMAP_POLL_SECONDS by
# beat. Unset host: no polling (the task returns at once).
MEND_IMAP_HOST = _read("MEND_IMAP_HOST", env.str, default="").strip()
MEND_IMAP_SSL = _read("MEND_IMAP_SSL", env.str, default="true").strip().lower()
if MEND_IMAP_SSL in {"1", "yes", "on"}:
    MEND_IMAP_SSL = "true"
elif MEND_IMAP_SSL in {"0", "no", "off"}:
    MEND_IMAP_SSL = "false"
if MEND_IMAP_SSL not in {"true", "false", "starttls"}:
    _stop(f"MEND_IMAP_SSL must be true, starttls or false, not {MEND_IMAP_SSL!r}.")
MEND_IMAP_PORT = _read(
    "MEND_IMAP_PORT", env.int, default=993 if MEND_IMAP_SSL == "true" else 143
)
MEND_IMAP_USER = _read("MEND_IMAP_USER", env.str, default="")
MEND_IMAP_PASSWORD = _read("MEND_IMAP_PASSWORD", env.str, default="")
MEND_IMAP_FOLDER = _read("MEND_IMAP_FOLDER", env.str, default="INBOX")
MEND_IMAP_POLL_SECONDS = _count("MEND_IMAP_POLL_SECONDS", default=60)
if MEND_IMAP_HOST:
    if not (MEND_IMAP_USER and MEND_IMAP_PASSWORD):
        _stop("MEND_IMAP_HOST is set: set MEND_IMAP_USER and MEND_IMAP_PASSWORD too.")
    # A password in clear over the network: only to a server on this machine.
    if (
        MEND_IMAP_SSL == "false"
        and not DEBUG
        and MEND_IMAP_HOST not in {"127.0.0.1", "localhost", "::1"}
    ):
        _stop("MEND_IMAP_SSL=false sends the password in clear: use true or starttls.")

# Check-ins (README, "Check-ins"): each affected contact is asked as the case
# closes and again MEND_CHECK_IN_AFTER_DAYS later; a check-in link works for
# MEND_CHECK_IN_LINK_DAYS from the email that carries it.
MEND_CHECK_IN_AFTER_DAYS = _count("MEND_CHECK_IN_AFTER_DAYS", default=90)
MEND_CHECK_IN_LINK_DAYS = _count("MEND_CHECK_IN_LINK_DAYS", default=30)

# The All cases list and the API's case list count the matching cases exactly
# up to this many, and say "more than" beyond: a count that reads every case
# would grow with the history, the page's rows do not.
MEND_LIST_COUNT_LIMIT = _count("MEND_LIST_COUNT_LIMIT", default=1000)

# The compensation guideline's global defaults; each team may override them.
# 5,000 of marketing for 50 new clients: a new client costs 100 to win.
COMPENSATION_DEFAULTS = {
    "marketing_spend": _read("GUIDELINE_MARKETING_SPEND", env.float, default=5000),
    "new_clients_won": _read("GUIDELINE_NEW_CLIENTS_WON", env.int, default=50),
    "average_client_value": _read(
        "GUIDELINE_AVERAGE_CLIENT_VALUE", env.float, default=20000
    ),
    "approval_threshold": _read(
        "COMPENSATION_APPROVAL_THRESHOLD", env.float, default=500
    ),
}

# The currency Mend's money is counted in (a three-letter code); a team may
# count in its own (Team.currency).
MEND_CURRENCY = _read("MEND_CURRENCY", env.str, default="EUR").strip().upper()
if not (len(MEND_CURRENCY) == 3 and MEND_CURRENCY.isalpha()):
    _stop(f"MEND_CURRENCY must be a three-letter code (EUR), not {MEND_CURRENCY!r}.")

# Celery: Redis in production; kombu's filesystem transport needs no server.
CELERY_BROKER_URL = _read("CELERY_BROKER_URL", env.str, default="filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # In and out must be the same folder, or producers and consumers miss each
    # other; and it must exist before the first message is written.
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Processes per worker. Sending mail mostly waits for the SMTP server, so a
# worker runs more sends than the machine has CPUs.
CELERY_WORKER_CONCURRENCY = _count("CELERY_WORKER_CONCURRENCY", default=4)
# How many send tasks run side by side when many messages fall due at once
# (they split the outbox rows between them, SKIP LOCKED).
OUTBOX_SENDERS = _count("OUTBOX_SENDERS", default=CELERY_WORKER_CONCURRENCY)
# Seconds a task may run: at the soft limit it stops where it is and puts back
# what it has not done; at the hard limit its process is replaced. A stalled
# run then cannot hold a worker process for long.
CELERY_TASK_SOFT_TIME_LIMIT = _count("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = _count(
    "CELERY_TASK_TIME_LIMIT", default=CELERY_TASK_SOFT_TIME_LIMIT + 30
)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    _stop("CELERY_TASK_TIME_LIMIT must be more than CELERY_TASK_SOFT_TIME_LIMIT.")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Security headers. The policy allows no inline script and no inline style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Request bodies: Mend takes no uploads, so no form needs more than this; a
# bigger body is refused with a 413 page (cases/middleware.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = _count("MAX_REQUEST_BODY_KB", default=1024) * 1024
# The one upload: a CRM export to import clients or contacts from (the
# "Import clients" page). Its route alone accepts a body this big.
MEND_IMPORT_MAX_MB = _count("MEND_IMPORT_MAX_MB", default=10)

# An import's progress is written by the worker and read by the page, from
# inside the import's one transaction (which no other connection sees), so it
# goes through a cache both reach: Redis when the broker is Redis, else a
# folder in var/ (`make run`, one machine). MEND_PROGRESS_CACHE_URL overrides.
_progress_default = (
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"filecache://{VAR_DIR / 'progress'}"
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": _read(
        "MEND_PROGRESS_CACHE_URL", env.cache_url, default=_progress_default
    ),
}

if not DEBUG:
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer probes /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = _read("SECURE_HSTS_SECONDS", env.int, default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host-: the browser keeps them only if Secure, for path / and this
    # host alone, so no subdomain can plant or overwrite them (ASVS 3.3.1).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if _bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = _read("CSRF_TRUSTED_ORIGINS", env.list, default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # urllib3 logs each request's path at DEBUG, and a chat webhook's path
    # is its secret: never below WARNING.
    "loggers": {"axes": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
}
