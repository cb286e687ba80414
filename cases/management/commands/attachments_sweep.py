"""Stored files that no attachment names (a caller's transaction rolled back
after storing them): list them, and with --delete remove them
(`manage.py attachments_sweep --delete`)."""

import datetime as dt

from django.core.management.base import BaseCommand

from cases.casework.services.attachments import attachments_orphans_sweep


class Command(BaseCommand):
    help = "List (or --delete) stored files that no attachment names."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true")
        parser.add_argument(
            "--hours",
            type=int,
            default=24,
            help="Only files stored at least this long ago (default 24).",
        )

    def handle(self, *args, delete, hours, **options):
        found = attachments_orphans_sweep(
            older_than=dt.timedelta(hours=hours), delete=delete
        )
        for name in found:
            self.stdout.write(name)
        verb = "Deleted" if delete else "Found"
        self.stdout.write(f"{verb} {len(found)} stored file(s) no attachment names.")
