"""The Django admin. History is never deleted here: cases are closed on the
case page, users deactivated, and the timeline and the case records are
read-only (written by the services, each with its timeline entry)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from cases.accounts.services import users_deactivate
from cases.api.tokens import api_tokens_revoke
from cases.casework.services.admin_edits import admin_edit_problem, case_admin_edit
from cases.casework.services.contacts import contact_erase
from cases.casework.services.targets import team_deadlines_refresh
from cases.exceptions import MendError
from cases.models import (
    ApiToken,
    Apology,
    Attachment,
    Case,
    CasePart,
    CheckIn,
    Client,
    ClientContact,
    ClosureDay,
    Compensation,
    Confirmation,
    Contact,
    FollowUp,
    ImportRun,
    InboundMail,
    Membership,
    Notice,
    Option,
    OutboxMessage,
    PasswordResetRequest,
    ProgressReport,
    Promise,
    PromiseShare,
    RootCauseAnswer,
    StepPause,
    StepPeriod,
    StepTarget,
    Submission,
    Team,
    TimelineEntry,
    User,
)
from cases.models.accounts import second_escalation_people
from cases.notifications.requeue import retry_failed


class KeepsHistory:
    """Never deleted here; the delete page, if reached, says what to do instead."""

    instead = "they are part of the cases' history."

    def has_delete_permission(self, request, obj=None):
        return False

    def delete_view(self, request, object_id, extra_context=None):
        opts = self.model._meta
        self.message_user(
            request,
            f"{opts.verbose_name_plural.capitalize()} are never deleted: "
            f"{self.instead}",
            messages.WARNING,
        )
        name = f"admin:{opts.app_label}_{opts.model_name}_change"
        return redirect(
            reverse(name, args=[object_id], current_app=self.admin_site.name)
        )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(KeepsHistory, BaseUserAdmin):
    list_display = ["username", "get_full_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "teams"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Mend", {"fields": ["role"]}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Mend", {"fields": ["role"]}))
    inlines = [MembershipInline]
    actions = ["deactivate"]
    # A user who leaves is deactivated: what they did stays theirs.
    instead = (
        "deactivate someone who leaves (the Deactivate action in the list), "
        "so what they did stays theirs."
    )

    @admin.action(
        description="Deactivate the selected users (they can no longer sign in)",
        permissions=["change"],
    )
    def deactivate(self, request, queryset):
        try:
            count = users_deactivate(
                user_ids=list(queryset.values_list("pk", flat=True)), by=request.user
            )
        except MendError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{count} user(s) deactivated.")


class MovesTeamDeadlines:
    """For a team's step targets and closure days: open cases keep deadlines
    stored for lists and dashboards, so a change moves them (for the team it
    left too, when a row changes team)."""

    # The reverse name from Team to these rows.
    team_rows = ""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        team_deadlines_refresh(team=obj.team)
        if change and "team" in form.changed_data:
            for team in Team.objects.filter(pk=form.initial.get("team")):
                team_deadlines_refresh(team=team)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        team_deadlines_refresh(team=obj.team)

    def delete_queryset(self, request, queryset):
        rows = {f"{self.team_rows}__in": queryset}
        teams = list(Team.objects.filter(**rows).distinct())
        super().delete_queryset(request, queryset)
        for team in teams:
            team_deadlines_refresh(team=team)


@admin.register(StepTarget)
class StepTargetAdmin(MovesTeamDeadlines, admin.ModelAdmin):
    list_display = ["team", "step", "target_hours", "warning_hours"]
    list_filter = ["team"]
    list_select_related = ["team"]
    team_rows = "step_targets"


@admin.register(ClosureDay)
class ClosureDayAdmin(MovesTeamDeadlines, admin.ModelAdmin):
    list_display = ["team", "date", "name"]
    list_filter = ["team"]
    list_select_related = ["team"]
    team_rows = "closure_days"


class StepTargetInline(admin.TabularInline):
    model = StepTarget
    extra = 0


class ClosureDayInline(admin.TabularInline):
    model = ClosureDay
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    # Closure days save with the team, then its open cases' deadlines move.
    inlines = [StepTargetInline, ClosureDayInline]
    list_display = ["name", "marketing_spend", "new_clients_won", "approval_threshold"]
    search_fields = ["name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # Only people who could open the team's cases (Team.clean says so
        # too, for a choice made elsewhere).
        field = form.base_fields.get("second_escalation_to")
        if field is not None:
            field.queryset = second_escalation_people(obj)
        return form

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
    # A person leaves Mend through "Erase personal details", history kept.
    can_delete = False
    readonly_fields = ["erased"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "segment", "annual_value", "owner"]
    list_filter = ["team", "segment"]
    search_fields = ["name", "external_id"]
    list_select_related = ["team", "owner"]
    inlines = [ContactInline]
    readonly_fields = ["version", "updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        # A save here is an edit too: a client page drawn before it is told.
        if change:
            obj.version += 1
            obj.updated_by = request.user
            obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Contact)
class ContactAdmin(KeepsHistory, admin.ModelAdmin):
    list_display = ["name", "role", "client", "email", "phone", "erased"]
    list_filter = ["erased"]
    search_fields = ["name", "email", "client__name"]
    list_select_related = ["client"]
    readonly_fields = ["erased"]
    actions = ["erase"]
    instead = (
        "on the person's request, erase their personal details "
        "(the Erase action in the list); the history stays."
    )

    @admin.action(
        description="Erase personal details (on the person's request)",
        permissions=["change"],
    )
    def erase(self, request, queryset):
        contacts = list(queryset.select_related("client"))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/cases/contact/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase personal details?",
                    "contacts": contacts,
                    "opts": self.model._meta,
                    "action_name": "erase",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        erased = cases = 0
        for contact in contacts:
            try:
                cases += len(contact_erase(contact_id=contact.pk, by=request.user))
            except MendError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                erased += 1
        if erased:
            self.message_user(
                request,
                f"Erased the personal details of {erased} "
                f"{'contact' if erased == 1 else 'contacts'}; the timeline of "
                f"{cases} {'case' if cases == 1 else 'cases'} records it.",
            )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CasePartInline(ReadOnlyInline):
    model = CasePart


class StepPeriodInline(ReadOnlyInline):
    model = StepPeriod


class StepPauseInline(ReadOnlyInline):
    model = StepPause
    fields = ["reason", "note", "started_at", "until", "ended_at", "end_reason"]


class CaseAdminForm(forms.ModelForm):
    """Owner, team and client, checked as the service checks them; the
    version the page was read at catches an edit made meanwhile."""

    version_read = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": "This page is out of date: reload it, then edit."},
    )

    class Meta:
        model = Case
        fields = ["owner", "team", "client"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version_read"] = self.instance.version

    def clean(self):
        data = super().clean()
        owner, team, client = data.get("owner"), data.get("team"), data.get("client")
        if self.instance.pk and owner and team and client and self.has_changed():
            stored = Case.objects.get(pk=self.instance.pk)
            read = data.get("version_read")
            if read != stored.version:
                raise forms.ValidationError(
                    f"{stored.updated_by or 'Someone'} changed this case while you "
                    "were editing it. Reload the page to see their change, then "
                    "edit again."
                )
            problem = admin_edit_problem(stored, owner=owner, team=team, client=client)
            if problem:
                raise forms.ValidationError(problem)
        return data


@admin.register(Case)
class CaseAdmin(KeepsHistory, admin.ModelAdmin):
    """Cases are logged, worked and closed on the case page. Here an
    administrator may correct the owner, team or client, through the same
    kind of service: a timeline entry, the version bumped."""

    form = CaseAdminForm
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
    list_filter = ["team", "step", "severity", "failure_source", "second_failure"]
    search_fields = ["client__name", "commitment", "what_happened"]
    list_select_related = ["client", "owner", "team"]
    date_hierarchy = "opened_at"
    raw_id_fields = ["client", "owner"]
    # Everything but these is edited on the case page, with its timeline.
    readonly_fields = [
        "commitment",
        "promised_on",
        "what_happened",
        "detected_at",
        "severity",
        "failure_source",
        "contacts",
        "client_view",
        "our_view",
        "client_feeling",
        "progress_cadence_days",
        "no_compensation_reason",
        "step",
        "step_entered_at",
        "step_warn_at",
        "step_due_at",
        "opened_at",
        "closed_at",
        "outcome",
        "lessons",
        "client_fit",
        # A second failure: set at logging, overridden on the case page.
        "second_failure",
        "earlier_case",
        "severity_raised_from",
        "target_factor",
        "damage_guidance",
        "version",
        "updated_at",
        "updated_by",
    ]
    fields = ["owner", "team", "client", "version_read", *readonly_fields]
    inlines = [CasePartInline, StepPeriodInline, StepPauseInline]

    instead = "a case that is over is closed on its page, with its outcome."

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, which locks the stored case and compares.
        case_admin_edit(
            case_id=obj.pk,
            by=request.user,
            owner=form.cleaned_data["owner"],
            team=form.cleaned_data["team"],
            client=form.cleaned_data["client"],
            version=form.cleaned_data["version_read"],
        )


class CaseRecordAdmin(KeepsHistory, admin.ModelAdmin):
    """A case's timeline or step record: view only."""

    list_select_related = ["case", "case__client"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for model, columns in [
    (RootCauseAnswer, ["case", "question", "answer"]),
    (Option, ["case", "description", "cost_to_us", "chosen"]),
    (ClientContact, ["case", "happened_at", "channel"]),
    (Apology, ["case", "contact", "on_behalf", "apologised_on"]),
    (
        Compensation,
        ["case", "kind", "cost_to_us", "offered_by", "approval", "decided_by"],
    ),
    (FollowUp, ["case", "due_on", "status"]),
    (Promise, ["case", "description", "due_on", "status"]),
    (TimelineEntry, ["case", "at", "actor", "kind", "summary"]),
    (
        StepPeriod,
        ["case", "step", "entered_at", "completed_at", "business_hours"],
    ),
    (
        StepPause,
        ["case", "reason", "started_at", "until", "ended_at", "end_reason"],
    ),
    (CasePart, ["case", "part"]),
    (ProgressReport, ["case", "sent_at", "channel", "sent_by"]),
    (Confirmation, ["case", "subject", "created_at", "sent_by"]),
    (
        CheckIn,
        ["case", "contact", "round", "sent_at", "answered_at", "score", "buy_again"],
    ),
]:
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (CaseRecordAdmin,),
            # A check-in's nonce is half of its link: not shown.
            {"list_display": columns, "exclude": ["nonce"]}
            if model is CheckIn
            else {"list_display": columns},
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(KeepsHistory, admin.ModelAdmin):
    """Everyone's API tokens, to see what uses the API and to revoke one
    that leaked. Made by their owners only (Settings → API tokens); the
    fingerprint stays out of sight."""

    instead = "revoke a token (the action in the list) so its use stays on record."
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's action needs "change"; the form stays read-only.
        return obj is None and super().has_change_permission(request)

    @admin.action(
        description="Revoke the selected tokens (they stop working at once)",
        permissions=["change"],
    )
    def revoke(self, request, queryset):
        count = api_tokens_revoke(token_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} token(s) revoked.")


@admin.register(PromiseShare)
class PromiseShareAdmin(CaseRecordAdmin):
    """Links to the client's promise page: view only (withdrawn from the case
    page, so the timeline says so); the nonce stays out of sight."""

    list_display = [
        "case",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "views",
    ]
    list_select_related = ["case", "case__client", "created_by"]
    exclude = ["nonce"]


@admin.register(Attachment)
class AttachmentAdmin(CaseRecordAdmin):
    """Files are read and removed from the case page, where access is checked;
    here only what is stored, without a link to the file itself."""

    list_display = ["case", "name", "content_type", "size", "uploaded_by", "created_at"]
    exclude = ["file"]
    readonly_fields = ["stored_as"]

    @admin.display(description="stored as")
    def stored_as(self, obj):
        return obj.file.name


@admin.register(OutboxMessage)
class OutboxMessageAdmin(KeepsHistory, admin.ModelAdmin):
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

    # Sent or not, a row is the record of what Mend told whom.
    instead = "each is the record of what Mend told whom."

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


@admin.register(PasswordResetRequest)
class PasswordResetRequestAdmin(admin.ModelAdmin):
    """The reset throttle's counts: read-only; deleting rows lifts a throttle."""

    list_display = ["requested_at", "address"]
    list_filter = ["requested_at"]
    search_fields = ["address"]
    readonly_fields = ["address", "email_digest", "requested_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(KeepsHistory, admin.ModelAdmin):
    """ "New to you": what each person was shown about their cases, and
    whether they have read it. Read-only: the services write them."""

    list_display = ["created_at", "recipient", "kind", "case", "actor", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__username", "summary"]
    list_select_related = ["recipient", "actor", "case__client"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "recipient",
        "case",
        "kind",
        "actor",
        "summary",
        "created_at",
        "read_at",
    ]

    instead = "each is the record of what a person was shown."

    def has_add_permission(self, request):
        return False


@admin.register(InboundMail)
class InboundMailAdmin(KeepsHistory, admin.ModelAdmin):
    """Emails taken from the reply mailbox. Read-only: the poller writes
    them, and administrators decide the waiting ones on Replies to review."""

    instead = "each is taken from the mailbox once, and kept so it is not taken again."
    list_display = ["received_at", "from_address", "subject", "status", "case"]
    list_filter = ["status"]
    search_fields = ["from_address", "subject", "message_id"]
    exclude = ["raw"]
    readonly_fields = ["raw_size"]


@admin.register(ImportRun)
class ImportRunAdmin(KeepsHistory, admin.ModelAdmin):
    """The record of every client import: read-only; the import page
    (cases.imports) writes them."""

    list_display = [
        "created_at",
        "file_name",
        "kind",
        "team",
        "by",
        "status",
        "new_count",
        "update_count",
        "unchanged_count",
        "error_count",
    ]
    list_filter = ["status", "kind", "team"]
    search_fields = ["file_name", "by__username"]
    list_select_related = ["team", "by"]
    date_hierarchy = "created_at"
    exclude = ["rows"]
    instead = "each is the record of who imported what, and when."

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
