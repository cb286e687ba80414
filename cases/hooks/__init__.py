"""Webhooks and chat: signed events to the endpoints administrators
registered, and each team's Slack and Teams posts."""
