"""Files from the case page: attaching, the download's headers, who may do what,
and a page whose queries do not grow with its files."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.casework.services.attachments import attachment_add
from cases.casework.services.compensation import compensation_offer
from cases.choices import Step, TimelineKind
from cases.models import Attachment
from tests.casework.files import EXE, PDF, png, upload
from tests.factories import ContactFactory, case_in_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    case.contacts.add(ContactFactory(client=case.client, name="Dana Reyes"))
    return case


def attach(http, case, file, subject="case", **extra):
    return http.post(
        reverse("case_action", args=[case.pk, "attach"]),
        {
            "attach-file": file,
            "attach-subject": subject,
            "attach-submission_key": str(uuid.uuid4()),
        },
        **extra,
    )


def download(http, attachment):
    return http.get(
        reverse("attachment_download", args=[attachment.case_id, attachment.key])
    )


def test_the_owner_attaches_a_file_to_a_contact_from_the_case_page(
    client, case, account_manager
):
    client.force_login(account_manager)
    contact = case.contacts.get(name="Dana Reyes")
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert f'value="contact-{contact.pk}"' in page

    response = attach(client, case, upload("signed.pdf", PDF), f"contact-{contact.pk}")

    assert response.status_code == 302
    assert response["Location"].endswith("#files")
    added = Attachment.objects.get()
    assert (added.contact, added.uploaded_by) == (contact, account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Attached “signed.pdf”" in page  # the message, then the timeline
    link = reverse("attachment_download", args=[case.pk, added.key])
    assert page.count(f'href="{link}"') == 2  # under Files and on the timeline


def test_a_manager_attaches_to_a_compensation(
    client, case, account_manager, sales_manager
):
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="Refund",
        value_to_client=Decimal("100"),
        cost_to_us=Decimal("100"),
    )
    client.force_login(sales_manager)
    response = attach(
        client, case, upload("receipt.png", png()), f"compensation-{offer.pk}"
    )
    assert response.status_code == 302
    assert Attachment.objects.get().compensation == offer


def test_a_program_named_pdf_is_refused_at_the_field(client, case, account_manager):
    client.force_login(account_manager)

    response = attach(client, case, upload("invoice.pdf", EXE))

    assert response.status_code == 200
    html = response.content.decode()
    assert "holds a Windows program, whatever its name says" in html
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_said_on_the_form(
    client, case, account_manager, settings
):
    settings.MEND_ATTACHMENT_MAX_MB = 2
    client.force_login(account_manager)
    # Over MAX_REQUEST_BODY_KB (1 MB) yet within the file limit: accepted.
    response = attach(client, case, upload("scan.pdf", PDF + b"0" * (1536 * 1024)))
    assert response.status_code == 302 and Attachment.objects.count() == 1
    # Just over the file limit: the form says so.
    big = upload("big.pdf", PDF + b"0" * (2 * 1024 * 1024))
    response = attach(client, case, big)
    assert response.status_code == 200
    assert "a file may be at most 2 MB" in response.content.decode()
    assert Attachment.objects.count() == 1


def test_far_over_the_limit_the_upload_gets_a_page_about_files(
    client, case, account_manager, settings
):
    settings.MEND_ATTACHMENT_MAX_MB = 1
    client.force_login(account_manager)
    response = attach(client, case, upload("huge.pdf", PDF + b"0" * (2 * 1024 * 1024)))
    assert response.status_code == 413
    assert "A file may be at most 1 MB" in response.content.decode()
    # Other actions keep the usual limit.
    response = client.post(
        reverse("case_action", args=[case.pk, "comment"]),
        {"comment-text": "x" * (1100 * 1024)},
    )
    assert response.status_code == 413
    assert "at most 1024 KB" in response.content.decode()


def test_the_download_is_an_attachment_of_its_sniffed_type(
    client, case, account_manager, teammate
):
    added = attachment_add(
        case_id=case.pk,
        by=account_manager,
        file=upload("Order, May.pdf", PDF, "text/html"),
    )
    client.force_login(teammate)  # reading is enough

    response = download(client, added)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Order, May.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF


def test_an_outsider_gets_404_for_the_file_and_its_address(
    client, case, account_manager, outsider, other_team
):
    added = attachment_add(
        case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF)
    )
    client.force_login(outsider)
    assert download(client, added).status_code == 404
    # Nor through a case of their own with this file's key.
    theirs = case_in_step(Step.ACKNOWLEDGE, owner=outsider)
    url = reverse("attachment_download", args=[theirs.pk, added.key])
    assert client.get(url).status_code == 404


def test_a_read_only_teammate_may_not_attach_or_remove(
    client, case, account_manager, teammate
):
    added = attachment_add(
        case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF)
    )
    client.force_login(teammate)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Attach file" not in page and "a.pdf" in page

    assert attach(client, case, upload("b.pdf", png())).status_code == 403
    remove = reverse("case_action", args=[case.pk, "remove_attachment"])
    assert client.post(remove, {"record": added.pk}).status_code == 403
    assert Attachment.objects.count() == 1


def test_the_owner_removes_a_file_and_the_timeline_says_so(
    client, case, account_manager
):
    added = attachment_add(
        case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF)
    )
    client.force_login(account_manager)
    remove = reverse("case_action", args=[case.pk, "remove_attachment"])

    response = client.post(remove, {"record": added.pk})

    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert case.timeline.filter(kind=TimelineKind.ATTACHMENT_REMOVED).exists()
    assert download(client, added).status_code == 404


def test_with_htmx_the_files_card_is_swapped_in(client, case, account_manager):
    client.force_login(account_manager)
    response = attach(client, case, upload("a.png", png()), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="files"' in html and "a.png" in html


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_case_page_runs_the_same_queries_however_many_files(
    client, case, account_manager
):
    client.force_login(account_manager)
    attachment_add(case_id=case.pk, by=account_manager, file=upload("a.pdf", PDF))
    one = count_queries(client, case.get_absolute_url())
    contact = case.contacts.get(name="Dana Reyes")
    for index in range(6):
        attachment_add(
            case_id=case.pk,
            by=account_manager,
            file=upload(f"shot{index}.png", png(index + 2)),
            contact_id=contact.pk if index % 2 else None,
        )
    assert count_queries(client, case.get_absolute_url()) == one
