"""Sharing the client's promise page: how long its link works."""

from crispy_forms.layout import Layout
from django import forms
from django.conf import settings

from cases.forms import OneTimeForm

# What the sharer picks from, with the configured default among them.
STANDARD_DAYS = (30, 90, 180)


def share_days() -> list[int]:
    return sorted({*STANDARD_DAYS, settings.MEND_PROMISE_PAGE_DAYS})


class PromisePageShareForm(OneTimeForm):
    """Share a link to the page of this case's promises."""

    days = forms.TypedChoiceField(
        label="The link works for",
        coerce=int,
        help_text="After that, or once you withdraw it, the link shows a page "
        "saying it is no longer available.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "days", settings.MEND_PROMISE_PAGE_DAYS
        )
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [(d, f"{d} days") for d in share_days()]
        self.helper.layout = Layout("submission_key", "days")
