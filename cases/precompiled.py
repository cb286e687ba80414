"""Read queries compiled to SQL once per process, then run with a new value.

The case page reads a dozen small record tables by case id. For each one the
ORM spends two to three times longer building and compiling the SQL than the
database spends running it, and the SQL is the same every time but for the id.
A Precompiled query is built once with a marker in place of that id; each run
copies the compiled statement, puts the id where the marker was, and lets the
ORM turn rows into model instances as usual (select_related, field converters
and the queryset's own prefetch_related all still apply).

It returns a list, never a queryset: a queryset could be refined (.filter())
and would then still run the old SQL.
"""

import copy
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

# Never a real id (ids count up from 1), and fits a bigint column.
MARKER = -(2**62) + 2026


class Precompiled:
    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build
        self._compiled: dict[tuple[str, str], tuple] = {}

    def fetch(self, value: int, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
        queryset, compiler, sql, params, slots = self._compile(using)
        values = list(params)
        for slot in slots:
            values[slot] = value
        run = copy.copy(compiler)
        # The compiler holds the connection it was made with, which belongs to
        # the thread that compiled it first.
        run.connection = connections[using]
        run.as_sql = lambda *args, **kwargs: (sql, tuple(values))
        once = queryset._chain()
        once.query.get_compiler = lambda *args, **kwargs: run
        return list(once)

    def _compile(self, using: str) -> tuple:
        key = (using, connections[using].vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            queryset = self.build(MARKER).using(using)
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            slots = [i for i, param in enumerate(params) if param == MARKER]
            if not slots:
                raise ValueError(
                    f"{self.build!r} did not use its value in the query's parameters"
                )
            compiled = (queryset, compiler, sql, tuple(params), slots)
            # Two threads may both compile at first; either result is the same.
            self._compiled[key] = compiled
        return compiled
