"""Loads the Hypothesis profile (profiles.py) before any property runs."""

from tests.properties import profiles  # noqa: F401
