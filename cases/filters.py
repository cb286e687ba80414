"""The case list's filters and sorts, kept in the URL so a view can be shared."""

import html

import django_filters as filters
from django import forms
from django.db.models import Case as Switch
from django.db.models import F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import mark_safe

from .forms.base import DateInput
from .models import Case, FailureSource, Severity, Team, User
from .workflow import Step


class Select(forms.Select):
    """Django's <select>, built in Python rather than one template per option.

    The client filter offers every client the user may see, often thousands,
    and rendering their options took longer than all of the list's queries.
    The HTML is the same as Django's templates give; so is the name, which
    crispy turns into the CSS class "select".
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        # select.html, with select_option.html (whose file ends in a newline).
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{_escape(group_name)}">')
            out.extend(
                f'\n  <option value="{_escape(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_escape(localize(option['label']))}"
                "</option>\n"
                for option in options
            )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 - each value is escaped


def _escape(value) -> str:
    """conditional_escape without its lazy-string wrapper, as it runs per option."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, or ` name` when True."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


SEVERITY_RANK = Switch(
    *[When(severity=s, then=Value(i)) for i, s in enumerate(Severity.values)],
    output_field=IntegerField(),
)

SORTS = {
    "opened": ("opened_at", "Opened"),
    "client": ("client__name", "Client"),
    "owner": ("owner__first_name", "Owner"),
    "step": ("step_rank", "Step"),
    "severity": ("severity_rank", "Severity"),
    "due": ("step_due_at", "Step due"),
}


def step_rank():
    return Switch(
        *[When(step=s, then=Value(i)) for i, s in enumerate(Step.values)],
        output_field=IntegerField(),
    )


class CaseFilter(filters.FilterSet):
    """Every choice offered comes from what the user may see."""

    q = filters.CharFilter(label="Search", method="search")
    team = filters.ModelChoiceFilter(
        queryset=Team.objects.none(), empty_label="Any team", widget=Select
    )
    owner = filters.ModelChoiceFilter(
        queryset=User.objects.none(), empty_label="Anyone", widget=Select
    )
    # A name to type rather than a list: a team can have thousands of clients.
    client = filters.CharFilter(
        label="Client", field_name="client__name", lookup_expr="icontains"
    )
    step = filters.ChoiceFilter(
        choices=Step.choices, empty_label="Any step", widget=Select
    )
    severity = filters.ChoiceFilter(
        choices=Severity.choices, empty_label="Any severity", widget=Select
    )
    failure_source = filters.ChoiceFilter(
        label="Source",
        choices=FailureSource.choices,
        empty_label="Any source",
        widget=Select,
    )
    status = filters.ChoiceFilter(
        label="Status",
        widget=Select,
        choices=[
            ("open", "Open"),
            ("overdue", "Overdue"),
            ("due_soon", "Due soon"),
            ("closed", "Closed"),
        ],
        empty_label="Open and closed",
        method="by_status",
    )
    opened_after = filters.DateFilter(
        label="Opened from",
        field_name="opened_at",
        lookup_expr="date__gte",
        widget=DateInput(),
    )
    opened_before = filters.DateFilter(
        label="Opened until",
        field_name="opened_at",
        lookup_expr="date__lte",
        widget=DateInput(),
    )
    sort = filters.ChoiceFilter(
        label="Sort by",
        choices=[
            (f"{prefix}{key}", f"{label} {'↓' if prefix else '↑'}")
            for key, (_, label) in SORTS.items()
            for prefix in ("-", "")
        ],
        method="sort_by",
        empty_label="Most urgent first",
        widget=Select,
    )

    class Meta:
        model = Case
        fields = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        teams = (
            Team.objects.all()
            if user.is_superuser or user.role == "administrator"
            else Team.objects.filter(memberships__user=user)
        )
        self.filters["team"].queryset = teams
        self.filters["owner"].queryset = User.objects.filter(
            memberships__team__in=teams
        ).distinct()
        self.filters["q"].extra["widget"] = forms.TextInput(
            attrs={"placeholder": "Client or description"}
        )

    def search(self, queryset, name, value):
        terms = value.split()
        for term in terms[:5]:
            queryset = queryset.filter(
                Q(client__name__icontains=term)
                | Q(commitment__icontains=term)
                | Q(what_happened__icontains=term)
            )
        return queryset

    def by_status(self, queryset, name, value):
        now = timezone.now()
        if value == "closed":
            return queryset.filter(step=Step.CLOSED)
        queryset = queryset.exclude(step=Step.CLOSED)
        if value == "overdue":
            return queryset.filter(step_due_at__lt=now)
        if value == "due_soon":
            return queryset.filter(step_warn_at__lte=now, step_due_at__gte=now)
        return queryset

    def sort_by(self, queryset, name, value):
        return queryset  # applied last in `qs`, after every filter

    @property
    def qs(self):
        queryset = super().qs.annotate(
            severity_rank=SEVERITY_RANK, step_rank=step_rank()
        )
        value = self.form.cleaned_data.get("sort") if self.form.is_valid() else ""
        if value:
            descending = value.startswith("-")
            field = SORTS[value.lstrip("-")][0]
            return queryset.order_by(f"{'-' if descending else ''}{field}", "-id")
        # Most urgent first: overdue soonest, then the newest.
        return queryset.order_by(
            F("step_due_at").asc(nulls_last=True), "-opened_at", "-id"
        )
