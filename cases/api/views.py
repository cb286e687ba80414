"""The API's endpoints. Each finds what the person may see through the same
querysets as the pages (another team's case: 404), asks the same rule before
a change (a read-only teammate: 403), and changes it through the same
service or case-page action, so rules, version checks and the timeline are
those of the pages."""

import uuid

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    schema,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from cases.api import serializers as s
from cases.api.errors import idempotency_key
from cases.api.paging import CappedPagination
from cases.casework.actions import ACTIONS
from cases.casework.selectors import case_for_page, may
from cases.casework.services.cases import case_advance, case_open, case_send_back
from cases.casework.services.review import case_comment
from cases.models import Case, Client, Team
from cases.review.filters import CaseFilter
from cases.review.selectors import cases_for_review

# Ids are whole numbers: any other address falls through to not_found.
ID = "[0-9]+"


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
@authentication_classes([])
@schema(None)
def not_found(request):
    raise exceptions.NotFound("There is nothing at this address in Mend's API.")


class CaseFilterBackend(DjangoFilterBackend):
    """The All cases page's filters and sorts, with the same names."""

    def get_filterset_class(self, view, queryset=None):
        return CaseFilter

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        return {**kwargs, "user": request.user}


@extend_schema_view(
    list=extend_schema(summary="The clients you may see, with their contacts"),
    retrieve=extend_schema(summary="One client"),
)
class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ClientSerializer
    lookup_value_regex = ID

    def get_queryset(self):
        return (
            Client.objects.for_user(self.request.user)
            .select_related("team")
            .prefetch_related("contacts")
            .order_by("name", "pk")
        )


def _visible(request, pk, needs: str | None = None) -> Case:
    """The case if the person may see it (else 404) and, with `needs`, may
    do that to it (else 403)."""
    case = Case.objects.for_user(request.user, "view").filter(pk=pk).first()
    if case is None:
        raise exceptions.NotFound("No such case.")
    if needs and not may(request.user, case, needs):
        raise PermissionDenied
    return case


def _detail(request, pk) -> Response:
    case = case_for_page(request.user, pk)
    return s.CaseDetailSerializer(case, context={"request": request}).data


PK = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="Cases, filtered and sorted as on the All cases page",
        description="Most urgent first unless `sort` says otherwise.",
    ),
    retrieve=extend_schema(
        summary="One case with its step, clock, step records and promise ledger",
        responses=s.CaseDetailSerializer,
        parameters=[PK],
    ),
)
class CaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CaseSerializer
    lookup_value_regex = ID
    filter_backends = [CaseFilterBackend]
    pagination_class = CappedPagination

    def get_queryset(self):
        return cases_for_review(self.request.user).select_related(
            "client", "team", "owner"
        )

    def retrieve(self, request, pk=None):
        try:
            return Response(_detail(request, int(pk)))
        except (Case.DoesNotExist, ValueError):
            raise exceptions.NotFound("No such case.") from None

    @extend_schema(
        summary="Log a dropped ball",
        request=s.CaseOpenSerializer,
        responses={201: s.CaseDetailSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                description="Send the same key again and the case is logged once.",
            )
        ],
    )
    def create(self, request):
        user = request.user
        teams = Team.objects.for_logging(user)
        serializer = s.CaseOpenSerializer(
            data=request.data,
            teams=teams,
            clients=Client.objects.for_user(user).filter(team__in=teams),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = case_open(
            by=user,
            team=data["team"],
            client=data.get("client"),
            new_client_name=data.get("new_client_name", ""),
            commitment=data["commitment"],
            what_happened=data["what_happened"],
            severity=data["severity"],
            promised_on=data.get("promised_on"),
            detected_at=data.get("detected_at"),
            failure_source=data.get("failure_source", ""),
            parts=data.get("parts", []),
            contacts=data.get("contacts", []),
            submission_key=idempotency_key(request),
        )
        return Response(_detail(request, case.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move the case on to its next step",
        request=s.VersionSerializer,
        responses=s.CaseDetailSerializer,
        parameters=[PK],
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        case = _visible(request, pk, "work")
        body = s.VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case_advance(case_id=case.pk, by=request.user, version=body.data["version"])
        return Response(_detail(request, case.pk))

    @extend_schema(
        summary="Send the case back to an earlier step (sales managers)",
        request=s.SendBackSerializer,
        responses=s.CaseDetailSerializer,
        parameters=[PK],
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        case = _visible(request, pk, "manage")
        body = s.SendBackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case_send_back(
            case_id=case.pk,
            by=request.user,
            version=body.validated_data["version"],
            reason=body.validated_data["reason"],
            to=body.validated_data.get("to"),
        )
        return Response(_detail(request, case.pk))

    @extend_schema(
        summary="The case's timeline, newest first",
        responses=s.TimelineEntrySerializer(many=True),
        parameters=[PK],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request, pk=None):
        case = _visible(request, pk)
        entries = case.timeline.select_related("actor").order_by("-at", "-pk")
        page = self.paginate_queryset(entries)
        data = s.TimelineEntrySerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Comment on the case (@username tells a teammate)",
        request=s.CommentSerializer,
        responses={201: OpenApiResponse(description="Posted")},
        parameters=[PK],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def comments(self, request, pk=None):
        case = _visible(request, pk, "work")
        body = s.CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        posted = case_comment(
            case_id=case.pk,
            by=request.user,
            text=body.validated_data["text"],
            submission_key=idempotency_key(request),
        )
        unknown = sorted(posted.mentions.unknown)
        return Response(
            {"detail": "Comment posted.", "unknown_mentions": unknown},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Any change the case page offers (step records, offers, promises…)",
        description=(
            "The body holds the case page form's fields by name, e.g. for "
            "`promise`: `description`, `due_on`. Forms that create a record "
            "take the Idempotency-Key header as their one-time key. Names: "
            + ", ".join(f"`{name}`" for name in ACTIONS)
            + "."
        ),
        request=OpenApiTypes.OBJECT,
        responses=s.CaseDetailSerializer,
        parameters=[
            PK,
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(ACTIONS)),
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"actions/(?P<name>[a-z_]+)",
        filter_backends=[],
    )
    def actions(self, request, pk=None, name=None):
        page_action = ACTIONS.get(name)
        if page_action is None:
            raise exceptions.NotFound("No such action.")
        case = _visible(request, pk, page_action.needs)
        form = page_action.build(case, _form_data(request, page_action, name), name)
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors.get_json_data())
        message = page_action.run(case, request.user, form.cleaned_data, form)
        text = message[1] if isinstance(message, tuple) else message
        return Response({"detail": text, "case": _detail(request, case.pk)})


def _form_data(request, page_action, name) -> QueryDict:
    """The JSON body as the page's form would post it: its prefix, lists as
    repeated fields, and a one-time key (the Idempotency-Key, or a new one)."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError("Send a JSON object of the form's fields.")
    data = QueryDict(mutable=True)
    key = idempotency_key(request) or uuid.uuid4()
    fields = {"submission_key": str(key), **request.data}
    for field, value in fields.items():
        if page_action.prefixed:
            field = f"{name}-{field}"
        values = value if isinstance(value, list) else [value]
        data.setlist(field, ["" if v is None else _text(v) for v in values])
    return data


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
