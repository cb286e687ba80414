"""The case list's text search: one stored column per case, kept by the writers.

Case.search_text holds the client's name, the commitment and what happened,
folded (lower case; on PostgreSQL without accents, so "muller" finds
"Müller"). A search word is folded by the same SQL and looked for as a
substring of that one column, which a trigram index (pg_trgm, migration 0041)
answers on PostgreSQL without reading every case. SQLite reads the column in
full: a small database.

Every service that changes one of those texts, or a client's name, calls
search_text_refresh on the cases concerned, in its own transaction. The
refresh is one UPDATE over a set of cases, whatever its size.
"""

import re

from django.db.models import F, Func, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Concat

from cases.models.cases import Case
from cases.models.clients import Client

# A word of digits (or "#" and digits) is also a case number; longer ones
# cannot be an id.
CASE_NUMBER = re.compile(r"#?(\d{1,15})")


class Folded(Func):
    """Text as search compares it: lower case and, on PostgreSQL, unaccented
    (mend_search_fold, made by migration 0041: lower(unaccent()), declared
    immutable so that a folded search word is a constant the planner reads)."""

    function = "LOWER"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="mend_search_fold", **extra)


def search_source() -> Folded:
    """What a case's search_text is made of, as SQL over its own row."""
    client_name = Client.objects.filter(pk=OuterRef("client_id")).values("name")[:1]
    # A newline between the texts: a search word has no spaces, so it never
    # matches across two of them.
    return Folded(
        Concat(
            Subquery(client_name),
            Value("\n"),
            F("commitment"),
            Value("\n"),
            F("what_happened"),
            output_field=TextField(),
        )
    )


def search_text_refresh(cases: QuerySet) -> int:
    """Recompute the search text of `cases` (a Case queryset) in one UPDATE;
    how many rows it touched."""
    return cases.order_by().update(search_text=search_source())


def search_text_refresh_for_clients(client_ids) -> int:
    """Every case of these clients, after a rename."""
    return search_text_refresh(Case.objects.filter(client_id__in=client_ids))


def search_word(word: str) -> Q:
    """The cases one search word finds: a substring of the folded texts, or,
    for a number such as 1042 or #1042, that case itself."""
    found = Q(search_text__contains=Folded(Value(word)))
    number = CASE_NUMBER.fullmatch(word)
    if number:
        found |= Q(pk=int(number.group(1)))
    return found
