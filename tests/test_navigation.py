"""Only the current page carries aria-current="page": the one navigation item
that best matches the address (issue 17, item 15)."""

import re

import pytest
from django.urls import reverse

from cases.choices import Step
from tests.factories import case_in_step

pytestmark = pytest.mark.django_db


def currents(html: str) -> list[tuple[str, str]]:
    """(aria-current value, link text) for every element that carries one."""
    return [
        (value, re.sub(r"<[^>]+>", "", text).strip())
        for value, text in re.findall(
            r'<(?:a|li)[^>]*aria-current="([^"]+)"[^>]*>(.*?)</(?:a|li)>', html, re.S
        )
    ]


@pytest.mark.parametrize(
    ("url_name", "label"),
    [
        ("home", "Home"),
        ("my_cases", "My cases"),
        ("case_list", "All cases"),
        ("case_new", "Log a dropped ball"),
        ("insights", "Insights"),
    ],
)
def test_exactly_one_navigation_item_is_the_current_page(
    client, account_manager, sales_manager, url_name, label
):
    client.force_login(account_manager)

    html = client.get(reverse(url_name)).content.decode()

    assert currents(html) == [("page", label)]
    menu = html.split('aria-label="Main"')[1].split("</nav>")[0]
    assert len(re.findall(r'class="nav-link active"', menu)) == 1


def test_a_case_marks_its_section_and_its_breadcrumb_is_the_page(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)

    html = client.get(case.get_absolute_url()).content.decode()

    found = currents(html)
    assert ("true", "All cases") in found
    assert [text for value, text in found if value == "page"] == [f"Case {case.pk}"]
