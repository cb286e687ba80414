"""Every Mend form, drawn by crispy's Bootstrap 5 pack, shows what a person needs:
each field's label, each error next to its field, what was typed, the help texts."""

import datetime as dt
import html
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from cases.casework.actions import ACTIONS
from cases.casework.forms.cases import CaseOpenForm
from cases.choices import Approval, CompensationKind, FollowUpStatus, Step
from cases.forms import MendForm
from cases.models import Case, Compensation, Contact, FollowUp, Option, Promise
from cases.review.filters import CaseFilter
from cases.workflow import WORKING_STEPS
from tests.factories import ClientFactory, case_in_step, make_case

pytestmark = pytest.mark.django_db

VOID = {"input", "br", "hr", "img", "meta", "link"}


class _Elements(HTMLParser):
    """Each element's tag, attributes and text (its descendants' included)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.open = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.found.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        if tag not in VOID:
            assert self.open.pop()["tag"] == tag, f"</{tag}> closes another element"

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data


def elements(page: str) -> list[dict]:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    assert not parser.open, "unclosed elements"
    return parser.found


def classes(element) -> set[str]:
    return set((element["attrs"].get("class") or "").split())


def text(element) -> str:
    return " ".join(element["text"].split())


# Inputs that show back what was typed, even when it is wrong.
TYPED = {"text", "number", "email", "date"}

CRISPY = Template("{% load crispy_forms_tags %}{% crispy form %}")


def drawn(form) -> str:
    return CRISPY.render(Context({"form": form}))


def assert_shows_what_a_person_needs(form) -> str:
    page = drawn(form)
    found = elements(page)
    captions = [text(e) for e in found if e["tag"] in ("label", "legend")]
    feedback = " ".join(text(e) for e in found if "invalid-feedback" in classes(e))
    helps = " ".join(text(e) for e in found if "form-text" in classes(e))
    by_name = {}
    for element in found:
        if element["tag"] in ("input", "select", "textarea"):
            by_name.setdefault(element["attrs"].get("name"), []).append(element)
    for bf in form:
        if bf.name in getattr(form, "sent_by_buttons", ()):
            continue  # a submit button's name, drawn with the warning it answers
        controls = by_name.get(bf.html_name)
        assert controls, f"{bf.html_name} is not drawn"
        if bf.is_hidden:
            continue
        assert any(str(bf.label) in caption for caption in captions), bf.label
        if bf.help_text:
            assert str(bf.help_text) in helps
        for error in bf.errors:
            assert error in feedback, f"{bf.html_name}: {error}"
        if bf.errors:
            assert any("is-invalid" in classes(c) for c in controls), bf.html_name
        typed = form.data.get(bf.html_name) if form.is_bound else None
        box = controls[0]
        if isinstance(typed, str) and typed and box["attrs"].get("type") in TYPED:
            assert box["attrs"].get("value") == typed, bf.html_name
    return page


def bound(name, form_data):
    return {f"{name}-{key}": value for key, value in form_data.items()}


# What a user might type wrong in any of the case page's forms.
JUNK = {
    "version": "x",
    "submission_key": "not-a-key",
    "due_on": "31/02/2020",
    "happened_at": "yesterday",
    "detected_at": "2999-01-01T10:00",
    "apologised_on": "2999-01-01",
    "email": "not-an-email",
    "cost_to_us": "-5",
    "value_to_client": "lots",
    "feasibility": "maybe",
    "channel": "pigeon",
    "on_behalf": "nobody",
    "kind": "gold",
    "severity": "apocalyptic",
    "parts": ["nonsense"],
    "contacts": ["999999"],
    "people": ["999999"],
    "contact": "999999",
    "owner": "999999",
    "outcome": "maybe",
    "reason": "short",
    "text": "",
    "description": '<b>bold</b> & "quoted"',
    "q_written_expectations": "perhaps",
    "note_followed_through": "A note without an answer",
}


@pytest.fixture
def case_at(account_manager, sales_manager):
    def _at(step):
        return case_in_step(step, owner=account_manager)

    return _at


@pytest.mark.parametrize("step", WORKING_STEPS)
def test_every_case_page_form_shows_labels_errors_and_what_was_typed(case_at, step):
    case = Case.objects.select_related("client", "team").get(pk=case_at(step).pk)
    Contact.objects.create(client=case.client, name="Sam O'Neil & Co")
    shown = 0
    for name, action in ACTIONS.items():
        if not action.prefixed:
            continue  # written by hand in the templates
        for data in (None, {}, bound(name, JUNK)):
            form = action.build(case, data, name)
            if data is not None:
                assert not form.is_valid()
            page = assert_shows_what_a_person_needs(form)
            assert "<b>bold</b>" not in page  # what was typed is escaped
            shown += 1
    assert shown >= 3 * 13


def test_the_new_case_form_explains_each_mistake(account_manager, team):
    ClientFactory(team=team, name="Fabrikam <Europe>")
    page = assert_shows_what_a_person_needs(CaseOpenForm(user=account_manager))
    assert html.escape("Fabrikam <Europe>") in page
    assert "More details (optional now)" in page
    form = CaseOpenForm(
        {"client": "999999", "severity": "huge", "parts": ["x"], "detected_at": "?"},
        user=account_manager,
    )
    assert not form.is_valid()
    page = assert_shows_what_a_person_needs(form)
    assert "Select a valid choice" in page
    assert "Enter a valid date/time." in page
    # Choosing a client asks the server for its history.
    assert 'hx-get="/clients/history/"' in page


def test_an_error_about_the_whole_form_is_announced():
    class Form(MendForm):
        def clean(self):
            raise forms.ValidationError(["One <b>", "Two"])

    form = Form({})
    assert not form.is_valid()
    (alert,) = [e for e in elements(drawn(form)) if "alert-danger" in classes(e)]
    # templates/bootstrap5/errors.html: crispy's, with role="alert", and the
    # heading that names it when forms.js moves focus there.
    assert alert["attrs"].get("role") == "alert"
    assert alert["attrs"].get("tabindex") == "-1"
    assert alert["attrs"].get("aria-labelledby") == "form-error-summary-title"
    assert text(alert) == "Please correct this first One <b> Two"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "open", "severity": "high", "step": Step.OPTIONS},
        {"q": "<Harbour>", "opened_after": "not a date", "step": "bogus"},
        {"owner": "999999", "team": "x", "sort": "-nothing"},
    ],
)
def test_the_list_filters_show_labels_errors_and_what_was_typed(
    sales_manager, account_manager, query
):
    make_case(account_manager)
    case_filter = CaseFilter(query or None, Case.objects.all(), user=sales_manager)
    form = case_filter.form
    form.is_valid()
    page = assert_shows_what_a_person_needs(form)
    assert "<Harbour>" not in page


# The small forms acting on one record of the case (or on the case as a whole).
RECORD_ACTIONS = {name for name, action in ACTIONS.items() if not action.prefixed}


def _promise(case, by):
    return Promise.objects.create(
        case=case,
        description="Call every Friday",
        due_on=timezone.localdate() + dt.timedelta(days=7),
        made_by=by,
        made_in_step=case.step,
    )


def _offer(case, approval):
    return Compensation.objects.create(
        case=case,
        offered_by=case.owner,
        kind=CompensationKind.TRAINING,
        description=f"A session ({approval})",
        value_to_client=Decimal("900"),
        cost_to_us=Decimal("300"),
        guideline=Decimal("100"),
        approval=approval,
    )


def record_forms(page: str, case) -> dict[str, list[list[dict]]]:
    """Per action, the elements of each of its forms on the page."""
    found = {}
    for form in re.findall(r"<form\b.*?</form>", page, re.S):
        parts = elements(form)
        action = parts[0]["attrs"].get("action", "")
        for name in RECORD_ACTIONS:
            if action == reverse("case_action", args=[case.pk, name]):
                found.setdefault(name, []).append(parts)
    return found


def assert_drawn_for_a_person(page: str, parts: list[dict]):
    form = parts[0]
    assert form["attrs"].get("method") == "post"
    assert "data-one-submit" in form["attrs"]
    tokens = [e for e in parts if e["attrs"].get("name") == "csrfmiddlewaretoken"]
    assert len(tokens) == 1 and tokens[0]["attrs"].get("value")
    labels = {e["attrs"].get("for"): e for e in elements(page) if e["tag"] == "label"}
    for box in parts:
        if box["tag"] == "input" and box["attrs"].get("type") != "hidden":
            label = labels.get(box["attrs"].get("id"))
            assert label is not None and text(label), box["attrs"]
            assert "visually-hidden" in classes(label)
            assert "form-control-sm" in classes(box)
    for button in (e for e in parts if e["tag"] == "button"):
        assert {"btn", "btn-sm"} <= classes(button) or "move on" in text(button)
        assert button["attrs"].get("type") == "submit"


def posted(parts: list[dict], button: str, typed: dict) -> dict:
    """What the browser sends when `button` is pressed, with `typed` filled in."""
    data = {}
    for box in parts:
        name = box["attrs"].get("name")
        if box["tag"] == "input" and name:
            data[name] = typed.get(name, box["attrs"].get("value", ""))
    (pressed,) = [e for e in parts if e["tag"] == "button" and text(e) == button]
    if "name" in pressed["attrs"]:
        data[pressed["attrs"]["name"]] = pressed["attrs"]["value"]
    return data


def test_each_record_form_is_drawn_by_crispy_and_posts_what_the_view_takes(
    account_manager, sales_manager
):
    today = timezone.localdate()
    options = case_in_step(Step.OPTIONS, owner=account_manager)
    chosen, other = (
        Option.objects.create(
            case=options,
            description=description,
            cost_to_us=Decimal("200"),
            time_to_deliver="3 days",
            feasibility="high",
            chosen=is_chosen,
        )
        for description, is_chosen in [
            ("Send our senior trainer", True),
            ("Remote", False),
        ]
    )
    promise = _promise(options, account_manager)
    compensate = case_in_step(Step.COMPENSATE, owner=account_manager)
    pending, approved = (
        _offer(compensate, Approval.PENDING),
        _offer(compensate, Approval.APPROVED),
    )
    follow_up = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    scheduled = FollowUp.objects.create(
        case=follow_up,
        due_on=today - dt.timedelta(days=1),  # missed only once its day has passed
        purpose="Check the new schedule",
    )
    # With CSRF checks on, as in a browser: the token drawn in each form counts.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sales_manager)

    def page_of(case):
        response = browser.get(case.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        ids = [e["attrs"]["id"] for e in elements(page) if "id" in e["attrs"]]
        assert len(ids) == len(set(ids)), "an id is used twice on the page"
        found = record_forms(page, case)
        for forms_of_action in found.values():
            for parts in forms_of_action:
                assert_drawn_for_a_person(page, parts)
        return found

    def press(case, name, parts, button, **typed):
        data = posted(parts, button, typed)
        url = reverse("case_action", args=[case.pk, name])
        response = browser.post(url, data, follow=True)
        # Back to the page, at the part the form was in (its anchor).
        assert response.redirect_chain[-1][0].split("#")[0] == case.get_absolute_url()
        problems = [m for m in response.context["messages"] if m.level_tag == "error"]
        assert not problems, problems
        return data

    found = page_of(options)
    assert set(found) == {"choose_option", "settle_promise", "advance"}
    by_record = {
        int(
            next(e for e in parts if e["attrs"].get("name") == "record")["attrs"][
                "value"
            ]
        ): parts
        for parts in found["choose_option"]
    }
    sent = press(options, "choose_option", by_record[other.pk], "Choose")
    assert sent.keys() - {"csrfmiddlewaretoken"} == {"record", "chosen"}
    assert (sent["record"], sent["chosen"]) == (str(other.pk), "on")
    other.refresh_from_db()
    assert other.chosen
    sent = press(options, "choose_option", by_record[chosen.pk], "Set aside")
    assert "chosen" not in sent
    chosen.refresh_from_db()
    assert not chosen.chosen
    (kept,) = found["settle_promise"]
    # Due later: the reason it is kept early is asked for, and required.
    (why,) = [e for e in kept if e["attrs"].get("name") == "early_reason"]
    assert "required" in why["attrs"]
    sent = press(options, "settle_promise", kept, "Kept", early_reason="Sent early")
    assert (sent["outcome"], sent["early_reason"]) == ("kept", "Sent early")
    promise.refresh_from_db()
    assert promise.status == "kept"
    (advance,) = found["advance"]
    assert [text(e) for e in advance if e["tag"] == "button"] == [
        "Step complete: move on"
    ]

    found = page_of(compensate)
    assert set(found) >= {"decide", "deliver"}
    # Any offer not yet delivered may be declined; only the pending one approved.
    decide, decline_only = found["decide"]
    assert [text(e) for e in decline_only if e["tag"] == "button"] == ["Decline"]
    drawn_at = Case.objects.get(pk=compensate.pk).version
    sent = press(compensate, "decide", decide, "Approve", note="Fair for a week lost")
    assert (sent["decision"], sent["record"]) == ("approve", str(pending.pk))
    # The save the page was drawn from, so a decision on an older page is refused.
    assert sent["version"] == str(drawn_at)
    pending.refresh_from_db()
    assert (pending.approval, pending.decision_note) == (
        Approval.APPROVED,
        "Fair for a week lost",
    )
    (deliver,) = found["deliver"]
    (date_box,) = [e for e in deliver if e["attrs"].get("name") == "delivered_on"]
    assert date_box["attrs"]["max"] == date_box["attrs"]["value"] == today.isoformat()
    assert "required" in date_box["attrs"]
    press(compensate, "deliver", deliver, "Mark delivered")
    approved.refresh_from_db()
    assert approved.delivered_on == today

    found = page_of(follow_up)
    (settle,) = found["settle_follow_up"]
    (notes,) = [e for e in settle if e["attrs"].get("name") == "notes"]
    assert notes["attrs"]["placeholder"] == "How it went"
    sent = press(follow_up, "settle_follow_up", settle, "Missed", notes="No answer")
    assert (sent["status"], sent["notes"]) == ("missed", "No answer")
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.notes) == (FollowUpStatus.MISSED, "No answer")


def test_the_record_form_tag_takes_the_csrf_token_from_the_request(
    account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    promise = _promise(case, account_manager)
    request = RequestFactory().get("/")
    request.user = account_manager
    tag = Template("{% load case_actions %}{% record_form 'settle_promise' promise %}")
    page = tag.render(RequestContext(request, {"case": case, "promise": promise}))
    (token,) = [
        e for e in elements(page) if e["attrs"].get("name") == "csrfmiddlewaretoken"
    ]
    assert token["attrs"]["value"]
    assert f'id="id_settlepromise_{promise.pk}_record"' in page


def test_the_no_compensation_form_posts_the_version_it_was_drawn_from(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    action = reverse("case_action", args=[case.pk, "no_compensation"])
    (form,) = [f for f in re.findall(r"<form\b.*?</form>", page, re.S) if action in f]
    boxes = {e["attrs"].get("name"): e["attrs"] for e in elements(form)}
    stored = Case.objects.get(pk=case.pk)
    assert boxes["no_compensation-version"]["type"] == "hidden"
    assert boxes["no_compensation-version"]["value"] == str(stored.version)

    posted = {"no_compensation-reason": "The client asked for nothing more."}
    posted["no_compensation-version"] = boxes["no_compensation-version"]["value"]
    response = client.post(action, posted)
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).no_compensation_reason == (
        "The client asked for nothing more."
    )
