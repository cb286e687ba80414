"""Load Mend's demo data. Safe to run again: it updates, never duplicates."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from cases.services.demo import seed_demo


class Command(BaseCommand):
    help = "Load demo teams, people (and, as Mend grows, cases). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo passwords are public).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force and not settings.TESTING:
            raise CommandError(
                "seed_demo creates accounts with public passwords; "
                "it runs only with DEBUG on, or with --force."
            )
        # The demo's back-story would otherwise email every demo user at once.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
        ):
            logins = seed_demo()
        for login in logins:
            self.stdout.write(
                f"login: {login.username} {login.password} {login.role} {login.teams}"
            )
