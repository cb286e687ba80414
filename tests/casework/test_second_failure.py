"""A second failure for a client: found at logging, acted on, overridden."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.calendar import WorkCalendar, deadlines, targets_for
from cases.casework.guidance import DAMAGE_FIRST, GUIDANCE, guidance_for
from cases.casework.services.cases import case_advance, case_open
from cases.casework.services.second_failure import (
    second_failure_alert,
    second_failure_override,
)
from cases.choices import (
    ClientFit,
    NotificationKind,
    OurPart,
    OutboxStatus,
    Outcome,
    SecondFailureMeasure,
    SecondFailureReason,
    Severity,
    Step,
    TimelineKind,
)
from cases.exceptions import ConcurrentEdit, NotAllowed
from cases.models import Case, OutboxMessage
from cases.notifications.render import render
from tests.factories import ClientFactory, fill_step, make_case, version_of
from tests.test_admin_ladder import team_form

pytestmark = pytest.mark.django_db

M = SecondFailureMeasure


@pytest.fixture
def acme(team):
    return ClientFactory(team=team, name="Acme Freight")


def log(owner, client, **fields):
    """A dropped ball logged with the rule on, as the pages and the API do."""
    values = {"severity": Severity.MEDIUM, "parts": [OurPart.MISUNDERSTOOD]}
    values.update(fields)
    return make_case(owner, client=client, second_failure_rule=True, **values)


def closed(case, days_ago: int) -> Case:
    """The case as if closed `days_ago` days ago."""
    Case.objects.filter(pk=case.pk).update(
        step=Step.CLOSED,
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
        outcome=Outcome.RETAINED,
        client_fit=ClientFit.GOOD,
    )
    return Case.objects.get(pk=case.pk)


def hours_of(case) -> float:
    calendar = WorkCalendar.for_team(case.team)
    return calendar.business_hours_between(case.step_entered_at, case.step_due_at)


def entries(case, kind) -> list:
    return list(case.timeline.filter(kind=kind).order_by("pk"))


# When it is one.


def test_a_client_with_another_case_open_gets_a_second_failure(
    account_manager, sales_manager, acme
):
    first = log(account_manager, acme, parts=[OurPart.NO_BUFFER])
    second = log(account_manager, acme, parts=[OurPart.EAGER_YES])
    second.refresh_from_db()
    assert second.second_failure is True
    assert second.earlier_case == first
    assert second.second_failure_found == [
        {"case": first.pk, "reasons": [SecondFailureReason.OPEN]}
    ]
    first.refresh_from_db()
    assert first.second_failure is False
    [entry, told] = entries(second, TimelineKind.SECOND_FAILURE)
    assert "goodwill of the first recovery is spent" in entry.summary
    assert f"case {first.pk} (still open)" in entry.body
    assert {c["field"] for c in entry.changes} == {
        "Second failure",
        "Severity",
        "Step targets",
        "Guidance",
    }
    assert str(sales_manager) in told.summary


def test_a_case_closed_within_the_teams_days_counts(account_manager, acme):
    earlier = closed(log(account_manager, acme, parts=[OurPart.NO_BUFFER]), 179)
    case = log(account_manager, acme, parts=[OurPart.EAGER_YES])
    assert case.second_failure is True
    assert case.second_failure_found == [
        {"case": earlier.pk, "reasons": [SecondFailureReason.RECENT]}
    ]


def test_a_case_closed_longer_ago_than_the_teams_days_does_not(
    account_manager, acme, team
):
    closed(log(account_manager, acme, parts=[OurPart.NO_BUFFER]), 181)
    assert log(account_manager, acme, parts=[OurPart.EAGER_YES]).second_failure is False
    # The team's own setting counts, not the default.
    team.second_failure_days = 200
    team.save()
    case = log(account_manager, acme, parts=[OurPart.EAGER_YES])
    assert case.second_failure is True


def test_the_same_our_part_counts_however_long_ago(account_manager, acme):
    earlier = closed(log(account_manager, acme, parts=[OurPart.NO_BUFFER]), 900)
    case = log(account_manager, acme, parts=[OurPart.NO_BUFFER, OurPart.NO_BACKUP])
    assert case.second_failure is True
    assert case.second_failure_found == [
        {"case": earlier.pk, "reasons": [SecondFailureReason.SAME_PART]}
    ]


def test_another_clients_cases_and_a_first_failure_do_not_count(
    account_manager, sales_manager, acme, team
):
    log(account_manager, ClientFactory(team=team), parts=[OurPart.NO_BUFFER])
    case = log(account_manager, acme, parts=[OurPart.NO_BUFFER])
    assert case.second_failure is False
    assert case.severity == Severity.MEDIUM
    assert case.target_factor == 1
    assert not entries(case, TimelineKind.SECOND_FAILURE)
    assert not case.outbox_messages.filter(kind=NotificationKind.SECOND_FAILURE)


# What Mend does.


def test_severity_is_raised_to_high_but_never_lowered(account_manager, acme):
    log(account_manager, acme)
    raised = log(account_manager, acme, severity=Severity.LOW)
    assert (raised.severity, raised.severity_raised_from) == (Severity.HIGH, "low")
    critical = log(account_manager, acme, severity=Severity.CRITICAL)
    assert critical.second_failure is True
    assert (critical.severity, critical.severity_raised_from) == ("critical", "")


def test_the_factor_tightens_every_steps_deadline(
    account_manager, sales_manager, acme, team
):
    first = log(account_manager, acme)
    case = Case.objects.get(pk=log(account_manager, acme).pk)
    targets = targets_for(team)
    assert case.target_factor == Decimal("0.5")
    assert hours_of(case) == pytest.approx(float(targets[Step.ACKNOWLEDGE][0]) / 2)
    assert hours_of(Case.objects.get(pk=first.pk)) == pytest.approx(
        float(targets[Step.ACKNOWLEDGE][0])
    )
    assert (case.step_warn_at, case.step_due_at) == deadlines(
        team, Step.ACKNOWLEDGE, case.step_entered_at, factor=Decimal("0.5")
    )
    assert case.periods.get().due_at == case.step_due_at
    # The next step's target is tightened as well.
    fill_step(case, account_manager)
    case_advance(case_id=case.pk, by=account_manager, version=version_of(case))
    case.refresh_from_db()
    assert case.step == Step.ROOT_CAUSE
    assert hours_of(case) == pytest.approx(float(targets[Step.ROOT_CAUSE][0]) / 2)


def test_a_team_sets_its_own_factor(account_manager, acme, team):
    team.second_failure_factor = Decimal("0.25")
    team.save()
    log(account_manager, acme)
    case = Case.objects.get(pk=log(account_manager, acme).pk)
    target = float(targets_for(team)[Step.ACKNOWLEDGE][0])
    assert hours_of(case) == pytest.approx(target / 4)


def test_the_managers_are_alerted_once_as_a_second_failure(
    account_manager, sales_manager, acme
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    alerts = OutboxMessage.objects.filter(
        case=case, kind=NotificationKind.SECOND_FAILURE
    )
    assert [m.recipient for m in alerts] == [sales_manager]
    # Asked again (a retry, a second call): still one.
    second_failure_alert(case)
    assert alerts.count() == 1
    assert len(entries(case, TimelineKind.SECOND_FAILURE)) == 2
    email = render(alerts.select_related("case__client", "case__owner").get())
    assert email.subject == f"Second failure with Acme Freight: case {case.pk}"
    assert "raised by Mend from Medium" in email.body
    assert f"case {case.earlier_case_id} (still open, the same part" in email.body
    assert "0.5 of the usual" in email.body


def test_the_guidance_turns_to_limiting_the_damage(account_manager, acme):
    first = log(account_manager, acme)
    case = log(account_manager, acme)
    shown = guidance_for(case)
    assert shown["good"][:2] == DAMAGE_FIRST
    assert "manager" in shown["good"][0] and "boss" in shown["good"][1]
    assert guidance_for(first) == GUIDANCE[Step.ACKNOWLEDGE]


# Overrides.


def override(case, by, measure, reason="The earlier case was another division"):
    return second_failure_override(
        case_id=case.pk, by=by, version=version_of(case), measure=measure, reason=reason
    )


def test_a_sales_manager_restores_the_severity_with_a_reason(
    account_manager, sales_manager, acme
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    stale = version_of(case)
    done = override(case, sales_manager, M.SEVERITY, "It only delays one report")
    assert done.severity == Severity.MEDIUM
    # What Mend did is still said, now marked overridden.
    assert done.severity_raised_from == Severity.MEDIUM
    assert M.SEVERITY in done.second_failure_overridden
    # The rest stands.
    assert done.second_failure and done.damage_guidance
    assert done.target_factor == Decimal("0.5")
    [entry] = entries(done, TimelineKind.SECOND_FAILURE_OVERRIDDEN)
    assert entry.actor == sales_manager
    assert entry.summary == (
        "Overrode the raised severity. Why: It only delays one report"
    )
    assert entry.changes == [{"field": "Severity", "old": "High", "new": "Medium"}]
    # The same submit again: refused, nothing done twice.
    with pytest.raises(ConcurrentEdit):
        second_failure_override(
            case_id=case.pk,
            by=sales_manager,
            version=stale,
            measure=M.SEVERITY,
            reason="again",
        )
    with pytest.raises(NotAllowed, match="not in force"):
        override(case, sales_manager, M.SEVERITY)
    assert len(entries(done, TimelineKind.SECOND_FAILURE_OVERRIDDEN)) == 1


def test_a_severity_changed_since_is_left_as_it_is(
    account_manager, sales_manager, acme
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    Case.objects.filter(pk=case.pk).update(severity=Severity.CRITICAL)
    done = override(case, sales_manager, M.SEVERITY)
    assert done.severity == Severity.CRITICAL
    [entry] = entries(done, TimelineKind.SECOND_FAILURE_OVERRIDDEN)
    assert "changed since" in entry.body


def test_overriding_the_targets_restores_the_usual_deadlines(
    account_manager, sales_manager, acme, team
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    done = override(case, sales_manager, M.TARGETS)
    assert done.target_factor == 1
    assert (done.step_warn_at, done.step_due_at) == deadlines(
        team, Step.ACKNOWLEDGE, done.step_entered_at
    )
    assert done.periods.get().due_at == done.step_due_at
    assert done.severity == Severity.HIGH


def test_overriding_it_all_clears_the_flag_and_holds_back_the_alert(
    account_manager, sales_manager, acme
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    done = override(case, sales_manager, M.FLAG, "Same order, logged twice")
    assert done.second_failure is False
    assert done.severity == Severity.MEDIUM
    assert done.target_factor == 1
    assert done.damage_guidance is False
    assert guidance_for(done) == GUIDANCE[Step.ACKNOWLEDGE]
    alert = OutboxMessage.objects.get(case=case, kind=NotificationKind.SECOND_FAILURE)
    assert alert.status == OutboxStatus.SKIPPED
    assert "Same order, logged twice" in alert.last_error
    [entry] = entries(done, TimelineKind.SECOND_FAILURE_OVERRIDDEN)
    assert entry.changes[0] == {"field": "Second failure", "old": "Yes", "new": "No"}
    assert set(done.second_failure_overridden) == {
        M.SEVERITY,
        M.TARGETS,
        M.GUIDANCE,
        M.ALERT,
        M.FLAG,
    }
    with pytest.raises(NotAllowed, match="not treated as a second failure"):
        override(done, sales_manager, M.GUIDANCE)


def test_an_alert_already_sent_is_recorded_as_such(
    account_manager, sales_manager, acme
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    OutboxMessage.objects.filter(case=case).update(status=OutboxStatus.SENT)
    done = override(case, sales_manager, M.ALERT)
    [entry] = entries(done, TimelineKind.SECOND_FAILURE_OVERRIDDEN)
    assert entry.changes[0]["new"] == "Sent (it cannot be unsent)"
    assert done.second_failure is True


def test_an_override_needs_a_reason(account_manager, sales_manager, acme):
    log(account_manager, acme)
    case = log(account_manager, acme)
    with pytest.raises(NotAllowed, match="Say why"):
        override(case, sales_manager, M.SEVERITY, reason="   ")
    assert Case.objects.get(pk=case.pk).severity == Severity.HIGH


def test_an_account_manager_cannot_override(
    client, account_manager, sales_manager, acme
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    with pytest.raises(Case.DoesNotExist):
        override(case, account_manager, M.FLAG)
    client.force_login(account_manager)
    url = reverse("case_action", args=[case.pk, "second_failure_override"])
    answer = client.post(
        url,
        {
            "second_failure_override-version": version_of(case),
            "second_failure_override-measure": M.FLAG,
            "second_failure_override-reason": "I think not",
        },
    )
    assert answer.status_code == 403
    assert Case.objects.get(pk=case.pk).second_failure is True


def test_a_sales_manager_overrides_from_the_case_page(
    client, account_manager, sales_manager, acme
):
    log(account_manager, acme)
    case = log(account_manager, acme)
    client.force_login(sales_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'name="second_failure_override-measure"' in page
    url = reverse("case_action", args=[case.pk, "second_failure_override"])
    data = {
        "second_failure_override-version": version_of(case),
        "second_failure_override-measure": M.GUIDANCE,
        "second_failure_override-reason": "They asked us to keep it simple",
    }
    assert client.post(url, data).status_code == 302
    # A double submit of the same page changes nothing more.
    again = client.post(url, data).content.decode()
    assert "saved this case while you were editing" in again
    case.refresh_from_db()
    assert case.damage_guidance is False
    assert len(entries(case, TimelineKind.SECOND_FAILURE_OVERRIDDEN)) == 1
    page = client.get(case.get_absolute_url()).content.decode()
    assert "They asked us to keep it simple" in page
    # Without a reason: the form says so and nothing changes.
    data.update(
        {
            "second_failure_override-version": version_of(case),
            "second_failure_override-measure": M.SEVERITY,
            "second_failure_override-reason": "",
        }
    )
    refused = client.post(url, data).content.decode()
    assert "This field is required" in refused
    assert Case.objects.get(pk=case.pk).severity == Severity.HIGH


# The pages.


def test_the_case_page_names_and_links_the_earlier_case(
    client, account_manager, sales_manager, acme
):
    first = log(account_manager, acme)
    case = log(account_manager, acme)
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Second failure for Acme Freight" in page
    assert "goodwill" in page
    assert f'href="{first.get_absolute_url()}"' in page
    assert 'data-testid="damage-guidance"' in page
    # An account manager reads it; only a manager gets the override form.
    assert "second_failure_override-measure" not in page
    assert "second failure" not in client.get(first.get_absolute_url()).content.decode()


def test_the_case_page_costs_the_same_queries_however_many_earlier_cases(
    client, account_manager, sales_manager, acme, team
):
    client.force_login(sales_manager)
    log(account_manager, acme)
    few = log(account_manager, acme)
    other = ClientFactory(team=team)
    for _ in range(5):
        log(account_manager, other)
    many = log(account_manager, other)
    assert len(many.second_failure_found) == 5

    def queries(case) -> int:
        with CaptureQueriesContext(connection) as done:
            assert client.get(case.get_absolute_url()).status_code == 200
        return len(done)

    assert queries(many) == queries(few)


def test_the_logging_form_warns_as_the_client_is_chosen(
    client, account_manager, sales_manager, acme, team
):
    earlier = log(account_manager, acme)
    client.force_login(account_manager)
    url = reverse("second_failure_warning")
    panel = client.get(f"{url}?client={acme.pk}", headers={"HX-Request": "true"})
    text = panel.content.decode()
    assert "Second failure for Acme Freight" in text
    assert f"Case {earlier.pk}" in text and "still open" in text
    assert "<html" not in text
    fresh = ClientFactory(team=team)
    quiet = client.get(f"{url}?client={fresh.pk}", headers={"HX-Request": "true"})
    assert "Second failure" not in quiet.content.decode()
    # The same part of ours, ticked on the form, counts too.
    closed(log(account_manager, fresh, parts=[OurPart.NO_BACKUP]), 400)
    part = client.get(
        f"{url}?client={fresh.pk}&parts={OurPart.NO_BACKUP}",
        headers={"HX-Request": "true"},
    )
    assert "the same part of ours" in part.content.decode()
    # The form asks for the panel as the client changes, right under it.
    form = client.get(reverse("case_new")).content.decode()
    assert f'hx-get="{url}"' in form


def test_the_logging_form_redrawn_after_an_error_keeps_the_warning(
    client, account_manager, sales_manager, acme, team
):
    log(account_manager, acme)
    client.force_login(account_manager)
    answer = client.post(
        reverse("case_new"),
        {"team": team.pk, "client": acme.pk, "commitment": "", "what_happened": ""},
    )
    assert answer.status_code == 200
    assert 'data-testid="second-failure-warning"' in answer.content.decode()


def test_team_settings_are_checked(team):
    team.second_failure_factor = Decimal("0")
    team.second_failure_days = 0
    with pytest.raises(ValidationError) as error:
        team.full_clean()
    assert {"second_failure_factor", "second_failure_days"} <= set(
        error.value.message_dict
    )


def test_a_sales_manager_sets_the_teams_second_failure_rule(
    client, sales_manager, team
):
    client.force_login(sales_manager)
    url = reverse("team_calendar", args=[team.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="second-failure-settings"' in page
    assert 'value="180"' in page and 'value="0.5"' in page
    bad = {"form": "second_failure", "second_failure_days": "0"}
    refused = client.post(url, {**bad, "second_failure_factor": "1.5"})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "greater than or equal to 1" in text
    assert "less than or equal to 1" in text
    team.refresh_from_db()
    assert (team.second_failure_days, team.second_failure_factor) == (
        180,
        Decimal("0.5"),
    )
    saved = client.post(
        url,
        {
            "form": "second_failure",
            "second_failure_days": "90",
            "second_failure_factor": "0.75",
        },
    )
    assert saved.status_code == 302
    team.refresh_from_db()
    assert (team.second_failure_days, team.second_failure_factor) == (
        90,
        Decimal("0.75"),
    )


def test_the_admins_team_page_checks_the_second_failure_settings(
    client, administrator, team
):
    client.force_login(administrator)
    url = reverse("admin:cases_team_change", args=[team.pk])
    refused = client.post(url, team_form(team, second_failure_factor="0.05"))
    assert refused.status_code == 200
    assert "greater than or equal to 0.1" in refused.content.decode()
    saved = client.post(url, team_form(team, second_failure_days="30"))
    assert saved.status_code == 302
    team.refresh_from_db()
    assert team.second_failure_days == 30


def test_a_ball_logged_again_on_purpose_is_a_second_failure_told_as_such(
    account_manager, sales_manager, acme, team
):
    first = log(account_manager, acme, commitment="Deliver the pallets")
    again = case_open(
        by=account_manager,
        team=team,
        client=acme,
        commitment="Deliver the pallets",
        what_happened="The second van failed too.",
        severity=Severity.MEDIUM,
        ask=True,
        log_again=True,
    )
    assert again.second_failure and again.earlier_case == first
    kinds = dict(again.outbox_messages.values_list("kind", "status"))
    # The managers know of this dropped ball, not that it is a second one.
    assert kinds == {
        NotificationKind.CASE_LOGGED: OutboxStatus.SKIPPED,
        NotificationKind.SECOND_FAILURE: OutboxStatus.PENDING,
    }


def test_a_team_with_nobody_to_tell_says_so_on_the_case(client, account_manager, acme):
    log(account_manager, acme)
    case = log(account_manager, acme)
    assert case.second_failure is True
    assert not case.outbox_messages.exists()
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Nobody to tell" in page


def test_logging_a_second_failure_says_so(
    client, account_manager, sales_manager, acme, team
):
    log(account_manager, acme)
    client.force_login(account_manager)
    form = client.get(reverse("case_new")).context["form"]
    answer = client.post(
        reverse("case_new"),
        {
            "submission_key": form.initial["submission_key"],
            "team": team.pk,
            "client": acme.pk,
            "commitment": "Relabel the returns",
            "what_happened": "Nobody came.",
            "severity": Severity.LOW,
        },
        follow=True,
    )
    page = answer.content.decode()
    assert "Your sales manager is alerted. It is a second failure" in page
    case = Case.objects.get(commitment="Relabel the returns")
    assert (case.second_failure, case.severity) == (True, Severity.HIGH)
