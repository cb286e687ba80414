from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from cases.casework.services.targets import team_deadlines_refresh
from cases.models import (
    Apology,
    Case,
    CasePart,
    Client,
    ClientContact,
    Compensation,
    Contact,
    FollowUp,
    Membership,
    Option,
    OutboxMessage,
    Promise,
    RootCauseAnswer,
    StepPeriod,
    StepTarget,
    Submission,
    Team,
    TimelineEntry,
    User,
)
from cases.notifications.requeue import retry_failed


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "teams"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Mend", {"fields": ["role"]}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Mend", {"fields": ["role"]}))
    inlines = [MembershipInline]


@admin.register(StepTarget)
class StepTargetAdmin(admin.ModelAdmin):
    list_display = ["team", "step", "target_hours", "warning_hours"]
    list_filter = ["team"]
    list_select_related = ["team"]

    # Open cases keep deadlines stored for lists and dashboards: move them too.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        team_deadlines_refresh(team=obj.team)
        if change and "team" in form.changed_data:
            moved_from = form.initial.get("team")
            for team in Team.objects.filter(pk=moved_from):
                team_deadlines_refresh(team=team)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        team_deadlines_refresh(team=obj.team)

    def delete_queryset(self, request, queryset):
        teams = list(Team.objects.filter(step_targets__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for team in teams:
            team_deadlines_refresh(team=team)


class StepTargetInline(admin.TabularInline):
    model = StepTarget
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    inlines = [StepTargetInline]
    list_display = ["name", "marketing_spend", "new_clients_won", "approval_threshold"]
    search_fields = ["name"]

    def save_related(self, request, form, formsets, change):
        # After the inline targets are saved, so both they and the calendar count.
        super().save_related(request, form, formsets, change)
        team_deadlines_refresh(team=form.instance)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "joined_at"]
    list_filter = ["team"]
    list_select_related = ["user", "team"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "segment", "annual_value"]
    list_filter = ["team", "segment"]
    search_fields = ["name"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "client", "email", "phone"]
    search_fields = ["name", "email", "client__name"]
    list_select_related = ["client"]


class CasePartInline(admin.TabularInline):
    model = CasePart
    extra = 0


class StepPeriodInline(admin.TabularInline):
    model = StepPeriod
    extra = 0
    readonly_fields = ["step", "entered_at", "completed_at"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "client",
        "commitment",
        "owner",
        "team",
        "step",
        "severity",
        "opened_at",
    ]
    list_filter = ["team", "step", "severity", "failure_source"]
    search_fields = ["client__name", "commitment", "what_happened"]
    list_select_related = ["client", "owner", "team"]
    date_hierarchy = "opened_at"
    raw_id_fields = ["client", "owner", "updated_by"]
    filter_horizontal = ["contacts"]
    # The step moves only through the workflow services, never by hand.
    readonly_fields = ["step", "step_entered_at", "closed_at", "version"]
    inlines = [CasePartInline, StepPeriodInline]


class CaseRecordAdmin(admin.ModelAdmin):
    list_select_related = ["case", "case__client"]
    raw_id_fields = ["case"]


for model, columns in [
    (RootCauseAnswer, ["case", "question", "answer"]),
    (Option, ["case", "description", "cost_to_us", "chosen"]),
    (ClientContact, ["case", "happened_at", "channel"]),
    (Apology, ["case", "contact", "on_behalf", "apologised_on"]),
    (Compensation, ["case", "kind", "value_to_client", "cost_to_us", "approval"]),
    (FollowUp, ["case", "due_on", "status"]),
    (Promise, ["case", "description", "due_on", "status"]),
    (TimelineEntry, ["case", "at", "actor", "summary"]),
    (StepPeriod, ["case", "step", "entered_at", "completed_at"]),
    (CasePart, ["case", "part"]),
]:
    admin.site.register(
        model,
        type(f"{model.__name__}Admin", (CaseRecordAdmin,), {"list_display": columns}),
    )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The notification outbox: what went out, what is waiting, what failed.

    Read-only: rows are written by services and the sender; a failed one can
    be sent again with the Retry action.
    """

    list_display = [
        "kind",
        "recipient",
        "case",
        "status",
        "due_at",
        "attempts",
        "sent_at",
        "error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["dedupe_key", "recipient__username", "recipient__email"]
    list_select_related = ["recipient", "case__client"]
    date_hierarchy = "due_at"
    ordering = ["-due_at", "-pk"]
    actions = ["retry"]
    readonly_fields = [
        "case",
        "kind",
        "recipient",
        "dedupe_key",
        "due_at",
        "status",
        "context",
        "created_at",
        "attempts",
        "claimed_at",
        "sent_at",
        "last_error",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="last error")
    def error(self, obj):
        text = obj.last_error
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.action(
        description="Retry the selected failed notifications", permissions=["change"]
    )
    def retry(self, request, queryset):
        count = retry_failed(queryset.values_list("pk", flat=True))
        if count:
            self.message_user(request, f"{count} failed notification(s) queued again.")
        else:
            self.message_user(
                request, "None of the selected notifications had failed.", "warning"
            )


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at"]
