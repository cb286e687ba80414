"""Every Mend form, drawn by crispy's Bootstrap 5 pack, shows what a person needs:
each field's label, each error next to its field, what was typed, the help texts."""

import html
from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, Template

from cases.casework.actions import ACTIONS
from cases.casework.forms.cases import CaseOpenForm
from cases.choices import Step
from cases.forms import MendForm
from cases.models import Case, Contact
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
    # templates/bootstrap5/errors.html: crispy's, with role="alert".
    assert alert["attrs"].get("role") == "alert"
    assert text(alert) == "One <b> Two"


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
