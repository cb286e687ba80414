import datetime as dt
import re
from io import StringIO
from itertools import pairwise
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.choices import (
    Approval,
    FailureSource,
    OurPart,
    Outcome,
    PromiseStatus,
    Role,
    Step,
    TimelineKind,
)
from cases.demo.loader import case_specs, demo_data, seed_demo
from cases.guideline import guideline_for
from cases.models import (
    Attachment,
    Case,
    Client,
    ClosureDay,
    Compensation,
    Contact,
    Membership,
    OutboxMessage,
    Promise,
    PromiseShare,
    StepPeriod,
    Team,
    TimelineEntry,
    User,
)
from cases.workflow import WORKING_STEPS, missing_for

LOGIN_LINE = re.compile(
    r"^login: (\S+) (\S+) (account_manager|sales_manager|administrator) (\S+)$"
)


def seed() -> list[str]:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)  # tests run with DEBUG off
    return out.getvalue().splitlines()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for the tests that only read it, as Django's
    setUpTestData does: inside a transaction rolled back after the module, so
    each test's own transaction is a savepoint within it."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield seed()
        transaction.set_rollback(True)


def counts():
    return (Team.objects.count(), User.objects.count(), Membership.objects.count())


def data_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Case,
            Client,
            Contact,
            Promise,
            TimelineEntry,
            OutboxMessage,
            Compensation,
            StepPeriod,
            ClosureDay,
        )
    }


def test_seed_demo_prints_one_valid_login_per_line(seeded, db):
    lines = [line for line in seeded if line.startswith("login:")]
    parsed = [LOGIN_LINE.match(line) for line in lines]
    assert all(parsed), lines
    for match in parsed:
        username, password, role, teams = match.groups()
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert user.role == role
        expected = (
            "all"
            if role == Role.ADMINISTRATOR
            else ",".join(t.name for t in user.teams.order_by("name"))
        )
        assert teams == expected


def test_seed_demo_prints_nothing_but_the_logins(seeded, db):
    lines = seeded
    assert len(lines) == User.objects.count() == 7
    assert all(LOGIN_LINE.match(line) for line in lines), lines


def test_seed_demo_covers_two_teams_each_with_a_manager_and_two_account_managers(
    seeded, db
):
    teams = Team.objects.all()
    assert teams.count() >= 2
    for team in teams:
        members = team.members.all()
        assert members.filter(role=Role.SALES_MANAGER).count() >= 1
        assert members.filter(role=Role.ACCOUNT_MANAGER).count() >= 2
    assert User.objects.filter(role=Role.ADMINISTRATOR, is_superuser=True).exists()


def test_seed_demo_twice_duplicates_nothing(db):
    first = seed()
    before = counts()
    second = seed()
    assert counts() == before
    assert first == second


def test_seed_demo_twice_keeps_clients_cases_and_their_records(seeded, db):
    before = data_counts()
    seed()
    assert data_counts() == before
    assert before["Case"] > 0


def test_every_team_has_several_clients_with_reachable_contacts(seeded, db):
    for team in Team.objects.all():
        clients = Client.objects.filter(team=team)
        assert clients.count() >= 3
        for client in clients:
            assert client.segment
            assert client.annual_value > 0
            assert client.contacts.exists()
    assert not Contact.objects.filter(Q(role="") | Q(email="") | Q(phone="")).exists()


def test_every_working_step_and_every_outcome_is_present(seeded, db):
    steps = set(Case.objects.values_list("step", flat=True))
    assert set(WORKING_STEPS) <= steps
    closed = Case.objects.filter(step=Step.CLOSED)
    assert set(closed.values_list("outcome", flat=True)) == set(Outcome.values)
    for case in closed:
        assert case.client_fit
        assert len(case.lessons.split()) >= 10
        assert case.closed_at


def test_each_account_manager_owns_several_cases_of_their_team(seeded, db):
    for username, team in [
        ("alex", "Enterprise"),
        ("priya", "Enterprise"),
        ("lena", "Midmarket"),
        ("omar", "Midmarket"),
    ]:
        owned = Case.objects.filter(owner__username=username)
        assert owned.count() >= 3, username
        assert set(owned.values_list("team__name", flat=True)) == {team}


