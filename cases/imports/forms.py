"""The upload form of the import page."""

from django import forms
from django.conf import settings

from cases.choices import ImportKind
from cases.forms import MendForm
from cases.imports.reading import FileProblem, check_format


class ImportUploadForm(MendForm):
    """A CRM export, what it holds, and (for whoever has several) the team."""

    kind = forms.ChoiceField(
        label="The file holds",
        choices=ImportKind.choices,
        initial=ImportKind.CLIENTS,
        widget=forms.RadioSelect,
        help_text="Salesforce and HubSpot export clients (accounts, companies) "
        "and contacts separately: import the clients first.",
    )
    team = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        help_text="Rows go to this team unless their Team column names another.",
    )
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text=f"Up to {settings.MEND_IMPORT_MAX_MB} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["file"].help_text = f"Up to {settings.MEND_IMPORT_MAX_MB} MB."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MEND_IMPORT_MAX_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{limit} MB. Split it into smaller files, or export fewer "
                "columns."
            )
        content = upload.read()
        try:
            check_format(content)
        except FileProblem as exc:
            raise forms.ValidationError(str(exc)) from None
        self.cleaned_data["content"] = content
        return upload
