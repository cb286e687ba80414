"""Read queries compiled to SQL once per process, then run with new values.

The case page reads the case and a dozen small record tables by id. For each
one the ORM spends two to three times longer building and compiling the SQL
than the database spends running it, and the SQL is the same every time but
for the ids. A Precompiled query is built once with markers in place of those
ids; each run copies the compiled statement, puts the ids where the markers
were, and lets the ORM turn rows into model instances as usual
(select_related, annotations, field converters and the queryset's own
prefetch_related all still apply).

It returns a list, never a queryset: a queryset could be refined (.filter())
and would then still run the old SQL.
"""

import copy
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

# Never real ids (ids count up from 1), and they fit a bigint column.
MARKERS = [-(2**62) + 2026 + n for n in range(4)]
BIGGEST_ID = 2**63 - 1


class Precompiled:
    def __init__(self, build: Callable[..., QuerySet]):
        """`build(*ids)` returns the queryset; it is called once, with markers."""
        self.build = build
        self._compiled: dict[tuple[str, str, int], tuple] = {}

    def fetch(self, *ids: int, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
        if not all(BIGGEST_ID >= value >= -BIGGEST_ID for value in ids):
            return []  # no row has it, as the ORM answers; the driver would fail
        queryset, compiler, sql, params, slots = self._compile(using, len(ids))
        values = list(params)
        for slot, number in slots:
            values[slot] = ids[number]
        run = copy.copy(compiler)
        # The compiler holds the connection it was made with, which belongs to
        # the thread that compiled it first.
        run.connection = connections[using]
        run.as_sql = lambda *args, **kwargs: (sql, tuple(values))
        once = queryset._chain()
        once.query.get_compiler = lambda *args, **kwargs: run
        return list(once)

    def _compile(self, using: str, count: int) -> tuple:
        key = (using, connections[using].vendor, count)
        compiled = self._compiled.get(key)
        if compiled is None:
            markers = MARKERS[:count]
            queryset = self.build(*markers).using(using)
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            slots = [
                (slot, markers.index(param))
                for slot, param in enumerate(params)
                if param in markers
            ]
            if not slots or any(str(marker) in sql for marker in markers):
                raise ValueError(
                    f"{self.build!r} must pass its ids to the database as "
                    "parameters; it used none, or wrote one into the SQL"
                )
            compiled = (queryset, compiler, sql, tuple(params), slots)
            # Two threads may both compile at first; either result is the same.
            self._compiled[key] = compiled
        return compiled
