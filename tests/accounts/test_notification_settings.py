from django.urls import reverse

from cases.models import User


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
    return " ".join(html.split())


def test_the_page_says_when_reminders_arrive_in_the_users_own_time_zone(
    client, account_manager
):
    # Issue 18, item 4: the page tells the truth about when mail arrives.
    account_manager.time_zone = "Asia/Tokyo"
    account_manager.save()
    html = _page(client, account_manager)
    assert "weekdays between 08:00 and 18:00 in Asia/Tokyo" in html
    assert "waits for the next working morning" in html
    assert "as they happen" in html


def test_without_a_zone_of_their_own_the_page_names_the_teams(
    client, account_manager, team
):
    team.time_zone = "America/New_York"
    team.save()
    html = _page(client, account_manager)
    assert "weekdays between 08:00 and 18:00 in America/New_York" in html
    assert "your team's time zone (America/New_York)" in html
