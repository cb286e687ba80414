"""Shared form pieces: crispy layouts, date widgets, one-time submission keys."""

import datetime
import uuid

from crispy_forms.helper import FormHelper
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from .render import WidgetRenderer, render_form

WIDGETS = WidgetRenderer()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def money_field(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages={"min_value": "Enter an amount of zero or more."},
        **kwargs,
    )


class OneQueryChoices(ModelChoiceIterator):
    """The choices read with one ordinary query.

    Django reads them with .iterator(), which on PostgreSQL opens a server-side
    cursor: three round trips and a held cursor for a list of a few dozen rows.
    Mend's choice lists are short (a team's people, a client's contacts). A
    field's `rows`, when set, reads the same rows as its queryset does, with
    SQL compiled once (see precompiled.py); the queryset still checks input.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.field.rows
        for obj in self.queryset if rows is None else rows():
            yield self.choice(obj)


class ChoiceRows:
    """For model choice fields: `rows`, a callable giving the choices' rows."""

    iterator = OneQueryChoices

    def __init__(self, *args, rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows


class ModelChoiceField(ChoiceRows, forms.ModelChoiceField):
    pass


class ModelMultipleChoiceField(ChoiceRows, forms.ModelMultipleChoiceField):
    pass


class MendForm(forms.Form):
    """A form drawn as crispy's Bootstrap 5 pack would, without its <form> tag.

    `{{ form }}` writes it (templates add the <form> tag and the CSRF token):
    the layout is crispy's `helper.layout`, the drawing is cases.forms.render,
    which is many times quicker than the `{% crispy %}` tag.
    """

    default_renderer = WIDGETS
    # crispy's tag writes a field's errors in <span>s, |as_crispy_field in <p>s.
    error_tag = "span"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def render(self, template_name=None, context=None, renderer=None):
        if template_name is None and context is None and renderer is None:
            return render_form(self, error_tag=self.error_tag)
        return super().render(template_name, context, renderer)

    __str__ = render
    __html__ = render


class OneTimeForm(MendForm):
    """A form that creates a record: its key makes a double submit harmless."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)


class VersionedForm(MendForm):
    """A form that edits the case: the version it was based on travels with it."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def refresh_version(self, version: int) -> None:
        """After a conflict, keep what was typed but base it on the latest save."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


def not_in_future(value, what: str = "That date"):
    day = value
    if isinstance(value, datetime.datetime):
        day = (
            timezone.localtime(value).date()
            if timezone.is_aware(value)
            else value.date()
        )
    if day > timezone.localdate():
        raise forms.ValidationError(f"{what} cannot be in the future.")
    return value
