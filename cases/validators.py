"""What any typed value must respect, whatever form, model or API it comes
through: dates in a range where date arithmetic and time zones always work, and
text without control characters."""

import datetime as dt
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# Nothing Mend records happened before 2000 or is due after 2099. Outside this
# range a date is a typo (year 1, year 9999), and near the ends of Python's
# calendar shifting it into a time zone or adding hours to it overflows.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)
TOO_EARLY = (
    "A date before 2000 cannot be right here: check the year. "
    "Enter a date on or after 1 January 2000."
)
TOO_LATE = "Enter a date on or before 31 December 2099."
OUT_OF_RANGE = "Enter a date between 1 January 2000 and 31 December 2099."

# The same range for moments, wide enough for those days in every time zone
# (UTC+14 to UTC-12), so a form that checks the day as typed in the user's zone
# never lets through a moment the model or database would refuse.
EARLIEST_MOMENT = dt.datetime(1999, 12, 31, 10, 0, tzinfo=dt.UTC)
LATEST_MOMENT = dt.datetime(2100, 1, 1, 12, 0, tzinfo=dt.UTC)


def validate_day(value: dt.date) -> None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if value < EARLIEST_DAY:
        raise ValidationError(TOO_EARLY, code="too_early")
    if value > LATEST_DAY:
        raise ValidationError(TOO_LATE, code="too_late")


def validate_moment(value: dt.datetime) -> None:
    """The model's check: the moment itself, the same in every time zone."""
    if timezone.is_naive(value):
        validate_day(value)
        return
    if value < EARLIEST_MOMENT:
        raise ValidationError(TOO_EARLY, code="too_early")
    if value > LATEST_MOMENT:
        raise ValidationError(TOO_LATE, code="too_late")


def validate_typed_moment(value: dt.datetime) -> None:
    """A form's check: the day as the user typed it, in their time zone."""
    validate_moment(value)
    if timezone.is_aware(value):
        validate_day(timezone.localtime(value))


def day_attrs() -> dict[str, str]:
    """min and max for an <input type="date">."""
    return {"min": EARLIEST_DAY.isoformat(), "max": LATEST_DAY.isoformat()}


def moment_attrs() -> dict[str, str]:
    """min and max for an <input type="datetime-local">."""
    return {"min": f"{EARLIEST_DAY.isoformat()}T00:00", "max": f"{LATEST_DAY}T23:59"}


# Below space, and DEL: invisible, and a CR or LF in a name splits the lines of
# an email header, a CSV row or a log line.
CONTROL = frozenset(map(chr, [*range(0x20), 0x7F]))
# Text areas keep their line breaks and tabs.
MULTILINE_ALLOWED = frozenset("\n\r\t")


@deconstructible
class NoControlCharacters:
    """Refuse control characters; `multiline` allows line breaks and tabs."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        refused = CONTROL - MULTILINE_ALLOWED if self.multiline else CONTROL
        if any(char in refused for char in value):
            if self.multiline:
                message = (
                    "Remove the invisible control characters (pasted from another "
                    "program?); line breaks are fine."
                )
            else:
                message = (
                    "Keep this on one line, without line breaks, tabs or other "
                    "invisible control characters."
                )
            raise ValidationError(message, code="control_characters")

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, NoControlCharacters) and other.multiline == self.multiline
        )


single_line = NoControlCharacters()
multiline = NoControlCharacters(multiline=True)

# For model fields: `validators=DAY_RANGE` and so on.
DAY_RANGE = [validate_day]
MOMENT_RANGE = [validate_moment]
SINGLE_LINE = [single_line]


def day_in_range(field: str, name: str) -> models.CheckConstraint:
    """The database's own check of the range, for a column a user types."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__range": (EARLIEST_DAY, LATEST_DAY)}),
        name=name,
        violation_error_message=OUT_OF_RANGE,
    )


def moment_in_range(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__range": (EARLIEST_MOMENT, LATEST_MOMENT)}),
        name=name,
        violation_error_message=OUT_OF_RANGE,
    )


# A commitment is seldom promised for a date long before the team hears it was
# missed; two years before is a typed year, not a late discovery.
PROMISED_YEARS_BEFORE = 2


def promised_too_early(promised_on: dt.date | None, detected_on: dt.date | None):
    """The message for a promised date that cannot be right, else None."""
    if promised_on is None or detected_on is None:
        return None
    try:
        limit = detected_on.replace(year=detected_on.year - PROMISED_YEARS_BEFORE)
    except ValueError:  # 29 February
        limit = detected_on.replace(
            year=detected_on.year - PROMISED_YEARS_BEFORE, day=28
        )
    if promised_on >= limit:
        return None
    return (
        f"The promised date is more than {PROMISED_YEARS_BEFORE} years before we "
        f"found out ({detected_on.day} {detected_on:%B %Y}): check the year."
    )


def limit_text(limit: int) -> str:
    """How a text field says its limit (the counter in mend.js counts to it)."""
    return f"{limit:,} characters at most."


@deconstructible
class TextLimit:
    """Refuse a text over its limit, saying how long it is and by how much."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, value) -> None:
        if not isinstance(value, str) or len(value) <= self.limit:
            return
        over = len(value) - self.limit
        raise ValidationError(
            f"This can be at most {self.limit:,} characters; it has {len(value):,}. "
            f"Shorten it by {over:,}; what you typed is kept.",
            code="max_length",
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, TextLimit) and other.limit == self.limit


# Where Mend may post without TLS: this machine only (a receiver in
# development or in the tests). Anything else must be HTTPS, so the signed
# payload and a chat webhook's secret path never cross a network in clear.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def validate_outbound_url(value: str) -> None:
    """An address Mend posts to (a webhook endpoint, a Slack or Teams
    webhook): https://, or http:// to this machine."""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        raise ValidationError(
            "Enter the full address, starting with https://.", code="not_url"
        )
    if parts.username or parts.password:
        raise ValidationError(
            "Leave the user name and password out of the address.", code="userinfo"
        )
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise ValidationError(
            "Use an https:// address: plain http:// is only for a receiver on "
            "this machine (localhost).",
            code="not_https",
        )
