"""Progress reports on the case: recording one sent, the cadence, the next
due day on the case page and the owner's home (issue 17, item 4)."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.services import reports
from cases.casework.services.contacts import contact_erase
from cases.choices import Channel, Step, TimelineKind
from cases.exceptions import AlreadySubmitted, NotAllowed, WrongStep
from cases.models import Case, ProgressReport, TimelineEntry
from tests.casework.test_case_queries import count_queries
from tests.factories import ContactFactory, case_in_step, make_case, version_of

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# A Monday.
MONDAY_TEN = dt.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)


@pytest.fixture
def case(time_machine, account_manager, sales_manager):
    """In Apologise since Monday 23 November: first report due Monday 30."""
    time_machine.move_to(MONDAY_TEN, tick=False)
    return case_in_step(Step.APOLOGISE, owner=account_manager, at=MONDAY_TEN)


def post(client, case, name, data):
    return client.post(reverse("case_action", args=[case.pk, name]), data)


def report_data(case, **fields):
    values = {
        "submission_key": str(uuid.uuid4()),
        "sent_at": "2026-11-23T09:30",
        "channel": Channel.EMAIL,
        "people": [c.pk for c in case.client.contacts.all()],
        "others": "",
        "summary": "The senior trainer is booked for Monday.",
    }
    values.update(fields)
    return {f"progress_report-{k}": v for k, v in values.items()}


def record(case, by, **fields):
    values = {
        "sent_at": timezone.now(),
        "channel": Channel.CALL,
        "summary": "Told them the new date.",
        "people": list(case.client.contacts.all()),
    }
    values.update(fields)
    return reports.progress_report_record(case_id=case.pk, by=by, **values)


def page(client, case) -> str:
    return client.get(case.get_absolute_url()).content.decode()


def card(html: str) -> str:
    return html.split('data-testid="progress-reports"')[1].split("</section>")[0]


# The services.


def test_a_report_is_recorded_with_its_people_and_lands_on_the_timeline(
    case, account_manager
):
    before = version_of(case)
    dana = case.client.contacts.get()
    report = record(case, account_manager, others="Their new project lead")
    assert list(report.people.all()) == [dana]
    assert report.sent_by == account_manager
    entry = TimelineEntry.objects.filter(
        case=case, kind=TimelineKind.PROGRESS_REPORT
    ).get()
    assert entry.summary == (
        f"Sent a progress report (phone call) to {dana.name} and "
        "Their new project lead."
    )
    assert entry.body == "Told them the new date."
    assert version_of(case) == before + 1


def test_the_same_form_sent_twice_records_one_report(case, account_manager):
    key = uuid.uuid4()
    record(case, account_manager, submission_key=key)
    with pytest.raises(AlreadySubmitted):
        record(case, account_manager, submission_key=key)
    assert ProgressReport.objects.filter(case=case).count() == 1


def test_a_report_refuses_the_future_another_clients_people_and_no_one(
    case, account_manager
):
    stranger = ContactFactory(name="Someone Else")
    later = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(NotAllowed, match="in the future"):
        record(case, account_manager, sent_at=later)
    with pytest.raises(NotAllowed, match="not one of"):
        record(case, account_manager, people=[stranger])
    with pytest.raises(NotAllowed, match="whom"):
        record(case, account_manager, people=[])
    assert not ProgressReport.objects.exists()
    assert not TimelineEntry.objects.filter(kind=TimelineKind.PROGRESS_REPORT)


def test_reports_belong_from_communicate_to_follow_up(account_manager, sales_manager):
    early = case_in_step(Step.OPTIONS, owner=account_manager)
    with pytest.raises(WrongStep, match="Communicate"):
        record(early, account_manager)
    talking = case_in_step(Step.COMMUNICATE, owner=account_manager)
    assert record(talking, account_manager).case_id == talking.pk
    closed = case_in_step(Step.CLOSED, owner=account_manager)
    with pytest.raises(NotAllowed, match="closed"):
        record(closed, account_manager)


def test_an_outsider_cannot_record_a_report_or_change_the_cadence(case, outsider):
    with pytest.raises(Case.DoesNotExist):
        record(case, outsider)
    with pytest.raises(Case.DoesNotExist):
        reports.report_cadence_set(case_id=case.pk, by=outsider, days=14)


def test_the_cadence_changes_with_a_timeline_entry_once(case, account_manager):
    assert reports.report_cadence_set(case_id=case.pk, by=account_manager, days=14)
    assert not reports.report_cadence_set(case_id=case.pk, by=account_manager, days=14)
    case.refresh_from_db()
    assert case.progress_cadence_days == 14
    [entry] = TimelineEntry.objects.filter(case=case, kind=TimelineKind.REPORT_CADENCE)
    assert entry.summary == "Progress reports now every 14 days (were every 7 days)."


@pytest.mark.parametrize("days", [0, 91, -3])
def test_a_cadence_out_of_range_is_refused(case, account_manager, days):
    with pytest.raises(NotAllowed, match="choose 1 to 90 days"):
        reports.report_cadence_set(case_id=case.pk, by=account_manager, days=days)
    case.refresh_from_db()
    assert case.progress_cadence_days == 7


# The case page.


def test_the_case_page_shows_the_cadence_the_next_due_day_and_the_forms(
    client, case, account_manager
):
    client.force_login(account_manager)
    box = card(page(client, case))
    assert "Next report due <strong>Monday 30 Nov</strong>" in box
    assert 'name="report_cadence-days" value="7"' in box
    assert "Record a report sent" in box
    assert "No report recorded yet." in box


def test_recording_a_report_from_the_page_moves_the_next_due_day(
    client, case, account_manager, time_machine
):
    time_machine.move_to(MONDAY_TEN + dt.timedelta(days=3), tick=False)
    client.force_login(account_manager)
    response = post(
        client,
        case,
        "progress_report",
        report_data(case, **{"sent_at": "2026-11-26T09:15"}),
    )
    assert response.status_code == 302
    box = card(page(client, case))
    assert "Next report due <strong>Thursday 3 Dec</strong>" in box
    assert "26 Nov 2026 09:15 · Email" in box
    assert "The senior trainer is booked for Monday." in box
    assert "Dana Client" in box


def test_an_overdue_report_is_marked_on_the_page(
    client, case, account_manager, time_machine
):
    Case.objects.filter(pk=case.pk).update(progress_cadence_days=1)
    client.force_login(account_manager)
    box = card(page(client, case))
    assert "Tuesday 24 Nov" in box and "Overdue" not in box
    time_machine.move_to(MONDAY_TEN + dt.timedelta(days=1), tick=False)
    client.force_login(account_manager)
    assert "Today" in card(page(client, case))
    time_machine.move_to(MONDAY_TEN + dt.timedelta(days=2), tick=False)
    client.force_login(account_manager)
    assert "Overdue" in card(page(client, case))


def test_changing_the_cadence_from_the_page_moves_the_next_due_day(
    client, case, account_manager
):
    client.force_login(account_manager)
    response = post(client, case, "report_cadence", {"report_cadence-days": "3"})
    assert response.status_code == 302
    assert "Next report due <strong>Thursday 26 Nov</strong>" in card(
        page(client, case)
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "Choose 1 to 90 days."),
        ("91", "a client waiting longer than a quarter is not being kept informed"),
        ("soon", "Enter a whole number."),
    ],
)
def test_a_cadence_out_of_range_is_refused_on_the_page(
    client, case, account_manager, days, message
):
    client.force_login(account_manager)
    response = post(client, case, "report_cadence", {"report_cadence-days": days})
    assert response.status_code == 200
    assert message in card(response.content.decode())
    case.refresh_from_db()
    assert case.progress_cadence_days == 7


def test_a_report_in_the_future_is_refused_and_kept_as_typed(
    client, case, account_manager
):
    client.force_login(account_manager)
    response = post(
        client, case, "progress_report", report_data(case, sent_at="2026-11-24T09:00")
    )
    assert response.status_code == 200
    box = card(response.content.decode())
    assert "A report cannot be in the future." in box
    assert "<details open" in box
    assert "The senior trainer is booked for Monday." in box
    assert not ProgressReport.objects.exists()


def test_a_report_to_another_clients_contact_is_refused(client, case, account_manager):
    stranger = ContactFactory(name="Someone Else")
    client.force_login(account_manager)
    response = post(
        client, case, "progress_report", report_data(case, people=[stranger.pk])
    )
    assert response.status_code == 200
    assert "Choose people of this client only" in card(response.content.decode())
    assert not ProgressReport.objects.exists()


def test_a_report_to_no_one_is_refused(client, case, account_manager):
    client.force_login(account_manager)
    response = post(client, case, "progress_report", report_data(case, people=[]))
    assert response.status_code == 200
    assert "Say whom the report went to." in card(response.content.decode())
    assert not ProgressReport.objects.exists()


def test_an_outsider_posting_a_report_gets_404(client, case, outsider):
    client.force_login(outsider)
    assert post(client, case, "progress_report", report_data(case)).status_code == 404
    response = post(client, case, "report_cadence", {"report_cadence-days": "3"})
    assert response.status_code == 404
    assert not ProgressReport.objects.exists()


def test_there_is_no_report_card_before_communicate(
    client, account_manager, sales_manager
):
    early = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    assert 'data-testid="progress-reports"' not in page(client, early)


def test_in_communicate_reports_can_be_recorded_before_the_clock_runs(
    client, account_manager, sales_manager
):
    talking = case_in_step(Step.COMMUNICATE, owner=account_manager)
    client.force_login(account_manager)
    box = card(page(client, talking))
    assert "The clock starts once the client has been reached" in box
    assert "Record a report sent" in box


def test_the_case_page_costs_the_same_queries_with_many_reports(
    client, case, account_manager, sales_manager
):
    client.force_login(account_manager)
    other = case_in_step(Step.APOLOGISE, owner=account_manager, at=MONDAY_TEN)
    for n in range(4):
        ContactFactory(client=case.client, name=f"Person {n}")
    # The other has people known at its client too (they are offered to tick).
    ContactFactory(client=other.client, name="Someone known")
    # One report each (the people of reports are read once there are any).
    record(other, account_manager)
    for _ in range(5):
        record(case, account_manager)
    assert count_queries(client, case.get_absolute_url()) == count_queries(
        client, other.get_absolute_url()
    )


# The owner's home.


def test_the_home_lists_the_reports_due_soonest_first_overdue_marked(
    client, case, account_manager, time_machine
):
    weekly = make_case(account_manager, commitment="Ship the spare parts")
    Case.objects.filter(pk=weekly.pk).update(step=Step.FOLLOW_UP)
    Case.objects.filter(pk=case.pk).update(progress_cadence_days=2)
    early = case_in_step(Step.OPTIONS, owner=account_manager)
    time_machine.move_to(MONDAY_TEN + dt.timedelta(days=3), tick=False)
    client.force_login(account_manager)
    html = client.get(reverse("home")).content.decode()
    box = html.split('data-testid="reports-due"')[1].split("</section>")[0]
    rows = box.split('data-testid="report-due"')[1:]
    assert len(rows) == 2
    # Due Wednesday 25 (every 2 days): overdue on Thursday 26.
    assert "Wed 25 Nov" in rows[0] and "Overdue" in rows[0]
    assert case.commitment[:20] in rows[0]
    assert "Mon 30 Nov" in rows[1] and "Overdue" not in rows[1]
    assert "Ship the spare parts" in rows[1]
    assert early.get_absolute_url() not in box


def test_a_report_recorded_moves_the_homes_due_day(
    client, case, account_manager, time_machine
):
    client.force_login(account_manager)

    def due_box():
        html = client.get(reverse("home")).content.decode()
        return html.split('data-testid="reports-due"')[1].split("</section>")[0]

    assert "Mon 30 Nov" in due_box()
    time_machine.move_to(MONDAY_TEN + dt.timedelta(days=2), tick=False)
    record(case, account_manager)
    client.force_login(account_manager)
    assert "Wed 2 Dec" in due_box()
    reports.report_cadence_set(case_id=case.pk, by=account_manager, days=10)
    assert "Sat 5 Dec" in due_box()


def test_erasing_a_contact_scrubs_the_reports_sent_to_them(
    case, account_manager, administrator
):
    dana = case.client.contacts.get()
    report = record(case, account_manager, summary="Dana Client liked the plan.")
    assert contact_erase(contact_id=dana.pk, by=administrator) == [case.pk]
    report.refresh_from_db()
    assert report.summary == "erased contact liked the plan."
    assert [p.name for p in report.people.all()] == ["erased contact"]
