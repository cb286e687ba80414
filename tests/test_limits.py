"""Every text field says its limit, and a text over it is refused with a
message that says by how much, never cut (issue 17, item 10)."""

import re
import uuid

import pytest
from django import forms
from django.urls import reverse

from cases.casework.actions import ACTIONS
from cases.casework.services.timeline import timeline_record
from cases.choices import Step, TimelineKind
from cases.forms import MendForm
from cases.models import Case, Option
from tests.factories import case_in_step
from tests.posts import new_case

pytestmark = pytest.mark.django_db


def field_tag(html: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html).group(0)


def test_the_logging_form_says_each_limit_and_gives_it_to_the_counter(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)

    html = client.get(reverse("case_new")).content.decode()

    commitment = field_tag(html, "commitment")
    assert 'maxlength="300"' in commitment
    assert 'data-limit="300"' in commitment
    assert 'aria-describedby="id_commitment_helptext"' in commitment
    assert re.search(
        r'id="id_commitment_helptext"[^>]*>\s*300 characters at most.', html
    )
    what_happened = field_tag(html, "what_happened")
    assert 'data-limit="5000"' in what_happened
    assert "5,000 characters at most." in html
    # The limit is said beside the field's own help, not instead of it.
    assert "Not in the list? Type its name in the next field." in html


def test_an_over_long_text_is_refused_saying_by_how_much(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    commitment = "x" * 312

    response = new_case(client, commitment=commitment)

    assert response.status_code == 200
    html = response.content.decode()
    assert "This can be at most 300 characters; it has 312. Shorten it by 12;" in html
    # Nothing saved, nothing cut: the text comes back whole for shortening.
    assert not Case.objects.exists()
    assert f'value="{commitment}"' in field_tag(html, "commitment")


def test_a_text_at_its_limit_is_kept_whole(client, account_manager, sales_manager):
    client.force_login(account_manager)

    response = new_case(client, commitment="y" * 300)

    assert response.status_code == 302
    assert Case.objects.get().commitment == "y" * 300


def test_every_case_page_form_says_the_limit_of_each_text_field(
    account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    checked = 0
    for name, action in ACTIONS.items():
        form = action.build(case, name=name)
        for field_name, field in form.fields.items():
            if not isinstance(field, forms.CharField) or field.widget.is_hidden:
                continue
            limit = field.max_length or field.widget.attrs.get("maxlength")
            assert limit, f"{name}.{field_name}: a text field without a limit"
            drawn = form[field_name]
            assert f'data-limit="{limit}"' in str(drawn), (name, field_name)
            assert f"{int(limit):,} characters at most." in str(drawn.help_text)
            checked += 1
    assert checked > 20


def test_the_limit_is_said_once_however_often_the_form_is_checked():
    class Form(MendForm):
        note = forms.CharField(max_length=40, help_text="What was agreed.")

    form = Form({"note": "n" * 41})
    form.full_clean()
    form.full_clean()

    assert form.fields["note"].help_text == "What was agreed. 40 characters at most."
    assert form.errors["note"] == [
        "This can be at most 40 characters; it has 41. Shorten it by 1; "
        "what you typed is kept."
    ]


def test_a_case_page_form_over_its_limit_is_refused_and_kept(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    description = ("Ship from the Lyon warehouse; " * 11).strip()
    assert len(description) == 329

    response = client.post(
        reverse("case_action", args=[case.pk, "option"]),
        {
            "option-submission_key": str(uuid.uuid4()),
            "option-description": description,
            "option-cost_to_us": "100",
            "option-time_to_deliver": "2 days",
            "option-feasibility": "high",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 300 characters; it has 329. Shorten it by 29" in html
    assert description in html
    assert not Option.objects.filter(case=case).exists()


def test_a_comment_says_its_limit(client, account_manager, sales_manager):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(sales_manager)

    html = client.get(case.get_absolute_url()).content.decode()

    comment = field_tag(html, "comment-text")
    assert 'data-limit="4000"' in comment
    assert "4,000 characters at most." in html


def test_a_long_timeline_summary_is_kept_whole_in_the_body(
    account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    summary = "Offered: " + "two extra training seats and a free month " * 9

    entry = timeline_record(
        case=case, by=account_manager, kind=TimelineKind.COMPENSATION, summary=summary
    )

    assert len(entry.summary) == 300
    assert entry.summary.endswith("…")
    assert entry.body == summary


def test_a_search_of_too_many_words_says_so(client, sales_manager):
    client.force_login(sales_manager)

    response = client.get(reverse("case_list"), {"q": "one two three four five six"})

    assert response.status_code == 200
    assert "Search for 5 words at most; this has 6." in response.content.decode()