def test_cases_moved_on_only_when_the_step_they_left_was_complete(seeded, db):
    # A case past Acknowledge passed the workflow's checks on the way; the
    # records those checks need are still there.
    for case in Case.objects.exclude(step=Step.ACKNOWLEDGE):
        assert case.parts.exists() and case.failure_source
        assert case.outbox_messages.filter(kind="case_logged").exists()
        assert case.root_cause_answers.exists()
    for case in Case.objects.filter(step=Step.CLOSED):
        case.step = Step.FOLLOW_UP
        assert missing_for(case) == [], case


def test_promises_kept_due_overdue_and_missed_all_exist(seeded, db):
    today = timezone.localdate()
    promises = Promise.objects.all()
    assert promises.filter(status=PromiseStatus.KEPT).exists()
    assert promises.filter(status=PromiseStatus.MISSED).exists()
    open_ = promises.filter(status=PromiseStatus.OPEN)
    assert open_.filter(due_on__lt=today).exists()
    assert open_.filter(
        due_on__gte=today, due_on__lte=today + dt.timedelta(days=7)
    ).exists()
    missed = promises.filter(status=PromiseStatus.MISSED).first()
    assert missed.case.timeline.filter(kind="second_drop").exists()
    assert not open_.filter(case__step=Step.CLOSED).exists()


def test_compensations_pending_approved_and_none_due_exist(seeded, db):
    pending = Compensation.objects.filter(approval=Approval.PENDING)
    assert pending.exists()
    for compensation in pending:
        threshold = guideline_for(compensation.case).approval_threshold
        assert compensation.cost_to_us > threshold
        assert compensation.case.step == Step.COMPENSATE
    assert Compensation.objects.filter(
        approval=Approval.APPROVED, delivered_on__isnull=False, decided_by__isnull=False
    ).exists()
    assert Case.objects.exclude(no_compensation_reason="").exists()


def test_the_repeat_client_has_three_cases_in_the_last_year(seeded, db):
    repeat = demo_data()["repeat_client"]
    client = Client.objects.get(team__name=repeat["team"], name=repeat["client"])
    year_ago = timezone.now() - dt.timedelta(days=365)
    assert client.cases.filter(opened_at__gte=year_ago).count() >= 3


def test_the_demo_has_second_failures_judged_as_of_their_day(seeded, db):
    flagged = Case.objects.filter(second_failure=True).select_related("earlier_case")
    assert flagged.count() == sum(
        1 for spec in case_specs(demo_data()) if spec.get("second_failure")
    )
    for case in flagged:
        # Only the client's earlier story counts, never a case opened later.
        assert case.earlier_case.client_id == case.client_id
        assert case.earlier_case.opened_at < case.opened_at
        assert case.severity in {"high", "critical"}
        assert case.target_factor < 1
        assert case.outbox_messages.filter(kind="second_failure").exists()
    # One was logged as medium, and Mend raised it.
    assert flagged.filter(severity_raised_from="medium", step=Step.COMMUNICATE)
    assert flagged.filter(step=Step.CLOSED).exists()


def test_the_domain_stories_are_told(seeded, db):
    trainer = Case.objects.filter(
        failure_source=FailureSource.EXTERNAL,
        parts__part=OurPart.NO_BACKUP,
        commitment__icontains="training",
    )
    assert trainer.exists()
    learning = Case.objects.filter(parts__part=OurPart.LEARNING_CURVE).filter(
        parts__part=OurPart.EAGER_YES
    )
    assert learning.exists()


