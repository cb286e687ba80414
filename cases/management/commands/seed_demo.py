"""Load Mend's demo data. Safe to run again: it updates, never duplicates."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.demo.loader import seed_demo


class Command(BaseCommand):
    help = "Load the demo teams, people, clients and cases (cases/demo). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo passwords are public).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with public passwords; "
                "it runs only with DEBUG on, or with --force."
            )
        for login in seed_demo():
            self.stdout.write(
                f"login: {login.username} {login.password} {login.role} {login.teams}"
            )
