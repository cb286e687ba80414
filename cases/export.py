"""CSV exports, streamed in chunks so a large export never sits in memory."""

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain

from django.http import StreamingHttpResponse
from django.utils import timezone

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number, such as -480.00: it stays a number, since it cannot run.
NUMBER = re.compile(r"-?\d+(\.\d+)?")
# A formula start after a separator or line break, with any spaces between:
# a spreadsheet splitting the cell on ";" or "|" (as many locales do), or a
# reader splitting lines, would run that part as a formula of its own.
FORMULA_INSIDE = re.compile(r"([,;|\t\r\n]\s*)(?=[=+\-@])")


def neutralise(value) -> str:
    """Make a cell safe to open in a spreadsheet: no formula can run.

    A quote before a formula start makes it text; numbers are left as they are.
    """
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    if NUMBER.fullmatch(text):
        return text
    text = FORMULA_INSIDE.sub(r"\1'", text)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_stream(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


# The UTF-8 byte-order mark: without it Excel reads the file in the
# computer's legacy code page, and "Société" comes out as "SociÃ©tÃ©".
BOM = "\ufeff"


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]):
    response = StreamingHttpResponse(
        chain([BOM], csv_stream(header, rows)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
