"""The Django admin. History is never deleted here: cases are closed on the
case page, users deactivated, and the timeline and the case records are
read-only (written by the services, each with its timeline entry)."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from cases.accounts.services import users_deactivate
from cases.api.tokens import api_tokens_revoke
from cases.casework.services.admin_edits import admin_edit_problem, case_admin_edit
from cases.casework.services.contacts import contact_erase
from cases.casework.services.targets import team_deadlines_refresh
from cases.choices import CHAT_KINDS, NotificationKind, OutboxStatus, WebhookEvent
from cases.exceptions import MendError
from cases.hooks.chat import masked
from cases.hooks.deliver import deliveries_retry
from cases.hooks.events import test_events_record
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
    HttpDelivery,
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
    WebhookEndpoint,
)
from cases.models.accounts import second_escalation_people
from cases.models.search import search_text_refresh_for_clients
from cases.notifications.requeue import retry_failed
from cases.validators import validate_outbound_url


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


CHAT_FIELDS = {
    "slack_webhook_url": "clear_slack",
    "teams_webhook_url": "clear_teams",
}


class TeamAdminForm(forms.ModelForm):
    """The team, with its chat routing: the webhook addresses are secrets,
    so the page never shows them back (only their host); left empty they
    stay as they are, and a tick removes one."""

    slack_webhook_url = forms.URLField(
        label="Slack webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False, attrs={"size": 60}),
    )
    clear_slack = forms.BooleanField(label="Stop posting to Slack", required=False)
    teams_webhook_url = forms.URLField(
        label="Teams webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False, attrs={"size": 60}),
    )
    clear_teams = forms.BooleanField(label="Stop posting to Teams", required=False)
    chat_kinds = forms.MultipleChoiceField(
        label="Posted to chat",
        choices=[(str(kind), NotificationKind(kind).label) for kind in CHAT_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What the team's Slack and Teams channels hear of, as well as "
        "the emails. Each post links to its case.",
    )

    class Meta:
        model = Team
        # Every field, as the admin's Team page had before: the page's
        # fieldsets (TeamAdmin.get_fieldsets) say which and where.
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hints = {
            "slack_webhook_url": "Slack → Apps → Incoming Webhooks → Add New "
            "Webhook to Workspace, then copy its URL here.",
            "teams_webhook_url": "In the channel: Workflows → “Post to a channel "
            "when a webhook request is received”, then copy its URL here.",
        }
        for name, hint in hints.items():
            saved = getattr(self.instance, name, "")
            self.fields[name].help_text = (
                f"Saved: {masked(saved)} (hidden). Leave empty to keep it; "
                "paste a new one to replace it."
                if saved
                else hint
            )

    def clean(self):
        data = super().clean()
        for name, clear in CHAT_FIELDS.items():
            if data.get(clear):
                data[name] = ""
            elif not data.get(name):
                data[name] = getattr(self.instance, name, "")
        return data


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    # Closure days save with the team, then its open cases' deadlines move.
    form = TeamAdminForm
    inlines = [StepTargetInline, ClosureDayInline]
    list_display = ["name", "marketing_spend", "new_clients_won", "approval_threshold"]
    search_fields = ["name"]

    def get_fieldsets(self, request, obj=None):
        fields = [
            name
            for name in self.get_fields(request, obj)
            if name not in {"chat_kinds", *CHAT_FIELDS, *CHAT_FIELDS.values()}
        ]
        chat = [
            "slack_webhook_url",
            "clear_slack",
            "teams_webhook_url",
            "clear_teams",
            "chat_kinds",
        ]
        return [(None, {"fields": fields}), ("Slack and Teams", {"fields": chat})]

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
        if change and "name" in form.changed_data:
            search_text_refresh_for_clients([obj.pk])


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


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        validators=[validate_outbound_url],
        widget=forms.URLInput(attrs={"size": 60}),
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(KeepsHistory, admin.ModelAdmin):
    """Where Mend posts signed events. Switched off rather than deleted: its
    deliveries are the record of what was sent where."""

    form = WebhookEndpointForm
    list_display = ["name", "address", "event_list", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name"]
    readonly_fields = ["signing_secret", "created_at"]
    actions = ["send_test"]
    instead = (
        "switch it off (untick Active) so its deliveries stay on record; "
        "nothing more is sent to it."
    )

    def get_readonly_fields(self, request, obj=None):
        # The secret exists once the endpoint is saved.
        return self.readonly_fields if obj is not None else []

    @admin.display(description="address")
    def address(self, obj):
        return masked(obj.url)

    @admin.display(description="events")
    def event_list(self, obj):
        return ", ".join(obj.events or [])

    @admin.display(description="signing secret")
    def signing_secret(self, obj):
        return format_html(
            "<code>{}</code><div class='help'>Give it to the receiving system: "
            "it checks each delivery's <code>webhook-signature</code> with it "
            "(Standard Webhooks; README, “Webhooks and chat”).</div>",
            obj.secret,
        )

    @admin.action(
        description="Send a test event (mend.test) to the selected endpoints",
        permissions=["change"],
    )
    def send_test(self, request, queryset):
        endpoints = list(queryset.filter(active=True))
        count = test_events_record(endpoints)
        skipped = queryset.count() - count
        self.message_user(
            request,
            f"A test event is on its way to {count} endpoint(s); see Webhook and "
            "chat deliveries for the answer."
            + (f" {skipped} switched off, not sent." if skipped else ""),
        )

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to its page, where the secret is shown.
        self.message_user(
            request,
            f"Saved “{obj}”. Copy its signing secret below to the receiving system.",
        )
        return redirect(
            reverse(
                "admin:cases_webhookendpoint_change",
                args=[obj.pk],
                current_app=self.admin_site.name,
            )
        )


@admin.register(HttpDelivery)
class HttpDeliveryAdmin(KeepsHistory, admin.ModelAdmin):
    """The log of webhook and chat deliveries: what went, what waits for its
    next attempt, what failed (with Retry). Read-only; no address or secret
    is shown, only the endpoint's or team's name."""

    instead = "each is the record of what Mend posted where."
    change_form_template = "admin/cases/httpdelivery/change_form.html"
    # Narrow enough to read at a laptop's width: the target names the
    # channel ("Enterprise on Slack"), the case is its number.
    list_display = [
        "created_at",
        "target",
        "event",
        "case_number",
        "outcome",
        "last_status",
        "next_attempt",
        "error",
    ]
    list_filter = ["status", "channel", "endpoint", "team", "event"]
    list_select_related = ["endpoint", "team"]
    search_fields = ["message_id", "event"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = ["retry"]
    fields = [
        "channel",
        "target",
        "event",
        "case",
        "message_id",
        "status",
        "attempts",
        "last_status",
        "last_error",
        "created_at",
        "due_at",
        "claimed_at",
        "sent_at",
        "payload_shown",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description="status", ordering="status")
    def outcome(self, obj):
        tries = f"{obj.attempts} attempt{'' if obj.attempts == 1 else 's'}"
        return (
            f"{obj.get_status_display()}, {tries}"
            if obj.attempts
            else (obj.get_status_display())
        )

    @admin.display(description="case", ordering="case_id")
    def case_number(self, obj):
        return f"#{obj.case_id}" if obj.case_id else "—"

    @admin.display(description="next attempt")
    def next_attempt(self, obj):
        return obj.due_at if obj.status == OutboxStatus.PENDING else None

    @admin.display(description="error")
    def error(self, obj):
        text = obj.last_error
        return text if len(text) <= 50 else text[:49] + "…"

    @admin.display(description="payload")
    def payload_shown(self, obj):
        return format_html(
            "<pre style='white-space:pre-wrap'>{}</pre>",
            json.dumps(obj.payload, indent=2, ensure_ascii=False),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/retry/",
                self.admin_site.admin_view(self.retry_view),
                name="cases_httpdelivery_retry",
            ),
            *super().get_urls(),
        ]

    def retry_view(self, request, pk):
        """The Retry button on a failed delivery's page (POST only)."""
        delivery = get_object_or_404(HttpDelivery, pk=pk)
        back = reverse(
            "admin:cases_httpdelivery_change",
            args=[delivery.pk],
            current_app=self.admin_site.name,
        )
        if request.method != "POST" or not self.has_change_permission(request):
            return redirect(back)
        self._retried(request, deliveries_retry([delivery.pk]))
        return redirect(back)

    @admin.action(
        description="Retry the selected failed deliveries", permissions=["change"]
    )
    def retry(self, request, queryset):
        self._retried(request, deliveries_retry(queryset.values_list("pk", flat=True)))

    def _retried(self, request, count: int) -> None:
        if count:
            self.message_user(
                request, f"{count} failed delivery(ies) queued for one more attempt."
            )
        else:
            self.message_user(
                request,
                "Nothing to retry: only a failed delivery can be retried "
                "(this one is already queued, sending or sent).",
                messages.WARNING,
            )

    def has_change_permission(self, request, obj=None):
        # Retry needs "change"; the form itself stays read-only.
        return obj is None and super().has_change_permission(request)
