"""Reading a CRM export: CSV or XLSX bytes into rows under Mend's own column
names, or one clear sentence on why the file cannot be read.

Salesforce and HubSpot name their columns their own way ("Account Name",
"Company name"); each is mapped to one canonical column here (ALIASES), so
the resources in cases.imports.resources see one shape whatever the CRM.
Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import tablib

from cases.choices import ImportKind
from cases.querysets import normal_name

# The canonical columns, in the order the docs list them, and the headers
# each is known by (compared with case, spaces, dots and underscores ignored;
# see _header_key). The canonical name itself is always accepted too.
ALIASES: dict[str, dict[str, list[str]]] = {
    ImportKind.CLIENTS: {
        # Salesforce Account "Id"; HubSpot company "Record ID".
        "external_id": ["Id", "Account ID", "Record ID", "Company ID", "CRM id"],
        "name": ["Account Name", "Company name", "Company", "Client", "Name"],
        "annual_value": ["AnnualRevenue", "Annual Revenue", "Annual value"],
        # Salesforce reports write "Account Owner"; a Data Loader export can
        # take the owner's email as Owner.Email. HubSpot: "Company owner".
        "owner": [
            "Owner",
            "Account Owner",
            "Owner Name",
            "Owner.Name",
            "Owner Email",
            "Owner.Email",
            "Company owner",
        ],
        "team": ["Team"],
    },
    ImportKind.CONTACTS: {
        "external_id": ["Id", "Contact ID", "Record ID", "CRM id"],
        # The client the person works at: by its CRM id, else by its name.
        "client_id": [
            "AccountId",
            "Account ID",
            "Associated Company IDs",
            "Associated Company ID",
            "Associated Company IDs (Primary)",
            "Company ID",
            "Client CRM id",
        ],
        "client": [
            "Account Name",
            "Account.Name",
            "Company name",
            "Associated Company",
            "Company",
            "Client",
        ],
        "first_name": ["FirstName", "First Name"],
        "last_name": ["LastName", "Last Name"],
        "name": ["Name", "Full Name", "Contact Name"],
        "email": ["Email", "Email Address"],
        "phone": ["Phone", "Phone Number"],
        "role": ["Title", "Job Title", "Role"],
        "team": ["Team"],
    },
}

# What each kind cannot do without: a list of alternatives, any one of which
# will do ("name", or both "first_name" and "last_name").
REQUIRED: dict[str, list[list[str]]] = {
    ImportKind.CLIENTS: [["name"]],
    ImportKind.CONTACTS: [["name", "last_name"], ["client_id", "client"]],
}
LABELS = {
    "external_id": "CRM id",
    "name": "name",
    "annual_value": "annual value",
    "owner": "owner",
    "team": "team",
    "client_id": "client CRM id",
    "client": "client",
    "first_name": "first name",
    "last_name": "last name",
    "email": "email",
    "phone": "phone",
    "role": "job title",
}
REPEATS_SHOWN = 5


def column_help() -> list[tuple[str, list[tuple[str, str, list[str]]]]]:
    """For the page: each kind's columns, whether required ("required", or
    "required, or last name"), and the headers each is known by."""
    helps = []
    for kind in (ImportKind.CLIENTS, ImportKind.CONTACTS):
        needed = {}
        for choices in REQUIRED[kind]:
            for name in choices:
                others = [LABELS[o] for o in choices if o != name]
                needed[name] = "required" + "".join(f", or {o}" for o in others)
        columns = [
            (LABELS[name], needed.get(name, ""), [name, *aliases])
            for name, aliases in ALIASES[kind].items()
        ]
        helps.append((str(kind.label).lower(), columns))
    return helps


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why and what
    to do, in words for the person who uploaded it."""


@dataclass
class Sheet:
    """The rows of a file under canonical column names (every column of the
    kind, "" where the file has none), each with its row number in the file
    as a spreadsheet shows it (the header is row 1)."""

    kind: str
    dataset: tablib.Dataset
    ignored: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def read_file(content: bytes, *, kind: str, file_name: str = "") -> Sheet:
    """The file's rows; FileProblem for anything that stops the whole file:
    not CSV or XLSX, not UTF-8, a missing required column, the same CRM id
    (or, without ids, the same name) on two rows."""
    grid = _grid(content, file_name)
    grid = [(number, row) for number, row in grid if any(c.strip() for c in row)]
    if not grid:
        raise FileProblem("The file is empty: there is not even a header row.")
    header_number, header = grid[0]
    mapping, ignored = _map_headers(kind, header)
    _check_required(kind, mapping, header)
    canonical = list(ALIASES[kind])
    dataset = tablib.Dataset(headers=["line", *canonical])
    for number, row in grid[1:]:
        cells = {name: "" for name in canonical}
        for index, name in mapping.items():
            if index < len(row):
                cells[name] = row[index].strip()
        dataset.append([number, *cells.values()])
    if not len(dataset):
        raise FileProblem(
            f"The file has a header row (row {header_number}) but no rows under it."
        )
    _check_repeats(kind, dataset)
    return Sheet(
        kind=kind,
        dataset=dataset,
        ignored=ignored,
        columns=sorted(set(mapping.values())),
    )


def check_format(content: bytes) -> None:
    """FileProblem unless the bytes are UTF-8 text or an XLSX workbook, by
    what they are, not by the name's extension. Cheap enough for the upload
    itself; the columns and rows are checked by the preview."""
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return
        except zipfile.BadZipFile:
            pass
        raise FileProblem(_NOT_XLSX)
    _refuse_binary(content)
    _decode(content)


_NOT_XLSX = (
    "This is a ZIP archive but not an Excel workbook (.xlsx). Upload the "
    "CRM's export as CSV or XLSX."
)