def test_demo_times_are_in_the_past_and_spread_over_months(seeded, db):
    now = timezone.now()
    opened = Case.objects.values_list("opened_at", flat=True)
    assert max(opened) <= now
    assert min(opened) >= now - dt.timedelta(days=320)
    assert min(opened) <= now - dt.timedelta(days=240)
    assert max(opened) >= now - dt.timedelta(days=1)
    for case in Case.objects.all():
        entries = case.timeline.values_list("at", flat=True)
        assert case.opened_at <= min(entries) and max(entries) <= now, case
        assert case.detected_at <= case.opened_at
        periods = list(case.periods.order_by("pk"))
        assert periods[-1].step == case.step
        assert periods[0].entered_at == case.opened_at
        assert all(a.entered_at <= b.entered_at for a, b in pairwise(periods))
        if case.closed_at:
            # The client's check-ins come after closing, by design.
            worked = entries.exclude(
                kind__in=[TimelineKind.CHECK_IN_SENT, TimelineKind.CHECK_IN_ANSWERED]
            )
            assert max(worked) <= case.closed_at
    assert not OutboxMessage.objects.filter(created_at__gt=now).exists()


def test_one_demo_case_waits_on_the_client_with_its_clock_paused(seeded, db, client):
    [case] = Case.objects.filter(step_paused_at__isnull=False)
    pause = case.pauses.get(ended_at__isnull=True)
    assert pause.until > timezone.localdate() and pause.note
    assert case.timeline.filter(kind="paused").exists()
    # Paused before its target, so no deadline runs while it waits.
    assert case.step_due_at is None
    client.force_login(case.team.members.get(role=Role.SALES_MANAGER))
    dashboard = client.get(reverse("home")).content.decode()
    assert 'data-testid="paused"' in dashboard and str(case.client) in dashboard
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-state="paused"' in page and "Resume the clock" in page


def test_one_demo_case_reports_progress_on_a_changed_cadence(seeded, db, client):
    [case] = Case.objects.exclude(progress_cadence_days=7)
    assert case.progress_cadence_days == 4
    last = case.progress_reports.order_by("-sent_at").first()
    assert case.progress_reports.count() == 3
    assert last.sent_at < timezone.now() and last.people.exists()
    assert case.timeline.filter(kind="report_cadence").count() == 1
    assert case.timeline.filter(kind="progress_report").count() == 3
    next_due = timezone.localdate(last.sent_at) + dt.timedelta(days=4)
    client.force_login(case.owner)
    home = client.get(reverse("home")).content.decode()
    box = home.split('data-testid="reports-due"')[1].split("</section>")[0]
    assert str(case.client) in box and next_due.strftime("%a %-d %b") in box
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="progress-report"' in page


def test_the_demo_account_manager_has_a_mention_and_a_sent_back_case_new(
    seeded, db, client
):
    alex = User.objects.get(username="alex")
    client.force_login(alex)
    home = client.get(reverse("home")).content.decode()
    box = home.split('data-testid="new-to-you"')[1].split("</section>")[0]
    assert box.count('data-testid="notice-unread"') == 2
    assert "Mentioned you: @alex" in box and "Sent the case back to" in box
    assert 'aria-label="Home, 2 new"' in home
    # The mention is on a teammate's case, and it is marked on its timeline.
    mentioned = Case.objects.get(notices__recipient=alex, notices__kind="mention")
    assert mentioned.owner != alex
    page = client.get(mentioned.get_absolute_url()).content.decode()
    assert '<mark class="mention">@alex</mark>' in page
    assert 'aria-label="Home, 1 new"' in page


def test_one_demo_case_has_shared_its_promise_page(seeded, db, client):
    [share] = PromiseShare.objects.all()
    assert share.is_live() and share.created_by == share.case.owner
    client.force_login(share.case.owner)
    page = client.get(share.case.get_absolute_url()).content.decode()
    link = page.split('data-testid="promise-share-link"')[0].rsplit('value="', 1)[1]
    client.logout()
    public = client.get(urlsplit(link.split('"')[0]).path)
    assert public.status_code == 200
    states = {p["state"] for p in public.context["promises"]}
    assert {"kept", "open", "missed"} <= states
    assert public.context["next_follow_up"] is not None


@pytest.mark.django_db
def test_the_demo_has_files_on_a_case_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seed_demo()
    files = list(Attachment.objects.select_related("compensation"))
    assert {f.content_type for f in files} == {"application/pdf", "image/png"}
    assert any(f.compensation is not None for f in files)
    seed_demo()
    assert Attachment.objects.count() == 2
