"""Attaching a file from the case page: the file, and what it belongs to."""

from django import forms
from django.conf import settings

from cases.casework.services.attachments import (
    ACCEPTED,
    ACCEPTED_WORDS,
    attachment_check,
    max_bytes,
)
from cases.forms import OneTimeForm
from cases.models import Case

CASE_ITSELF = "case"
# What the browser's file chooser offers first; the content is what counts.
ACCEPT = ",".join(
    f".{ext}" for _, extensions in ACCEPTED.values() for ext in extensions
)


class AttachForm(OneTimeForm):
    """A file for the case, one of its affected people or one of its
    compensations. The content is checked here, so a refused file is said at
    the field; the service checks it again before storing it."""

    file = forms.FileField(
        label="File",
        help_text=f"{ACCEPTED_WORDS}; at most {{mb}} MB.",
        error_messages={"required": "Choose a file to attach."},
    )
    subject = forms.ChoiceField(label="Attach to", initial=CASE_ITSELF)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(CASE_ITSELF, "The case")]
        choices += [(f"contact-{c.pk}", str(c)) for c in case.contacts.all()]
        choices += [
            (f"compensation-{c.pk}", f"Compensation: {c.description}")
            for c in case.compensations.all()
        ]
        self.fields["subject"].choices = choices
        file = self.fields["file"]
        file.help_text = file.help_text.format(mb=settings.MEND_ATTACHMENT_MAX_MB)
        # The browser says a file is too big before sending it (static/js/mend.js).
        file.widget.attrs.update(accept=ACCEPT, **{"data-max-bytes": max_bytes()})

    def clean_file(self):
        file = self.cleaned_data["file"]
        attachment_check(file)  # AttachmentRefused is a ValidationError
        return file

    def clean(self):
        data = super().clean()
        kind, _, pk = data.get("subject", CASE_ITSELF).partition("-")
        data["contact_id"] = int(pk) if kind == "contact" else None
        data["compensation_id"] = int(pk) if kind == "compensation" else None
        return data
