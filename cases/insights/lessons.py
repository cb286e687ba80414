"""Lessons reused: closed cases like this one, so learning is read before it
is written again."""

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Value

from cases.choices import Answer, Step
from cases.models import Case, Client, User

LIMIT = 5


def similar_cases(
    user: User,
    *,
    case: Case | None = None,
    client: Client | None = None,
    parts: list[str] = (),
) -> list[Case]:
    """Closed cases with lessons that share the client, an "our part" or a
    root-cause question answered No with `case`; before a case is logged,
    with the `client` and `parts` chosen on its form. The client's own
    closed cases first (each marked `this_client`), then the closest, then
    the newest."""
    gaps = []
    if case is not None:
        client = case.client
        parts = list(case.parts.values_list("part", flat=True))
        gaps = list(
            case.root_cause_answers.filter(answer=Answer.NO).values_list(
                "question", flat=True
            )
        )
    if client is None and not parts:
        return []
    closed: QuerySet = (
        Case.objects.for_user(user, "view").filter(step=Step.CLOSED).exclude(lessons="")
    )
    if case is not None:
        closed = closed.exclude(pk=case.pk)
    matches, score, annotations = Q(pk__in=[]), Value(0), {}
    order = ["-score", "-closed_at", "-pk"]
    if client is not None:
        order.insert(0, "-same_client")
        annotations["same_client"] = models.Case(
            models.When(client=client, then=Value(1)),
            default=Value(0),
            output_field=models.IntegerField(),
        )
        matches |= Q(client=client)
        score = score + F("same_client")
    if parts:
        annotations["shared_parts"] = Count(
            "parts", filter=Q(parts__part__in=parts), distinct=True
        )
        matches |= Q(parts__part__in=parts)
        score = score + F("shared_parts")
    if gaps:
        gap = Q(
            root_cause_answers__question__in=gaps,
            root_cause_answers__answer=Answer.NO,
        )
        annotations["shared_gaps"] = Count(
            "root_cause_answers", filter=gap, distinct=True
        )
        matches |= gap
        score = score + F("shared_gaps")
    ranked = (
        closed.filter(pk__in=closed.filter(matches).values("pk"))
        .annotate(**annotations)
        .annotate(score=score)
        .select_related("client", "owner")
        .prefetch_related("parts")
        .order_by(*order)[:LIMIT]
    )
    found = list(ranked)
    for past in found:
        past.shared = _shared(past, client, parts)
        past.this_client = client is not None and past.client_id == client.pk
    return found


def _shared(past: Case, client: Client | None, parts: list[str]) -> list[str]:
    """Why a past case is shown, in words."""
    reasons = []
    if client is not None and past.client_id == client.pk:
        reasons.append("same client")
    reasons += [p.get_part_display() for p in past.parts.all() if p.part in parts]
    if getattr(past, "shared_gaps", 0):
        n = past.shared_gaps
        reasons.append(
            f"{n} root-cause question{'s' if n > 1 else ''} also answered No"
        )
    return reasons
