"""What the outbox holds: counts by status and kind, and the latest rows of one
status (`manage.py notifications --status failed --limit 20`)."""

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Plain-text columns, each as wide as its widest cell."""
    widths = [
        max(len(str(cell)) for cell in column)
        for column in zip(headers, *rows, strict=True)
    ]
    lines = []
    for row in [headers, ["-" * width for width in widths], *rows]:
        cells = [
            str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Command(BaseCommand):
    help = (
        "Count outbox notifications by status and kind, and list the latest of "
        "one status."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            default=OutboxStatus.FAILED,
            choices=[*OutboxStatus.values, "all"],
            help="Which notifications to list (default: failed).",
        )
        parser.add_argument(
            "--limit", type=int, default=20, help="How many to list (default: 20)."
        )

    def handle(self, *args, status, limit, **options):
        statuses = OutboxStatus.values
        counts = {
            (row["kind"], row["status"]): row["n"]
            for row in OutboxMessage.objects.values("kind", "status")
            .annotate(n=Count("pk"))
            .order_by()
        }
        rows = []
        for kind in NotificationKind.values:
            cells = [counts.get((kind, s), 0) for s in statuses]
            if any(cells):
                rows.append([kind, *cells, sum(cells)])
        totals = [
            sum(counts.get((k, s), 0) for k in NotificationKind.values)
            for s in statuses
        ]
        rows.append(["all kinds", *totals, sum(totals)])
        self.stdout.write("\n".join(table(["kind", *statuses, "total"], rows)))

        messages = OutboxMessage.objects.select_related("recipient", "contact")
        if status != "all":
            messages = messages.filter(status=status)
        # What is waiting: the next due first; what is done: the latest first.
        if status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
            messages = messages.order_by("due_at", "pk")
        else:
            messages = messages.order_by("-due_at", "-pk")
        listed = list(messages[: max(limit, 0)])
        self.stdout.write("")
        label = "all" if status == "all" else status
        if not listed:
            self.stdout.write(f"No {label} notifications.")
            return
        self.stdout.write(f"{label.capitalize()} notifications ({len(listed)} shown):")
        self.stdout.write(
            "\n".join(
                table(
                    [
                        "id",
                        "status",
                        "due",
                        "kind",
                        "recipient",
                        "case",
                        "tries",
                        "sent",
                        "last error",
                    ],
                    [
                        [
                            m.pk,
                            m.status,
                            when(m.due_at),
                            m.kind,
                            addressee(m),
                            f"#{m.case_id}" if m.case_id else "-",
                            m.attempts,
                            when(m.sent_at),
                            short(m.last_error) or "-",
                        ]
                        for m in listed
                    ],
                )
            )
        )


def addressee(message) -> str:
    """Who a listed message is to: a user, or a contact at the client."""
    if message.recipient_id is None:
        contact = message.contact
        return f"{contact.email or contact.name} (client)"
    return message.recipient.email or message.recipient.username
