"""Pausing and resuming from the case page, and where paused clocks show:
the case list, the dashboard, Insights and the owner's email (issue 18,
item 2)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from cases import tasks
from cases.casework.services import pauses
from cases.casework.services.cases import case_advance
from cases.choices import NotificationKind, PauseReason, Step
from cases.insights.page import insights
from cases.insights.period import Period
from cases.models import Case, StepPause
from cases.notifications.deliver import send_due
from tests.factories import case_in_step, fill_step, version_of

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TUESDAY_TEN = dt.datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)


@pytest.fixture
def case(time_machine, account_manager, sales_manager):
    time_machine.move_to(TUESDAY_TEN, tick=False)
    return case_in_step(Step.COMMUNICATE, owner=account_manager, at=TUESDAY_TEN)


def post(client, case, name, data):
    return client.post(reverse("case_action", args=[case.pk, name]), data)


def pause_data(case, **extra):
    data = {
        "pause-reason": PauseReason.CLIENT_ANSWER,
        "pause-note": "Their new delivery address",
        "pause-until": "",
        "pause-version": version_of(case),
    }
    data.update({f"pause-{k}": v for k, v in extra.items()})
    return data


def test_the_owner_pauses_and_resumes_from_the_case_page(client, case, account_manager):
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Pause the clock" in page and 'data-state="on_track"' in page
    response = post(client, case, "pause", pause_data(case, until="2026-11-30"))
    assert response.status_code == 302
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-state="paused"' in page
    assert "Paused since Tue 24 Nov 10:00" in page
    assert "Waiting for the client&#x27;s answer: Their new delivery address" in page
    assert "starts again Mon 30 Nov" in page
    assert "Resume the clock" in page and "Pause the clock" not in page
    response = post(client, case, "resume", {"version": version_of(case)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.step_paused_at is None
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-state="on_track"' in page
    assert "Clock resumed" in page or "runs again" in page


def test_a_refused_pause_keeps_what_was_typed(client, case, account_manager):
    client.force_login(account_manager)
    response = post(
        client,
        case,
        "pause",
        pause_data(case, reason=PauseReason.OTHER, note="", until="2026-11-24"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say what we are waiting for." in page
    assert "Pick a day after today" in page
    assert 'value="2026-11-24"' in page  # kept as typed
    assert "<details" in page and 'data-testid="pause" open' in page
    assert not StepPause.objects.exists()


def test_a_double_click_on_resume_or_pause_changes_nothing_twice(
    client, case, account_manager
):
    client.force_login(account_manager)
    data = pause_data(case)
    post(client, case, "pause", data)
    response = post(client, case, "pause", data)  # the same page, again
    assert response.status_code == 200
    assert "changed this case while you were looking" in response.content.decode()
    assert StepPause.objects.count() == 1
    version = version_of(case)
    post(client, case, "resume", {"version": version})
    post(client, case, "resume", {"version": version})
    assert StepPause.objects.get().ended_at is not None
    assert case.timeline.filter(kind="resumed").count() == 1


def test_only_those_who_work_the_case_may_pause_it(client, case, teammate, outsider):
    client.force_login(teammate)
    assert post(client, case, "pause", pause_data(case)).status_code == 403
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Pause the clock" not in page
    client.force_login(outsider)
    assert post(client, case, "pause", pause_data(case)).status_code == 404
    assert not StepPause.objects.exists()


def test_paused_cases_show_on_the_list_and_the_dashboard(
    client, case, account_manager, sales_manager
):
    pauses.clock_pause(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        reason=PauseReason.CLIENT_ASKED,
        note="Board decides on Friday",
        until=dt.date(2026, 11, 27),
    )
    running = case_in_step(Step.OPTIONS, owner=account_manager, at=TUESDAY_TEN)
    client.force_login(sales_manager)
    dashboard = client.get(reverse("home")).content.decode()
    assert 'data-testid="paused"' in dashboard
    assert "The client asked us to wait: Board decides on Friday" in dashboard
    assert "until Fri 27 Nov" in dashboard
    listed = client.get(reverse("case_list") + "?status=paused")
    rows = [row["pk"] for row in listed.context["rows"]]
    assert rows == [case.pk] and running.pk not in rows
    assert 'data-testid="clock-state">Paused' in listed.content.decode()


def test_insights_show_paused_hours_beside_the_time_in_steps(
    time_machine, case, account_manager, sales_manager
):
    case.team.time_zone = "Europe/London"
    case.team.save()
    fill_step(case, account_manager)
    pauses.clock_pause(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        reason=PauseReason.CLIENT_ANSWER,
    )
    time_machine.move_to(TUESDAY_TEN + dt.timedelta(hours=3))
    pauses.clock_resume(case_id=case.pk, by=account_manager, version=version_of(case))
    time_machine.move_to(TUESDAY_TEN + dt.timedelta(hours=4))
    case_advance(
        case_id=case.pk, by=account_manager, step=case.step, version=version_of(case)
    )
    period = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    page = insights(sales_manager, period, now=TUESDAY_TEN + dt.timedelta(hours=5))
    communicate = next(r for r in page["steps"]["rows"] if r["label"] == "Communicate")
    assert communicate["worked_hours"] == "4.0 h"
    assert communicate["paused_hours"] == "3.0 h"
    assert communicate["paused_share"] == "75%"
    [owner] = [r for r in page["by_owner"] if r["name"] == str(account_manager)]
    assert owner["paused_hours"] == "3.0 h"


def test_on_its_date_the_clock_restarts_and_the_owner_gets_an_email(
    time_machine, case, account_manager, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    pauses.clock_pause(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        reason=PauseReason.CLIENT_AWAY,
        until=dt.date(2026, 11, 30),
    )
    time_machine.move_to(dt.datetime(2026, 11, 30, 9, 5, tzinfo=LONDON))
    assert tasks.resume_paused_clocks() == 1
    assert Case.objects.get(pk=case.pk).step_paused_at is None
    send_due()
    [message] = [m for m in mail.outbox if "clock runs again" in m.subject]
    assert message.to == [account_manager.email]
    assert "The client's people are away" in message.body
    assert "Mon 30 Nov 2026" in message.body
    assert NotificationKind.CLOCK_RESUMED in [
        m.kind for m in case.outbox_messages.all()
    ]


def test_the_paused_clock_says_what_is_left_and_the_real_restart_day(
    client, case, account_manager
):
    # Paused at 10:00 on the Tuesday it entered Communicate (8 hours): all 8
    # are left. Until Saturday 28 November: the team works weekdays, so the
    # clock restarts on Monday, and the message says so.
    client.force_login(account_manager)
    response = post(client, case, "pause", pause_data(case, until="2026-11-28"))
    flash = client.get(case.get_absolute_url())
    page = flash.content.decode()
    assert "It starts again on Monday 30 November at 09:00" in page
    assert "starts again Mon 30 Nov" in page
    assert "8 business hours left when it restarts" in page
    assert response.status_code == 302


def test_a_step_paused_after_its_target_still_says_since_when_and_why(
    time_machine, client, case, account_manager
):
    time_machine.move_to(dt.datetime(2026, 11, 26, 11, 0, tzinfo=LONDON))
    pauses.clock_pause(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        reason=PauseReason.OTHER,
        note="Their auditor has the files",
    )
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-state="overdue"' in page
    assert "Paused since Thu 26 Nov 11:00" in page
    assert "Something else on the client&#x27;s side: Their auditor" in page
    assert "(say what)" not in page.split('data-testid="pause"')[0]


def test_the_resume_hint_names_what_restarts_the_clock_in_this_step(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager, at=TUESDAY_TEN)
    pauses.clock_pause(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        reason=PauseReason.CLIENT_ANSWER,
    )
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Resume the clock" in page
    assert "Logging a contact with the client starts it again" not in page


def test_leaving_a_paused_step_says_the_pause_ended_with_it(
    time_machine, case, account_manager
):
    fill_step(case, account_manager)
    pauses.clock_pause(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        reason=PauseReason.CLIENT_ANSWER,
    )
    time_machine.move_to(TUESDAY_TEN + dt.timedelta(hours=2))
    case_advance(
        case_id=case.pk, by=account_manager, step=case.step, version=version_of(case)
    )
    entry = case.timeline.get(kind="resumed")
    assert entry.summary == (
        "The pause of Communicate ended with the step, after 2 business hours."
    )
