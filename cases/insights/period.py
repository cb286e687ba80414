"""The period insights look at, and the one of the same length before it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from cases.validators import EARLIEST_DAY, LATEST_DAY

DASH = "\u2013"
# Periods are clamped to the dates Mend records, with room for the period
# before the earliest one, so no arithmetic on them leaves Python's calendar.
FLOOR = EARLIEST_DAY.replace(year=EARLIEST_DAY.year - 10)
CEILING = LATEST_DAY


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self):
        start = min(max(self.start, FLOOR), CEILING)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", min(max(self.end, start), CEILING))

    @classmethod
    def last(cls, days: int, today: dt.date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "Period":
        return Period(
            self.start - dt.timedelta(days=self.days),
            self.start - dt.timedelta(days=1),
        )

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The first moment of the period and the first moment after it."""
        return _midnight(self.start), _midnight(self.end + dt.timedelta(days=1))

    def moments(self, field: str) -> Q:
        """A range on a date-time column, in a form its index can serve."""
        start, after = self.bounds
        return Q(**{f"{field}__gte": start, f"{field}__lt": after})

    def dates(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.end})

    @property
    def span(self) -> "Period":
        """This period and the previous one together."""
        return Period(self.previous.start, self.end)

    def __str__(self) -> str:
        if self.start.year == self.end.year:
            return f"{self.start:%-d %b} {DASH} {self.end:%-d %b %Y}"
        return f"{self.start:%-d %b %Y} {DASH} {self.end:%-d %b %Y}"
