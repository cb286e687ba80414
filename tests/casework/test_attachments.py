"""attachment_add and attachment_remove: types read from the content, the
size limit, and nothing half-saved."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import IntegrityError, transaction

from cases.casework.services import attachments
from cases.casework.services.attachments import (
    AttachmentRefused,
    attachment_add,
    attachment_remove,
    safe_name,
)
from cases.casework.services.compensation import compensation_offer
from cases.casework.services.timeline import timeline_record
from cases.choices import Step, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import Attachment, Case, Compensation
from tests.casework.files import EXE, PDF, docx, png, upload
from tests.factories import ClientFactory, ContactFactory, case_in_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager):
    return case_in_step(Step.COMPENSATE, owner=account_manager)


def stored_files(case) -> list[str]:
    folder = f"attachments/case-{case.pk}"
    if not default_storage.exists(folder):
        return []
    return default_storage.listdir(folder)[1]


def test_a_pdf_is_stored_with_what_its_content_says(case, account_manager):
    added = attachment_add(
        case_id=case.pk, by=account_manager, file=upload("Contract 2026.pdf", PDF)
    )

    added.refresh_from_db()
    assert added.name == "Contract 2026.pdf"
    assert added.content_type == "application/pdf"
    assert added.size == len(PDF)
    assert len(added.sha256) == 64
    assert added.uploaded_by == account_manager
    with added.file.open("rb") as stored:
        assert stored.read() == PDF
    # The storage never sees the person's name for it.
    assert "Contract" not in added.file.name
    assert added.entry.kind == TimelineKind.ATTACHMENT_ADDED
    assert "Contract 2026.pdf" in added.entry.summary


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("screen.png", png(), "image/png"),
        ("notes.txt", "Café order, 12 items\n".encode(), "text/plain"),
        ("orders.csv", b"sku;qty\r\nA-1;3\r\n", "text/csv"),
        # Excel's CSV in Windows-1252.
        ("orders.csv", "Caf\u00e9;3\r\n".encode("cp1252"), "text/csv"),
        (
            "offer.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_each_accepted_kind_is_known_by_its_content(
    case, account_manager, name, content, content_type
):
    added = attachment_add(
        case_id=case.pk, by=account_manager, file=upload(name, content)
    )
    assert added.content_type == content_type


def test_a_program_named_pdf_is_refused_and_nothing_is_stored(case, account_manager):
    with pytest.raises(AttachmentRefused) as refused:
        attachment_add(
            case_id=case.pk, by=account_manager, file=upload("invoice.pdf", EXE)
        )

    assert "a Windows program, whatever its name says" in str(refused.value)
    assert isinstance(refused.value, ValidationError)
    assert not Attachment.objects.exists()
    assert stored_files(case) == []
    assert not case.timeline.filter(kind=TimelineKind.ATTACHMENT_ADDED).exists()


def test_a_file_of_no_known_kind_is_refused(case, account_manager):
    with pytest.raises(AttachmentRefused, match="a kind of file Mend does not take"):
        attachment_add(
            case_id=case.pk,
            by=account_manager,
            file=upload("data.txt", bytes(range(256))),
        )


def test_a_name_claiming_another_accepted_kind_is_refused(case, account_manager):
    with pytest.raises(
        AttachmentRefused, match=r"named as a \.pdf file but holds a PNG"
    ):
        attachment_add(
            case_id=case.pk, by=account_manager, file=upload("scan.pdf", png())
        )


def test_a_name_without_extension_gets_the_contents(case, account_manager):
    added = attachment_add(
        case_id=case.pk, by=account_manager, file=upload("scan", png())
    )
    assert added.name == "scan.png"


def test_a_file_over_the_limit_is_refused_before_anything_is_read(
    case, account_manager, settings
):
    settings.MEND_ATTACHMENT_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)

    with pytest.raises(AttachmentRefused, match="a file may be at most 1 MB"):
        attachment_add(case_id=case.pk, by=account_manager, file=upload("big.pdf", big))
    assert stored_files(case) == []


def test_an_empty_file_is_refused(case, account_manager):
    with pytest.raises(AttachmentRefused, match="is empty"):
        attachment_add(case_id=case.pk, by=account_manager, file=upload("x.pdf", b""))


def test_a_row_that_fails_takes_its_stored_file_with_it(
    case, account_manager, monkeypatch
):
    # The file is stored, then the row is refused by the database.
    def broken_save(self, *args, **kwargs):
        raise IntegrityError("the database refused the row")

    monkeypatch.setattr(Attachment, "save", broken_save)
    with pytest.raises(IntegrityError):
        attachment_add(case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF))

    assert stored_files(case) == []
    assert not case.timeline.filter(kind=TimelineKind.ATTACHMENT_ADDED).exists()


def test_names_lose_folders_and_characters_that_break_headers():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\ana\\receipt.pdf") == "receipt.pdf"
    assert safe_name('a"b;c\r\n.pdf') == "a_b_c__.pdf"
    assert safe_name("...") == "file"
    long = safe_name("x" * 400 + ".pdf")
    assert len(long) == 150 and long.endswith(".pdf")


def test_a_file_goes_on_a_contact_or_a_compensation_of_this_case(case, account_manager):
    contact = ContactFactory(client=case.client, name="Dana Reyes")
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="Refund of the setup fee",
        value_to_client=Decimal("200"),
        cost_to_us=Decimal("200"),
    )

    on_contact = attachment_add(
        case_id=case.pk,
        by=account_manager,
        file=upload("id.png", png()),
        contact_id=contact.pk,
    )
    on_offer = attachment_add(
        case_id=case.pk,
        by=account_manager,
        file=upload("receipt.pdf", PDF),
        compensation_id=offer.pk,
    )

    assert on_contact.contact == contact and "to Dana Reyes" in on_contact.entry.summary
    assert on_offer.compensation == offer
    assert "Refund of the setup fee" in on_offer.entry.summary


def test_a_record_of_another_case_is_not_found(case, account_manager):
    stranger = ContactFactory(client=ClientFactory(team=case.team))
    with pytest.raises(type(stranger).DoesNotExist):
        attachment_add(
            case_id=case.pk,
            by=account_manager,
            file=upload("a.pdf", PDF),
            contact_id=stranger.pk,
        )
    with pytest.raises(Compensation.DoesNotExist):
        attachment_add(
            case_id=case.pk,
            by=account_manager,
            file=upload("a.pdf", PDF),
            compensation_id=10**6,
        )
    assert stored_files(case) == []


def test_someone_who_may_not_work_on_the_case_attaches_nothing(
    case, teammate, outsider
):
    for person in (teammate, outsider):
        with pytest.raises(Case.DoesNotExist):
            attachment_add(case_id=case.pk, by=person, file=upload("a.pdf", PDF))
    assert stored_files(case) == []


def test_the_same_file_twice_on_the_same_thing_is_said_not_repeated(
    case, account_manager
):
    attachment_add(case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF))
    with pytest.raises(NotAllowed, match="already attached"):
        attachment_add(
            case_id=case.pk, by=account_manager, file=upload("copy.pdf", PDF)
        )
    assert Attachment.objects.count() == 1
    assert len(stored_files(case)) == 1


def test_a_clients_email_files_hang_on_its_entry_once(case):
    # As the mailbox poller calls it: no user, the reply's entry, a file in memory.
    reply = timeline_record(
        case=case, by=None, kind=TimelineKind.CLIENT_REPLIED, summary="Dana replied."
    )
    for _ in range(2):  # the same message read twice
        added = attachment_add(
            case_id=case.pk,
            by=None,
            file=ContentFile(png(), name="photo.png"),
            entry_id=reply.pk,
        )

    assert added.entry == reply and added.uploaded_by is None
    assert Attachment.objects.count() == 1
    assert not case.timeline.filter(kind=TimelineKind.ATTACHMENT_ADDED).exists()


def test_removing_a_file_says_so_and_deletes_it_after_commit(
    case, account_manager, django_capture_on_commit_callbacks
):
    added = attachment_add(
        case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF)
    )
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(case_id=case.pk, by=account_manager, attachment_id=added.pk)

    assert not Attachment.objects.exists()
    assert stored_files(case) == []
    removed = case.timeline.get(kind=TimelineKind.ATTACHMENT_REMOVED)
    assert (
        removed.summary == "Removed the file “a.pdf”."
        and removed.actor == account_manager
    )


def test_the_limit_is_read_from_the_setting(settings):
    settings.MEND_ATTACHMENT_MAX_MB = 3
    assert attachments.max_bytes() == 3 * 1024 * 1024


def test_files_left_by_a_rolled_back_caller_are_found_and_swept(
    case, account_manager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # only this test's files
    # A caller (the mailbox poller) stores files inside its own transaction,
    # which then rolls back: the rows go, the files stay until swept.
    kept = attachment_add(
        case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF)
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        attachment_add(case_id=case.pk, by=None, file=ContentFile(png(), name="b.png"))
        raise RuntimeError("the caller failed after attaching")
    assert len(stored_files(case)) == 2

    out = StringIO()
    call_command("attachments_sweep", "--hours", "1", stdout=out)
    assert "Found 0" in out.getvalue()  # too fresh: it may be an upload under way
    call_command("attachments_sweep", "--hours", "0", "--delete", stdout=out)

    assert "Deleted 1 stored file(s)" in out.getvalue()
    assert stored_files(case) == [kept.file.name.rsplit("/", 1)[-1]]
