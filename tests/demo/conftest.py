from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for a module whose tests only read it: inside a
    transaction rolled back after the module (as Django's setUpTestData), so
    each test's own transaction is a savepoint within it. A module that seeds
    differently (the clock stopped, the seed's result wanted) defines its own."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--force", stdout=StringIO())
        yield
        transaction.set_rollback(True)
