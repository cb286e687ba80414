import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse

from cases.models import ClosureDay, User


def test_a_user_saves_their_own_notification_settings(client, account_manager):
    client.force_login(account_manager)
    response = client.post(
        reverse("notification_settings"),
        {
            "time_zone": "Europe/Berlin",
            "reminder_lead_days": 2,
            "muted_kinds": ["progress_report"],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=account_manager.pk)
    assert (user.time_zone, user.reminder_lead_days, user.muted_kinds) == (
        "Europe/Berlin",
        2,
        ["progress_report"],
    )


def test_bad_settings_are_refused_with_messages(client, account_manager):
    client.force_login(account_manager)
    response = client.post(
        reverse("notification_settings"),
        {"time_zone": "Mars/Olympus", "reminder_lead_days": 99},
    )
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "less than or equal to 30" in html
    assert User.objects.get(pk=account_manager.pk).reminder_lead_days == 1


def test_only_sales_managers_choose_a_digest_day(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    assert (
        "digest_day"
        not in client.get(reverse("notification_settings")).content.decode()
    )
    client.force_login(sales_manager)
    assert "digest_day" in client.get(reverse("notification_settings")).content.decode()


def test_account_managers_are_not_offered_manager_only_emails(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    html = client.get(reverse("notification_settings")).content.decode()
    assert 'value="follow_up_reminder"' in html
    assert 'value="weekly_digest"' not in html
    client.force_login(sales_manager)
    html = client.get(reverse("notification_settings")).content.decode()
    assert 'value="weekly_digest"' in html


def test_administrators_can_mute_the_alerts_they_get_for_teams_without_a_manager(
    client, administrator
):
    """A team without a sales manager alerts its administrators, so they are
    offered those kinds; the weekly digest goes to sales managers only."""
    client.force_login(administrator)
    html = client.get(reverse("notification_settings")).content.decode()
    for kind in ("case_logged", "approval_needed", "step_escalation"):
        assert f'value="{kind}"' in html
    assert 'value="weekly_digest"' not in html
    assert "digest_day" not in html


def test_the_emails_about_a_case_can_be_muted_but_a_password_reset_cannot(
    client, account_manager
):
    client.force_login(account_manager)
    url = reverse("notification_settings")
    html = client.get(url).content.decode()
    for kind in (
        "case_comment",
        "case_reassigned",
        "case_sent_back",
        "compensation_decided",
    ):
        assert f'value="{kind}"' in html
    assert 'value="password_reset"' not in html

    response = client.post(
        url, {"reminder_lead_days": 1, "muted_kinds": ["case_comment"]}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=account_manager.pk).muted_kinds == ["case_comment"]
    response = client.post(
        url, {"reminder_lead_days": 1, "muted_kinds": ["password_reset"]}
    )
    assert "Select a valid choice" in response.content.decode()
    assert User.objects.get(pk=account_manager.pk).muted_kinds == ["case_comment"]


def _page(client, user) -> str:
    client.force_login(user)
    html = client.get(reverse("notification_settings")).content.decode()
    return " ".join(unescape(html).split())


def test_the_page_says_when_reminders_arrive_in_the_users_own_time_zone(
    client, account_manager
):
    # Issue 18, item 4: the page tells the truth about when mail arrives: the
    # team's hours (09:00-17:30 by default), in the user's own zone.
    account_manager.time_zone = "Asia/Tokyo"
    account_manager.save()
    html = _page(client, account_manager)
    assert (
        "Reminders, progress reports and step warnings reach you Monday to "
        "Friday between 09:00 and 17:30 in Asia/Tokyo; one that falls outside "
        "waits for your next working hour." in html
    )
    assert "These are Enterprise's working hours." in html
    assert "as they happen" in html


def test_without_a_zone_of_their_own_the_page_names_the_teams(
    client, account_manager, team
):
    team.time_zone = "America/New_York"
    team.save()
    html = _page(client, account_manager)
    assert "Monday to Friday between 09:00 and 17:30 in America/New_York" in html
    assert "your team's time zone (America/New_York)" in html


def test_the_page_names_the_teams_hours_and_the_coming_days_off(
    client, time_machine, account_manager, team
):
    time_machine.move_to(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC), tick=False)
    team.work_days = "0,1,2,3"
    team.work_start, team.work_end = dt.time(8, 30), dt.time(16, 0)
    team.holiday_country, team.holiday_subdivision = "GB", "ENG"
    team.save()
    ClosureDay.objects.create(team=team, date=dt.date(2026, 12, 24), name="Eve")
    html = _page(client, account_manager)
    # Friday 25 December and Friday 1 January are no working days anyway.
    assert (
        "reach you Monday to Thursday between 08:30 and 16:00 in Europe/London, "
        "except on Enterprise's public holidays and closure days; one that falls "
        "outside waits for your next working hour. No timed mail on Thu 24 Dec, "
        "Mon 28 Dec." in html
    )
    assert "My team's working hours (Monday to Thursday between 08:30 and 16:00)" in (
        html
    )


def _post(client, user, **data):
    client.force_login(user)
    return client.post(
        reverse("notification_settings"), {"reminder_lead_days": 1, **data}
    )


def test_a_user_sets_their_own_hours_and_the_page_says_so(client, account_manager):
    response = _post(
        client,
        account_manager,
        hours="own",
        work_days=["0", "1", "2", "3"],
        work_start="07:00",
        work_end="15:00",
    )
    assert response.status_code == 302
    user = User.objects.get(pk=account_manager.pk)
    assert (user.work_days, user.work_start, user.work_end) == (
        "0,1,2,3",
        dt.time(7, 0),
        dt.time(15, 0),
    )
    html = _page(client, user)
    assert "reach you Monday to Thursday between 07:00 and 15:00 in Europe/London" in (
        html
    )
    assert "These are your own working hours." in html
    assert re.search(r'name="hours" value="own"[^>]*checked', html)

    # Back to the team's: nothing of their own is kept.
    assert _post(client, user, hours="team", work_days=["0"]).status_code == 302
    user.refresh_from_db()
    assert (user.work_days, user.work_start, user.work_end) == ("", None, None)
    assert "These are Enterprise's working hours." in _page(client, user)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"work_start": "09:00", "work_end": "17:00"},
            "work_days",
            "Tick at least one working day, or choose your team's hours.",
        ),
        (
            {"work_days": ["2"], "work_start": "17:00", "work_end": "09:00"},
            "work_end",
            "Your working day must end after it starts (17:00).",
        ),
        (
            {"work_days": ["2"], "work_start": "09:00", "work_end": "09:00"},
            "work_end",
            "Your working day must end after it starts (09:00).",
        ),
        (
            {"work_days": ["2"], "work_end": "12:00"},
            "work_start",
            "Give the time your working day starts.",
        ),
        (
            {"work_days": ["2"], "work_start": "12:00"},
            "work_end",
            "Give the time your working day ends.",
        ),
    ],
)
def test_own_hours_that_make_no_sense_are_refused_and_nothing_is_lost(
    client, account_manager, data, field, message
):
    response = _post(client, account_manager, hours="own", reminder_lead_days=5, **data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = unescape(response.content.decode())
    assert message in html
    # What was typed is still there to fix...
    for name in ("work_start", "work_end"):
        if name in data:
            assert f'name="{name}" value="{data[name]}"' in html
    for day in data.get("work_days", []):
        assert re.search(rf'name="work_days" value="{day}"[^>]*checked', html)
    assert 'name="reminder_lead_days" value="5"' in html
    # ...and nothing of it was saved.
    user = User.objects.get(pk=account_manager.pk)
    assert (user.work_days, user.work_start, user.work_end) == ("", None, None)
    assert user.reminder_lead_days == 1
