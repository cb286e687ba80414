"""Make an API token for a person, for a script: `manage.py api_token alice
--name "CRM sync"` prints it once."""

from django.core.management.base import BaseCommand, CommandError

from cases.api.tokens import api_token_create
from cases.exceptions import MendError
from cases.models import User


class Command(BaseCommand):
    help = "Make a personal API token for USERNAME and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No one has the username {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username}'s account is switched off.")
        try:
            _, raw = api_token_create(user=user, name=name)
        except MendError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
