"""Files on a case: checked on their content, stored through Django's storage
API (a local folder or S3-compatible storage, see settings.STORAGES), and
recorded on the timeline.

The type is read from the file's first bytes with `filetype` (pure Python:
no libmagic to install on every machine), never from its name or from what
the browser says; text, which has no signature, is recognised by decoding it.
"""

import codecs
import datetime as dt
import hashlib
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from cases.casework.services.rows import case_lock
from cases.casework.services.submissions import submission_claim
from cases.casework.services.timeline import timeline_record
from cases.choices import TimelineKind
from cases.exceptions import MendError, NotAllowed
from cases.models import Attachment, Case, User

# What may be attached: content type -> (what to call it, the extensions a
# name may have for it; the first is given to a name without one). Office's
# old binary formats (.doc, .xls) are left out: they carry macros unseen.
ACCEPTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": ("a PDF", ("pdf",)),
    "image/png": ("a PNG image", ("png",)),
    "image/jpeg": ("a JPEG image", ("jpg", "jpeg", "jpe", "jfif")),
    "image/gif": ("a GIF image", ("gif",)),
    "image/webp": ("a WebP image", ("webp",)),
    "text/plain": ("plain text", ("txt", "text", "log", "md", "eml")),
    "text/csv": ("a CSV table", ("csv", "tsv")),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "a Word document",
        ("docx",),
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "an Excel workbook",
        ("xlsx",),
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "a PowerPoint presentation",
        ("pptx",),
    ),
    "application/vnd.oasis.opendocument.text": ("an OpenDocument text", ("odt",)),
    "application/vnd.oasis.opendocument.spreadsheet": (
        "an OpenDocument spreadsheet",
        ("ods",),
    ),
    "application/vnd.oasis.opendocument.presentation": (
        "an OpenDocument presentation",
        ("odp",),
    ),
}
ACCEPTED_WORDS = (
    "PDFs, images (PNG, JPEG, GIF, WebP), plain text and CSV, and Word, Excel, "
    "PowerPoint and OpenDocument files"
)
# What some refused contents are, to say so plainly.
KNOWN_REFUSED = {
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program",
    "application/zip": "a ZIP archive",
    "application/msword": "an old-style Word document (.doc)",
    "application/vnd.ms-excel": "an old-style Excel workbook (.xls)",
}
# Control characters never found in text (tab, newlines and form feed are).
_NOT_TEXT = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"
# Characters kept out of a file's name: path separators, the ones Windows
# refuses, and quotes that would end a Content-Disposition value.
_UNSAFE_IN_NAME = set('<>:"/\\|?*;') | {chr(c) for c in range(32)} | {"\x7f"}
NAME_LENGTH = Attachment._meta.get_field("name").max_length
# The storage folder of every case's files (models.attachments.attachment_path).
ROOT = "attachments"


class AttachmentRefused(ValidationError, MendError):
    """A file Mend does not take (too big, empty, of a refused type); nothing
    was stored. A ValidationError for forms and callers such as the mailbox
    poller; a MendError, so the case page shows it as any refusal."""

    def __str__(self) -> str:
        return self.messages[0]


def max_bytes() -> int:
    return settings.MEND_ATTACHMENT_MAX_MB * 1024 * 1024


@dataclass(frozen=True)
class Checked:
    """What the content of an accepted file says about it."""

    name: str
    size: int
    content_type: str
    sha256: str
    extension: str


