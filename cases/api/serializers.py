"""What the API reads and writes. Reads are plain fields of the records;
writes are validated here and applied by the same services as the pages."""

from django.utils import timezone
from rest_framework import serializers

from cases.calendar import clock_state
from cases.choices import FailureSource, OurPart, Severity, Step
from cases.models import (
    Apology,
    Case,
    Client,
    ClientContact,
    Compensation,
    Contact,
    FollowUp,
    Option,
    Promise,
    RootCauseAnswer,
    Team,
    TimelineEntry,
)


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "role", "email", "phone", "erased"]


class ClientSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name", read_only=True)
    team_id = serializers.IntegerField(read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "team",
            "team_id",
            "segment",
            "annual_value",
            "contacts",
        ]


class PersonField(serializers.CharField):
    """A person as their username: stable, and what `api_token` takes."""

    def to_representation(self, value):
        return value.username if value is not None else None


class ClockSerializer(serializers.Serializer):
    entered_at = serializers.DateTimeField(source="step_entered_at")
    warn_at = serializers.DateTimeField(source="step_warn_at", allow_null=True)
    due_at = serializers.DateTimeField(source="step_due_at", allow_null=True)
    paused_at = serializers.DateTimeField(source="step_paused_at", allow_null=True)
    state = serializers.SerializerMethodField(
        help_text="closed, paused, on_track, due_soon, overdue, or none (no target)"
    )

    def get_state(self, case) -> str:
        if case.step == Step.CLOSED:
            return "closed"
        return clock_state(
            case.step_warn_at, case.step_due_at, timezone.now(), case.step_paused_at
        )


class CaseSerializer(serializers.ModelSerializer):
    """A case as the list shows it."""

    client = serializers.CharField(source="client.name", read_only=True)
    client_id = serializers.IntegerField(read_only=True)
    team = serializers.CharField(source="team.name", read_only=True)
    owner = PersonField(read_only=True)
    clock = ClockSerializer(source="*", read_only=True)
    # Set by Mend's rule when the case is logged, and by a manager's override
    # on the case page: never through the API.
    second_failure = serializers.BooleanField(
        read_only=True,
        help_text="Treated as a second failure for the client (an earlier case "
        "open, closed recently, or with the same part of ours), not overridden",
    )
    earlier_case_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "client",
            "client_id",
            "team",
            "owner",
            "commitment",
            "severity",
            "failure_source",
            "step",
            "clock",
            "opened_at",
            "closed_at",
            "outcome",
            "second_failure",
            "earlier_case_id",
            "version",
        ]


class RootCauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = RootCauseAnswer
        fields = ["question", "answer", "note"]


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Option
        fields = [
            "id",
            "description",
            "cost_to_us",
            "time_to_deliver",
            "feasibility",
            "chosen",
            "created_at",
        ]


class ClientContactSerializer(serializers.ModelSerializer):
    people = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    logged_by = PersonField(read_only=True)

    class Meta:
        model = ClientContact
        fields = [
            "id",
            "happened_at",
            "channel",
            "people",
            "summary",
            "reaction",
            "manager_joined",
            "boss_permission",
            "logged_in_step",
            "logged_by",
        ]


class ApologySerializer(serializers.ModelSerializer):
    class Meta:
        model = Apology
        fields = [
            "id",
            "contact",
            "method",
            "on_behalf",
            "asked_forgiveness",
            "response",
            "apologised_on",
            "apologised_at",
            "named_impact",
            "named_impact_note",
            "owned_our_part",
            "owned_our_part_note",
            "fix_presented",
            "fix_presented_note",
        ]


class CompensationSerializer(serializers.ModelSerializer):
    offered_by = PersonField(read_only=True)
    decided_by = PersonField(read_only=True)

    class Meta:
        model = Compensation
        fields = [
            "id",
            "kind",
            "description",
            "value_to_client",
            "cost_to_us",
            "guideline",
            "approval",
            "offered_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "delivered_on",
            "created_at",
        ]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "due_on", "purpose", "status", "notes", "settled_at"]


class PromiseSerializer(serializers.ModelSerializer):
    made_by = PersonField(read_only=True)

    class Meta:
        model = Promise
        fields = [
            "id",
            "description",
            "due_on",
            "status",
            "made_by",
            "made_in_step",
            "settled_at",
            "settled_early",
            "early_reason",
        ]


class CaseDetailSerializer(CaseSerializer):
    """A case with its step records and promise ledger."""

    parts = serializers.SerializerMethodField()
    contacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    root_cause_answers = RootCauseSerializer(many=True, read_only=True)
    options = OptionSerializer(many=True, read_only=True)
    client_contacts = ClientContactSerializer(many=True, read_only=True)
    apologies = ApologySerializer(many=True, read_only=True)
    compensations = CompensationSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    promises = PromiseSerializer(many=True, read_only=True)
    # Why "recovered": the new order, or the check-in answer (its id).
    repeat_check_in = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "what_happened",
            "promised_on",
            "detected_at",
            "parts",
            "contacts",
            "client_view",
            "our_view",
            "client_feeling",
            "client_loss",
            "acknowledged_hours",
            "apology_hours",
            "lessons",
            "client_fit",
            "repeat_order_on",
            "repeat_order_value",
            "repeat_check_in",
            "root_cause_answers",
            "options",
            "client_contacts",
            "apologies",
            "compensations",
            "follow_ups",
            "promises",
        ]

    def get_parts(self, case) -> list[str]:
        return [part.part for part in case.parts.all()]


class CaseOpenSerializer(serializers.Serializer):
    """Log a dropped ball: the logging form's fields."""

    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.none(),
        required=False,
        help_text="The team's id; may be left out by a person in one team.",
    )
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.none(), required=False, allow_null=True
    )
    new_client_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True
    )
    commitment = serializers.CharField(max_length=300)
    what_happened = serializers.CharField(max_length=5000)
    severity = serializers.ChoiceField(choices=Severity.choices)
    promised_on = serializers.DateField(required=False, allow_null=True)
    detected_at = serializers.DateTimeField(required=False, allow_null=True)
    failure_source = serializers.ChoiceField(
        choices=FailureSource.choices, required=False, allow_blank=True
    )
    parts = serializers.ListField(
        child=serializers.ChoiceField(choices=OurPart.choices),
        required=False,
        max_length=len(OurPart.choices),
    )
    contacts = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Contact.objects.none(), required=False
    )

    def __init__(self, *args, teams=None, clients=None, **kwargs):
        # The choices are what the person may log for (none when the schema
        # is drawn).
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams
            self.fields["client"].queryset = clients
            self.fields["contacts"].child_relation.queryset = Contact.objects.filter(
                client__in=clients
            )

    def validate(self, data):
        teams = self.fields["team"].queryset
        if data.get("team") is None:
            if len(teams) != 1:
                raise serializers.ValidationError(
                    {"team": "Say which team: you are in more than one."}
                )
            data["team"] = teams[0]
        client, new_name = data.get("client"), data.get("new_client_name", "").strip()
        if bool(client) == bool(new_name):
            raise serializers.ValidationError(
                {"client": "Give an existing client's id or a new client's name."}
            )
        if client is not None and client.team_id != data["team"].pk:
            raise serializers.ValidationError(
                {"client": "That client belongs to another team."}
            )
        return data


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        help_text="The case's version you read: a case changed since is refused.",
    )


class SendBackSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=1000)
    to = serializers.ChoiceField(
        choices=Step.choices,
        required=False,
        help_text="The step to go back to; the one before by default.",
    )


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor = PersonField(read_only=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "actor", "kind", "summary", "body", "changes"]
