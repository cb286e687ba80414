"""Demo files: a credit note on a delivered compensation and a screenshot on
its case, attached through the service as the owner would."""

import datetime as dt
import struct
import zlib

from django.core.files.base import ContentFile

from cases.casework.services.attachments import attachment_add
from cases.models import Attachment, Compensation, TimelineEntry


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines` (ASCII), with a correct cross-reference."""
    text = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(f"({line}) '" for line in lines)
    stream = text + " ET"
    objects = [
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]"
        "/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        f"<</Length {len(stream)}>>stream\n{stream}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (
        f"trailer\n<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return out


def _pdf_text(line: str) -> str:
    line = line.encode("ascii", "replace").decode()
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _png(width: int = 240, height: int = 120) -> bytes:
    """A small bar chart, as a screenshot of an order tracker might look."""
    bars = [0.35, 0.6, 0.9, 0.5]
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            slot, inside = divmod(x, width // len(bars))
            tall = height - y <= bars[slot] * height
            row += b"\x0d\x6e\xfd" if tall and inside > 8 else b"\xf8\xf9\xfa"
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def seed_attachments() -> None:
    """Attach the demo's files once: to the first delivered compensation."""
    offer = (
        Compensation.objects.filter(delivered_on__isnull=False)
        .select_related("case__owner", "case__client")
        .order_by("case_id", "pk")
        .first()
    )
    if offer is None or Attachment.objects.filter(case=offer.case).exists():
        return
    case = offer.case
    note = _pdf(
        [
            f"Credit note for {case.client.name}",
            f"Case {case.pk}: {offer.description[:60]}",
            f"Delivered on {offer.delivered_on:%d %B %Y}",
        ]
    )
    added = [
        attachment_add(
            case_id=case.pk,
            by=case.owner,
            file=ContentFile(note, name="Credit note.pdf"),
            compensation_id=offer.pk,
        ),
        attachment_add(
            case_id=case.pk,
            by=case.owner,
            file=ContentFile(_png(), name="Order tracker, delivery dates.png"),
        ),
    ]
    # Dated as the owner would have attached them: once the offer was
    # delivered, before the case closed (the demo's story is in the past).
    at = (offer.delivered_at or offer.created_at) + dt.timedelta(minutes=20)
    if case.closed_at is not None:
        at = min(at, case.closed_at - dt.timedelta(minutes=5))
    for index, attachment in enumerate(added):
        when = at + dt.timedelta(minutes=index)
        Attachment.objects.filter(pk=attachment.pk).update(created_at=when)
        TimelineEntry.objects.filter(pk=attachment.entry_id).update(at=when)