def safe_name(name: str) -> str:
    """The file's own name, without folders, control or path characters,
    and short enough to store; "file" when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if ch in _UNSAFE_IN_NAME else ch for ch in name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > NAME_LENGTH:
        suffix = PurePath(name).suffix[:12]
        name = name[: NAME_LENGTH - len(suffix)].rstrip(" .") + suffix
    return name or "file"


def _is_text(file) -> bool:
    """Whether the whole content is text: UTF-8 (with or without a BOM), or
    else Windows-1252 as spreadsheets often export CSV, without control bytes."""
    decoders = [
        codecs.getincrementaldecoder("utf-8-sig")(),
        codecs.getincrementaldecoder("cp1252")(),
    ]
    for chunk in file.chunks():
        if len(chunk.translate(None, _NOT_TEXT)) != len(chunk):
            return False
        decoders = [d for d in decoders if _decodes(d, chunk)]
        if not decoders:
            return False
    return any(_decodes(d, b"", final=True) for d in decoders)


def _decodes(decoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _sniff(file, extension: str) -> str:
    """The content type read from the content; "" for text, "?" when unknown."""
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if _is_text(file):
        return "text/csv" if extension in ACCEPTED["text/csv"][1] else "text/plain"
    return "?"


def attachment_check(file) -> Checked:
    """Check a file before anything is stored: not empty, not over
    MEND_ATTACHMENT_MAX_MB, an accepted type by its content, and a name that
    does not claim another type. Raises AttachmentRefused saying why."""
    name = safe_name(getattr(file, "name", "") or "")
    size = file.size
    limit = max_bytes()
    if not size:
        raise AttachmentRefused(f"“{name}” is empty: there is nothing to attach.")
    if size > limit:
        raise AttachmentRefused(
            f"“{name}” is {filesizeformat(size)}; a file may be at most "
            f"{settings.MEND_ATTACHMENT_MAX_MB} MB. Nothing was attached."
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    content_type = _sniff(file, extension)
    if content_type not in ACCEPTED:
        what = KNOWN_REFUSED.get(content_type, "a kind of file Mend does not take")
        raise AttachmentRefused(
            f"“{name}” holds {what}, whatever its name says. Mend takes "
            f"{ACCEPTED_WORDS}. Nothing was attached."
        )
    words, extensions = ACCEPTED[content_type]
    if not extension or not PurePath(name).stem:
        name = safe_name(f"{name}.{extensions[0]}")
        extension = extensions[0]
    elif extension not in extensions:
        raise AttachmentRefused(
            f"“{name}” is named as a .{extension} file but holds {words}. Rename "
            f"it to .{extensions[0]}, or attach the file you meant. Nothing was "
            "attached."
        )
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return Checked(name, size, content_type, digest.hexdigest(), extension)


def _subject_text(contact, compensation) -> str:
    if contact is not None:
        return f" to {contact}"
    if compensation is not None:
        return f" to the compensation “{compensation.description}”"
    return ""


def attachment_add(
    *,
    case_id: int,
    by: User | None,
    file,
    contact_id: int | None = None,
    compensation_id: int | None = None,
    entry_id: int | None = None,
    submission_key: uuid.UUID | None = None,
) -> Attachment:
    """Attach `file` (an UploadedFile, or a django File such as ContentFile
    with a name) to a case, and optionally to one of its client's contacts or
    one of its compensations.

    `by` is who attached it; None for a file that came with a client's email,
    which then hangs on that email's timeline entry (`entry_id`, an entry of
    this case) and shows there. Without `entry_id` a "File attached" entry is
    recorded and the file hangs on it. With `entry_id`, the same content on
    the same entry is returned as it is (a message read twice attaches its
    files once).

    Raises AttachmentRefused (a ValidationError) for a file Mend does not take,
    NotAllowed for the same file attached twice to the same thing, and
    Case.DoesNotExist (or the record's DoesNotExist) for a case `by` may not
    work on or a record of another case. Nothing is half-saved: the content is
    checked before anything is stored, and a stored file whose row then fails
    is deleted again.
    """
    checked = attachment_check(file)
    stored = ""
    try:
        with transaction.atomic():
            attachment = _record(
                case_id=case_id,
                by=by,
                checked=checked,
                contact_id=contact_id,
                compensation_id=compensation_id,
                entry_id=entry_id,
                submission_key=submission_key,
            )
            if attachment.pk is not None:
                return attachment  # already there (a message read twice)
            file.seek(0)
            attachment.file.save(
                f"{uuid.uuid4().hex}.{checked.extension}", file, save=False
            )
            stored = attachment.file.name
            attachment.save()
    except BaseException:
        # The row is gone with the transaction: so must the file be.
        if stored:
            default_storage.delete(stored)
        raise
    return attachment


def _record(
    *, case_id, by, checked, contact_id, compensation_id, entry_id, submission_key
) -> Attachment:
    """The attachment's row, checked against the case, with its timeline
    entry; not saved yet (its file is stored first). Returned saved when the
    same content already hangs on `entry_id`."""
    if by is None:
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("team", "client")
            .get(pk=case_id)
        )
    else:
        case = case_lock(case_id=case_id, by=by)
    if contact_id is not None and compensation_id is not None:
        raise NotAllowed("Attach a file to a contact or to a compensation, not both.")
    contact = compensation = entry = None
    if contact_id is not None:
        contact = case.client.contacts.get(pk=contact_id)
    if compensation_id is not None:
        compensation = case.compensations.get(pk=compensation_id)
    same = case.attachments.filter(
        sha256=checked.sha256, contact=contact, compensation=compensation
    )
    if entry_id is not None:
        entry = case.timeline.get(pk=entry_id)
        earlier = same.filter(entry=entry).first()
        if earlier is not None:
            return earlier
    else:
        earlier = same.select_related("uploaded_by").first()
        if earlier is not None:
            raise NotAllowed(
                f"That file is already attached{_subject_text(contact, compensation)}"
                f" as “{earlier.name}” ({earlier.created_at:%d %b %Y}): nothing "
                "was added."
            )
    submission_claim(submission_key)
    if entry is None:
        entry = timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.ATTACHMENT_ADDED,
            summary=f"Attached “{checked.name}”{_subject_text(contact, compensation)}.",
        )
    return Attachment(
        case=case,
        contact=contact,
        compensation=compensation,
        entry=entry,
        name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        uploaded_by=by,
    )


@transaction.atomic
def attachment_remove(*, case_id: int, by: User, attachment_id: int) -> Attachment:
    """Take a file off a case (attached by mistake, or not to be kept). The
    timeline says who removed which file; the stored file is deleted once the
    removal is committed, so a rollback loses nothing."""
    case = case_lock(case_id=case_id, by=by)
    attachment = (
        case.attachments.select_for_update(of=("self",))
        .select_related("contact", "compensation")
        .get(pk=attachment_id)
    )
    subject = _subject_text(attachment.contact, attachment.compensation)
    subject = subject.replace(" to ", " from ", 1)
    stored = attachment.file.name
    attachment.delete()
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.ATTACHMENT_REMOVED,
        summary=f"Removed the file “{attachment.name}”{subject}.",
    )
    transaction.on_commit(lambda: default_storage.delete(stored))
    return attachment


def attachments_orphans_sweep(*, older_than: dt.timedelta, delete: bool) -> list[str]:
    """Stored files no attachment row names: left by a caller's own
    transaction that stored files through attachment_add and then rolled
    back (Django has no hook on rollback). Only files older than
    `older_than` count, so an upload between storing and committing is never
    taken. Returns their names; deletes them with `delete`."""
    known = set(Attachment.objects.values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    found = []
    if not default_storage.exists(ROOT):
        return found
    for folder in default_storage.listdir(ROOT)[0]:
        base = f"{ROOT}/{folder}"
        for name in default_storage.listdir(base)[1]:
            stored = f"{base}/{name}"
            if stored in known or default_storage.get_modified_time(stored) > cutoff:
                continue
            found.append(stored)
            if delete:
                default_storage.delete(stored)
    return found
