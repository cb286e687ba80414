"""Mend draws its forms in Python (cases.forms.render) exactly as crispy would.

Each form is drawn both ways, unbound and with errors, and the two HTML trees
are compared: same elements, attributes, classes, text, and a space between
two elements wherever crispy leaves one (between inline radios it shows).
"""

from html.parser import HTMLParser

import pytest
from crispy_forms.layout import HTML, Layout
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template

from cases.filters import FILTER_COLUMNS, CaseFilter
from cases.forms.base import MendForm
from cases.forms.cases import CaseOpenForm
from cases.models import Case, Contact
from cases.views.actions import ACTIONS
from cases.workflow import WORKING_STEPS, Step
from tests.factories import ClientFactory, make_case, walk_to

pytestmark = pytest.mark.django_db

VOID = {"input", "br", "hr", "img", "meta", "link"}
SPACE = object()


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = ("root", (), [])
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        attrs = tuple(
            sorted(
                (name, " ".join(sorted((value or "").split())))
                if name == "class"
                else (name, value)
                for name, value in attrs
            )
        )
        node = (tag, attrs, [])
        self.open[-1][2].append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        if tag not in VOID:
            assert self.open.pop()[0] == tag

    def handle_data(self, data):
        text = " ".join(data.split())
        self.open[-1][2].append(text or SPACE)


def _clean(node):
    if isinstance(node, str):
        return node
    tag, attrs, children = node
    kept = []
    for index, child in enumerate(children):
        if child is SPACE:
            before = children[index - 1] if index else None
            after = children[index + 1] if index + 1 < len(children) else None
            if isinstance(before, tuple) and isinstance(after, tuple):
                kept.append(" ")  # whitespace between two elements
            continue
        kept.append(_clean(child))
    return (tag, attrs, kept)


def tree(html: str):
    parser = _Tree()
    parser.feed(str(html))
    parser.close()
    assert parser.open == [parser.root], "unclosed elements"
    return _clean(parser.root)


CRISPY_TAG = Template("{% load crispy_forms_tags %}{% crispy form %}")


def assert_drawn_as_crispy(form):
    ours = str(form)  # {{ form }}: cases.forms.render
    # crispy's tag, with Django's own widget templates (crispy changes the
    # widgets' classes in place, so it goes second).
    form.renderer = DjangoTemplates()
    theirs = CRISPY_TAG.render(Context({"form": form}))
    assert tree(ours) == tree(theirs)
    return ours


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
        case = make_case(account_manager)
        return walk_to(case, step, account_manager)

    return _at


@pytest.mark.parametrize("step", WORKING_STEPS)
def test_every_case_page_form_is_drawn_as_crispy_draws_it(case_at, step):
    case = Case.objects.select_related("client", "team").get(pk=case_at(step).pk)
    Contact.objects.create(client=case.client, name="Sam O'Neil & Co")
    drawn = 0
    for name, action in ACTIONS.items():
        if not action.prefixed:
            continue  # written by hand in the templates
        for data in (None, {}, bound(name, JUNK)):
            form = action.build(case, data, name)
            if data is not None:
                form.is_valid()
            assert_drawn_as_crispy(form)
            drawn += 1
    assert drawn >= 3 * 13


def test_the_new_case_form_is_drawn_as_crispy_draws_it(account_manager, team):
    ClientFactory(team=team, name="Fabrikam <Europe>")
    assert_drawn_as_crispy(CaseOpenForm(user=account_manager))
    form = CaseOpenForm(
        {"client": "999999", "severity": "huge", "parts": ["x"], "detected_at": "?"},
        user=account_manager,
    )
    assert not form.is_valid()
    html = assert_drawn_as_crispy(form)
    assert "Select a valid choice" in html
    assert 'hx-get="/clients/history/"' in html


def test_a_form_error_for_the_whole_form_is_drawn_as_crispy_draws_it():
    class Form(MendForm):
        def clean(self):
            raise forms.ValidationError(["One <b>", "Two"])

    form = Form({})
    assert not form.is_valid()
    assert "alert-danger" in assert_drawn_as_crispy(form)


# What templates/cases/review/case_list.html wrote before, field by field.
FILTERS_BEFORE = Template(
    "{% load crispy_forms_tags %}"
    '<div class="row g-2 align-items-end">\n'
    '  <div class="col-md-4">{{ form.q|as_crispy_field }}</div>\n'
    "{% for field in rest %}"
    '  <div class="col-md-2">{{ field|as_crispy_field }}</div>\n'
    "{% endfor %}</div>"
)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "open", "severity": "high", "step": Step.OPTIONS},
        {"q": "<Harbour>", "opened_after": "not a date", "step": "bogus"},
        {"owner": "999999", "team": "x", "sort": "-nothing"},
    ],
)
def test_the_list_filters_are_drawn_as_each_field_was_with_crispy(
    sales_manager, account_manager, query
):
    make_case(account_manager)
    case_filter = CaseFilter(query or None, Case.objects.all(), user=sales_manager)
    form = case_filter.form
    form.is_valid()
    ours = str(form)
    # As before: django-filter's plain form, no crispy helper, Django's widgets.
    form.helper = None
    form.renderer = DjangoTemplates()
    rest = [form[name] for name in FILTER_COLUMNS[1:]]
    theirs = FILTERS_BEFORE.render(Context({"form": form, "rest": rest}))
    assert tree(ours) == tree(theirs)


def test_a_layout_object_the_renderer_does_not_know_is_refused():
    class Form(MendForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.helper.layout = Layout(HTML("<p>Hi</p>"))

    with pytest.raises(NotImplementedError, match="HTML"):
        str(Form())
