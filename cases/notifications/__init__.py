"""Notifications: recording (record.py), what is due (due.py: the sweep over
reminders.py, steps.py and digest.py, sharing moments.py), delivering
(deliver.py, with skip.py, nudge.py and requeue.py) and rendering (render.py)
the outbox's emails."""
