"""What axe does not check (issue 17, item 15): the contrast of control borders
and focus rings as Chromium draws them (WCAG 1.4.11), focus on the error
summary after a refused save, keyboard reach of a table that scrolls sideways
(2.1.1), and the counter of a text field nearing its limit (item 10)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from cases.choices import Step
from tests.factories import PASSWORD, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)

# Contrast as WCAG 2.1 defines it, of the colours getComputedStyle reports; a
# translucent colour is laid over what is behind it, up to the first opaque one.
CONTRAST = """
(() => {
  function rgba(text) {
    const parts = text.match(/[\\d.]+/g).map(Number);
    const a = parts.length > 3 ? parts[3] : 1;
    return { r: parts[0], g: parts[1], b: parts[2], a };
  }
  function over(top, below) {
    const a = top.a + below.a * (1 - top.a);
    const mix = (t, b) => (t * top.a + b * below.a * (1 - top.a)) / (a || 1);
    const [r, g, b] = ["r", "g", "b"].map((k) => mix(top[k], below[k]));
    return { r, g, b, a };
  }
  // What shows behind an element: the backgrounds of it and its ancestors.
  function backdrop(element) {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.a > 0) layers.push(colour);
      if (colour.a >= 1) break;
    }
    let result = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  }
  function luminance(c) {
    const channel = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  }
  function ratio(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }
  window.mendContrast = {
    // A control's border against its own fill and the page around it.
    border(element) {
      const style = getComputedStyle(element);
      const border = over(rgba(style.borderTopColor), backdrop(element.parentElement));
      return {
        width: parseFloat(style.borderTopWidth),
        inside: ratio(border, backdrop(element)),
        outside: ratio(border, backdrop(element.parentElement)),
      };
    },
    // The focus ring around an element, against what is around it.
    outline(element) {
      const style = getComputedStyle(element);
      const around = backdrop(element.parentElement);
      return {
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        shadow: style.boxShadow,
        outside: ratio(over(rgba(style.outlineColor), around), around),
      };
    },
  };
})();
"""


# The first thing in the logging form a reader meets: the summary.
FIRST_IN_FORM = """
document.querySelector('#case-new-form')
  .querySelector('.alert, input:not([type=hidden]), select, textarea')
  .hasAttribute('data-error-summary')
"""


def measure(page, kind, selector):
    page.evaluate(CONTRAST)
    return page.locator(selector).first.evaluate(
        f"(element) => window.mendContrast.{kind}(element)"
    )


def tab_to(page, test: str, presses: int = 60) -> None:
    """Press Tab until the focused element passes `test` (a JS predicate)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({test}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {test}")


def test_borders_and_focus_rings_have_three_to_one_contrast(
    page, live_server, sign_in, account_manager, sales_manager
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")

    for selector in [
        "#id_commitment",  # a text input
        "#id_what_happened",  # a text area
        "#id_client",  # a select
        "input[type=radio][name=severity]",
        "input[type=checkbox][name=parts]",
    ]:
        border = measure(page, "border", selector)
        assert border["width"] >= 1, selector
        assert border["inside"] >= 3, (selector, border)
        assert border["outside"] >= 3, (selector, border)

    # Focus rings: reached by keyboard, as a keyboard user reaches them.
    tab_to(page, "(e) => e.matches('.navbar .nav-link')")
    ring = measure(page, "outline", ":focus")
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert ring["outside"] >= 3, ("navbar link", ring)

    tab_to(page, "(e) => e.id === 'id_commitment'")
    ring = measure(page, "outline", ":focus")
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert ring["outside"] >= 3, ("text input", ring)

    tab_to(page, "(e) => e.type === 'radio'")
    ring = measure(page, "outline", ":focus")
    assert ring["width"] >= 2 and ring["outside"] >= 3, ("radio", ring)

    tab_to(page, "(e) => e.type === 'checkbox'")
    ring = measure(page, "outline", ":focus")
    assert ring["width"] >= 2 and ring["outside"] >= 3, ("checkbox", ring)

    tab_to(page, "(e) => e.matches('button.btn-primary')")
    ring = measure(page, "outline", ":focus")
    assert ring["width"] >= 2 and ring["outside"] >= 3, ("button", ring)


def test_a_refused_log_puts_focus_on_a_summary_that_links_to_the_client(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    # Everything the browser asks for, but no client: the server refuses it.
    page.get_by_label("What was promised").fill("Deliver 40 laptops")
    page.get_by_label("What happened").fill("They went to the wrong city.")
    page.get_by_label("Medium").check()
    page.get_by_role("button", name="Log it and alert my manager").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert page.evaluate(
        "document.activeElement === document.querySelector('[data-error-summary]')"
    )
    expect(summary).to_have_accessible_name("Please correct this first")
    link = summary.get_by_role("link", name="Choose the client")
    expect(link).to_have_attribute("href", "#id_client")
    # It heads the form, and its link takes the cursor to the field.
    assert page.evaluate(FIRST_IN_FORM)
    link.click()
    expect(page.locator("#id_client")).to_be_focused()
    assert csp_violations == []


def test_a_refused_case_page_form_puts_focus_on_its_summary(
    page, live_server, sign_in, account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("form", has=page.locator("#id_follow_up-due_on"))
    yesterday = dt.date.today() - dt.timedelta(days=2)
    form.locator("#id_follow_up-due_on").fill(yesterday.isoformat())
    form.locator("#id_follow_up-purpose").fill("Check the schedule")
    form.get_by_role("button").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute(
        "href", "#id_follow_up-due_on"
    )


def test_the_insights_table_is_reached_and_scrolled_by_keyboard_on_a_phone(
    page, live_server, sign_in, account_manager, sales_manager
):
    case_in_step(Step.CLOSED, owner=account_manager)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("sam", PASSWORD)
    page.goto(f"{live_server.url}/insights/")
    wrapper = page.locator(".table-responsive", has=page.get_by_test_id("steps"))
    assert wrapper.evaluate("(e) => e.scrollWidth > e.clientWidth"), "it scrolls"
    expect(wrapper).to_have_attribute("role", "region")
    expect(wrapper).to_have_accessible_name("Time in each step")

    tab_to(
        page,
        "(e) => !!e.querySelector(':scope > [data-testid=steps]')",
        presses=120,
    )
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")

    # Chromium animates keyboard scrolling: wait for the region to move rather
    # than read scrollLeft in the frame the key went in.
    page.wait_for_function(
        "(e) => e.scrollLeft > 0", arg=wrapper.element_handle(), timeout=5000
    )
    ring = measure(page, "outline", ":focus")
    assert ring["width"] >= 2 and ring["outside"] >= 3, ring


def test_a_text_field_counts_as_it_nears_its_limit(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    field = page.get_by_label("What was promised")
    expect(page.get_by_text("300 characters at most.")).to_be_visible()
    counter = page.locator("#id_commitment ~ .mend-count")
    expect(counter).to_be_hidden()

    field.fill("x" * 250)
    expect(counter).to_have_text("250 / 300")
    status = page.locator("#id_commitment ~ [data-count-status]")
    expect(status).to_have_text("50 characters left")
    expect(status).to_have_attribute("aria-live", "polite")

    # A paste over the limit is not cut: the counter says by how much.
    field.fill("y" * 305)
    expect(field).to_have_value("y" * 305)
    expect(counter).to_have_text("305 / 300: 5 characters too many")
    expect(status).to_have_text("5 characters too many")
    assert csp_violations == []
