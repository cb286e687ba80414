import pytest
from rest_framework.test import APIClient

from cases.api.tokens import api_token_create


@pytest.fixture
def api():
    """An API client that signs its requests with a person's own token."""
    made = {}

    def as_(user):
        if user.pk not in made:
            _, raw = api_token_create(user=user, name="tests")
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
            made[user.pk] = client
        return made[user.pk]

    return as_
