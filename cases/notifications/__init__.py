"""Notifications: recording (record.py), what is due (due.py), delivering
(deliver.py) and rendering (render.py) the outbox's emails."""
