"""Aggregates Django does not ship: the median, in the database on both backends."""

import statistics

from django.db.models import Aggregate


class Median(Aggregate):
    """The median of an expression (numbers or durations), NULLs ignored.

    PostgreSQL computes it with PERCENTILE_CONT; SQLite, the embedded default,
    with an aggregate function registered on each new connection (see apps).
    """

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # Attributes on a copy, not a template keyword: Aggregate.as_sql
        # passes its own template when there is a filter.
        median = self.copy()
        median.function = "MEND_MEDIAN"
        median.template = "%(function)s(%(expressions)s)"
        return median.as_sql(compiler, connection, **extra_context)


class _SQLiteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEND_MEDIAN", 1, _SQLiteMedian)
