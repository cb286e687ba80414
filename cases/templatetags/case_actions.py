"""The case page's small per-record forms, drawn by crispy-forms.

`{% record_form "settle_follow_up" fu %}` builds that action's form for the
record and draws it, <form> tag and CSRF token included, posting to the
action's URL (see casework.actions for each form's layout).
"""

from crispy_forms.helper import FormHelper
from crispy_forms.utils import render_crispy_form
from django import template
from django.urls import reverse

from cases.casework.actions import ACTIONS
from cases.casework.services.settlements import undo_allowed

register = template.Library()


@register.simple_tag(takes_context=True)
def record_form(context, name, record=None, **state):
    action = ACTIONS[name]
    form = action.form(record=record, **state)
    helper = FormHelper()
    helper.form_tag = True
    helper.form_method = "post"
    url = reverse("case_action", args=[context["case"].pk, name])
    helper.form_action = url
    helper.form_class = form.page_class
    # With htmx the answer swaps the changed parts of the page (hx-swap-oob).
    helper.attrs = {"data-one-submit": "", "hx-post": url, "hx-swap": "none"}
    helper.form_show_errors = False
    helper.layout = form.page_layout()
    # The request's context carries the CSRF token the form tag needs.
    return render_crispy_form(form, helper, context.flatten())


# Per undo action: the record's fields naming who clicked, and when.
UNDO_FIELDS = {
    "undo_follow_up": ("settled_by_id", "settled_at"),
    "undo_promise": ("settled_by_id", "settled_at"),
    "undo_delivery": ("delivered_by_id", "delivered_at"),
}


@register.simple_tag(takes_context=True)
def undo_form(context, name, record):
    """The Undo button for a settled record, while this user may undo it
    (with a reason field they must fill when they are the manager stepping
    in); nothing otherwise. Reads only the record and the case's flags."""
    case = context["case"]
    if name not in context.get("offered", ()):
        return ""
    author, at = UNDO_FIELDS[name]
    who = undo_allowed(
        context["request"].user,
        author_id=getattr(record, author),
        settled_at=getattr(record, at),
        may_manage=case.may_manage,
    )
    if who is None:
        return ""
    return record_form(context, name, record, need_reason=who == "manager")
