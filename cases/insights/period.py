"""The period insights look at, and the one of the same length before it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

DASH = "\u2013"


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

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
