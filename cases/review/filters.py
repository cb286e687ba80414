"""The case list's filters and sorts, kept in the URL so a view can be shared."""

import django_filters as filters
from crispy_forms.layout import Div, Layout
from django import forms
from django.db.models import Case as Switch
from django.db.models import F, IntegerField, QuerySet, Value, When
from django.utils import timezone

from cases.choices import FailureSource, Severity, Step
from cases.forms import DateInput, MendForm
from cases.models import Case, Team, User
from cases.models.search import search_word

# The order the filters are shown in; the first one (search) is wider.
FILTER_COLUMNS = [
    "q",
    "status",
    "step",
    "severity",
    "failure_source",
    "team",
    "owner",
    "client",
    "opened_after",
    "opened_before",
    "sort",
]

# Each word is one more lookup in the query.
SEARCH_WORDS = 5

FILTER_LAYOUT = Layout(
    Div(
        Div(FILTER_COLUMNS[0], css_class="col-md-4"),
        *[Div(name, css_class="col-md-2") for name in FILTER_COLUMNS[1:]],
        css_class="row g-2 align-items-end",
    )
)


def team_choices(reach: str, user) -> QuerySet:
    return Team.objects.reached(reach, user).only("name")


def owner_choices(reach: str, user) -> QuerySet:
    return (
        User.objects.filter(memberships__team__in=team_choices(reach, user))
        .distinct()
        .only("first_name", "last_name", "username")
    )


class CaseFilterForm(MendForm):
    """The filters in one row of columns, drawn as the rest of Mend's forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = FILTER_LAYOUT

    def clean_q(self):
        # Said rather than searching on the first words and ignoring the rest.
        value = self.cleaned_data.get("q") or ""
        words = len(value.split())
        if words > SEARCH_WORDS:
            raise forms.ValidationError(
                f"Search for {SEARCH_WORDS} words at most; this has {words}. "
                "Each word must appear, so fewer, rarer words find more."
            )
        return value


def severity_rank():
    return Switch(
        *[When(severity=s, then=Value(i)) for i, s in enumerate(Severity.values)],
        output_field=IntegerField(),
    )


def step_rank():
    return Switch(
        *[When(step=s, then=Value(i)) for i, s in enumerate(Step.values)],
        output_field=IntegerField(),
    )


# Sort key -> (what to order by, label). A rank is only worked out for a list
# sorted by it.
SORTS = {
    "opened": ("opened_at", "Opened"),
    "client": ("client__name", "Client"),
    "owner": ("owner__first_name", "Owner"),
    "step": (step_rank, "Step"),
    "severity": (severity_rank, "Severity"),
    "due": ("step_due_at", "Step due"),
}


class CaseFilter(filters.FilterSet):
    """Every choice offered comes from what the user may see."""

    q = filters.CharFilter(label="Search", method="search")
    team = filters.ModelChoiceFilter(
        queryset=Team.objects.none(), empty_label="Any team"
    )
    owner = filters.ModelChoiceFilter(
        queryset=User.objects.none(), empty_label="Anyone"
    )
    # A name to type rather than a list: a team can have thousands of clients.
    client = filters.CharFilter(
        label="Client", field_name="client__name", lookup_expr="icontains"
    )
    step = filters.ChoiceFilter(choices=Step.choices, empty_label="Any step")
    severity = filters.ChoiceFilter(
        choices=Severity.choices, empty_label="Any severity"
    )
    failure_source = filters.ChoiceFilter(
        label="Source",
        choices=FailureSource.choices,
        empty_label="Any source",
    )
    status = filters.ChoiceFilter(
        label="Status",
        choices=[
            ("open", "Open"),
            ("overdue", "Overdue"),
            ("due_soon", "Due soon"),
            ("paused", "Clock paused"),
            ("closed", "Closed"),
        ],
        empty_label="Any status",
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
        empty_label="Most urgent",
    )

    class Meta:
        model = Case
        fields = []
        form = CaseFilterForm

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        reach = Team.objects.reach(user)
        # The choices read only what they show.
        self.filters["team"].queryset = team_choices(reach, user)
        self.filters["owner"].queryset = owner_choices(reach, user)
        self.filters["q"].extra["widget"] = forms.TextInput(
            attrs={"placeholder": "Client, description or case number"}
        )

    def search(self, queryset, name, value):
        # Each word in the client's name, the commitment or what happened
        # (one indexed column, models.search), or a case number.
        for word in value.split()[:SEARCH_WORDS]:
            queryset = queryset.filter(search_word(word))
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
        if value == "paused":
            return queryset.filter(step_paused_at__isnull=False)
        return queryset

    def sort_by(self, queryset, name, value):
        return queryset  # applied last in `qs`, after every filter

    @property
    def qs(self):
        queryset = super().qs
        value = self.form.cleaned_data.get("sort") if self.form.is_valid() else ""
        if value:
            by = SORTS[value.lstrip("-")][0]
            if callable(by):
                queryset, by = queryset.annotate(sort_rank=by()), "sort_rank"
            descending = value.startswith("-")
            return queryset.order_by(f"{'-' if descending else ''}{by}", "-id")
        # Most urgent first: overdue soonest, then the newest.
        return queryset.order_by(
            F("step_due_at").asc(nulls_last=True), "-opened_at", "-id"
        )
