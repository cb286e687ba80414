"""Notifications: what is due (due.py) and delivering it (outbox.py)."""