def _grid(content: bytes, file_name: str) -> list[tuple[int, list[str]]]:
    """(row number, cells as text) for every row of the file, by what the
    bytes are, not by the name's extension."""
    if content.startswith(b"PK\x03\x04"):
        return _xlsx_grid(content)
    _refuse_binary(content)
    return _csv_grid(_decode(content))


def _refuse_binary(content: bytes) -> None:
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "This is an old Excel workbook (.xls). Save it as an Excel "
            "workbook (.xlsx) or as CSV UTF-8, then upload that."
        )
    if content.startswith(b"%PDF"):
        raise FileProblem("This is a PDF. Upload the CRM's CSV or XLSX export.")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            "The file is UTF-16 text (Excel's “Unicode Text”). Save it as "
            "CSV UTF-8 (comma delimited) and upload that."
        )
    if b"\x00" in content[:4096]:
        raise FileProblem(
            "This is not a CSV or XLSX file (it holds binary data). Upload the "
            "CRM's export as CSV or XLSX."
        )


def _decode(content: bytes) -> str:
    """UTF-8, with or without Excel's byte-order mark. Anything else is
    refused rather than guessed: Windows-1252 decodes almost any bytes, so a
    guess would write garbled names into every client without a word."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        byte = content[exc.start]
        raise FileProblem(
            f"The file is not UTF-8 text: row {line} has the byte 0x{byte:02X}, "
            "which UTF-8 does not use there (a Windows or Mac export in an older "
            "encoding). Save it again as CSV UTF-8 (Excel: File → Save As → "
            "“CSV UTF-8 (Comma delimited)”) and upload that."
        ) from None


def _csv_grid(text: str) -> list[tuple[int, list[str]]]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        # Spreadsheet numbering: the first record is row 1.
        return [(number, row) for number, row in enumerate(reader, 1)]
    except csv.Error as exc:
        raise FileProblem(
            f"The file is not readable as CSV near row {reader.line_num}: {exc}."
        ) from None


def _xlsx_grid(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        book = tablib.Dataset().load(io.BytesIO(content), format="xlsx", headers=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise FileProblem(_NOT_XLSX) from None
    return [(number, [_cell(c) for c in row]) for number, row in enumerate(book, 1)]


def _cell(value) -> str:
    """An XLSX cell as the text a CSV export would have."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _header_key(text: str) -> str:
    for mark in "._-":
        text = text.replace(mark, " ")
    return normal_name(text).replace(" ", "")


def _map_headers(kind: str, header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> canonical name, and the headers Mend does not use.
    The first column known by a name wins; a later one is ignored."""
    known = {}
    for canonical, aliases in ALIASES[kind].items():
        for alias in [canonical, *aliases]:
            known.setdefault(_header_key(alias), canonical)
    mapping: dict[int, str] = {}
    ignored = []
    for index, text in enumerate(header):
        canonical = known.get(_header_key(text))
        if canonical is None or canonical in mapping.values():
            if text.strip():
                ignored.append(text.strip())
            continue
        mapping[index] = canonical
    return mapping, ignored


def _check_required(kind: str, mapping: dict[int, str], header: list[str]) -> None:
    present = set(mapping.values())
    missing = []
    for choices in REQUIRED[kind]:
        if not present & set(choices):
            missing.append(" or ".join(_with_aliases(kind, c) for c in choices))
    if missing:
        found = ", ".join(f"“{h.strip()}”" for h in header if h.strip()) or "none"
        raise FileProblem(
            f"The file lacks a required column: {'; '.join(missing)}. Its "
            f"header row has {found}. Check that the first row holds the column "
            "names and that this is a "
            f"{'clients' if kind == ImportKind.CLIENTS else 'contacts'} file."
        )


def _with_aliases(kind: str, canonical: str) -> str:
    names = [canonical, *ALIASES[kind][canonical][:3]]
    return f"{LABELS[canonical]} ({', '.join(names)})"


def _check_repeats(kind: str, dataset: tablib.Dataset) -> None:
    """The same CRM id on two rows, or (rows without one) the same client or
    person twice: the preview could not say which row wins."""
    ids: dict[str, list[int]] = {}
    names: dict[tuple, list[int]] = {}
    for row in dataset.dict:
        if row["external_id"]:
            ids.setdefault(row["external_id"], []).append(row["line"])
        elif kind == ImportKind.CLIENTS:
            key = (normal_name(row["team"]), normal_name(row["name"]))
            if key[1]:
                names.setdefault(key, []).append(row["line"])
        else:
            person = normal_name(
                row["name"] or f"{row['first_name']} {row['last_name']}"
            )
            at = normal_name(row["client_id"] or row["client"])
            if person:
                names.setdefault((normal_name(row["team"]), at, person), []).append(
                    row["line"]
                )
    repeated_ids = [(k, v) for k, v in ids.items() if len(v) > 1]
    if repeated_ids:
        raise FileProblem(
            "The same CRM id is on more than one row: "
            + _repeats(repeated_ids, lambda k: f"id {k}")
            + ". Each client or person may appear once; remove the repeats and "
            "upload the file again."
        )
    repeated_names = [(k, v) for k, v in names.items() if len(v) > 1]
    if repeated_names:
        raise FileProblem(
            "The same name, without a CRM id, is on more than one row: "
            + _repeats(repeated_names, lambda k: f"“{k[-1]}”")
            + ". Give each row its CRM id, or remove the repeats."
        )


def _repeats(found: list, label) -> str:
    parts = [
        f"{label(key)} on rows {', '.join(map(str, lines))}"
        for key, lines in found[:REPEATS_SHOWN]
    ]
    more = len(found) - REPEATS_SHOWN
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
