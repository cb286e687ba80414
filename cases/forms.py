"""The base forms every page uses: drawn by crispy, keyed against double submits,
versioned against concurrent edits, and refusing dates out of range and control
characters in every field."""

import datetime
import uuid

from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from cases import validators


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


class MendForm(forms.Form):
    """A form drawn by crispy-forms' Bootstrap 5 pack: `{% crispy form %}`.

    Templates write the <form> tag and the CSRF token themselves (the case page
    posts each form to its own action URL), so the helper leaves both out.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self._guard_fields()

    def full_clean(self):
        # Again here, for the fields a subclass added after __init__.
        self._guard_fields()
        super().full_clean()

    def __getitem__(self, name):
        # And as a field is drawn, so one added after __init__ says its limit.
        if name in self.fields:
            _guard(self.fields[name])
        return super().__getitem__(name)

    def _guard_fields(self) -> None:
        for field in self.fields.values():
            _guard(field)


def _guard(field: forms.Field) -> None:
    """Every date in range, every text without control characters."""
    if isinstance(field, forms.DateTimeField):
        _add(field, validators.validate_typed_moment)
        for name, value in validators.moment_attrs().items():
            field.widget.attrs.setdefault(name, value)
    elif isinstance(field, forms.DateField):
        _add(field, validators.validate_day)
        for name, value in validators.day_attrs().items():
            field.widget.attrs.setdefault(name, value)
    elif isinstance(field, forms.CharField):
        multiline = isinstance(field.widget, forms.Textarea)
        _add(field, validators.multiline if multiline else validators.single_line)
        _say_limit(field)


def _text_limit(field: forms.CharField) -> int | None:
    """A text field's limit: its max_length, or the maxlength its widget was
    given by a form that checks the length itself (the comment)."""
    if field.max_length is not None:
        return int(field.max_length)
    limit = field.widget.attrs.get("maxlength")
    return int(limit) if limit else None


def _say_limit(field: forms.CharField) -> None:
    """Say the limit under the field, give it to the live counter (mend.js)
    and refuse an over-long text with a message that says by how much."""
    limit = _text_limit(field)
    if limit is None or field.widget.is_hidden:
        return
    field.widget.attrs["data-limit"] = str(limit)
    said = validators.limit_text(limit)
    help_text = str(field.help_text or "")
    if said not in help_text:
        field.help_text = f"{help_text} {said}".strip()
    if field.max_length is not None:
        # Django's own check words it as "Ensure this value has at most ...".
        field.validators[:] = [
            v for v in field.validators if type(v) is not MaxLengthValidator
        ]
        _add(field, validators.TextLimit(limit))


def _add(field: forms.Field, validator) -> None:
    if validator not in field.validators:
        field.validators.append(validator)


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
