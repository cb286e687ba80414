"""Celery tasks: thin, idempotent, taking ids and calling services."""

from celery import shared_task
from django.core.cache import cache


@shared_task
def ping(token: str) -> None:
    """Answer a round trip through the broker by leaving the token in the cache."""
    cache.set(f"ping:{token}", "pong", timeout=300)
