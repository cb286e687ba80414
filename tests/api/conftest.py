import pytest
from rest_framework.test import APIClient

from cases.api.tokens import api_token_create


@pytest.fixture
def api():
    """An API client that signs requests with a person's token."""

    def as_(user):
        _, raw = api_token_create(user=user, name=f"tests {user.username}")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return as_
