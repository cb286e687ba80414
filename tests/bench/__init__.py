"""Mend's benchmarks, kept out of the application: `make bench` runs review.py
and `make bench-notify` notify.py, through `python -m tests.bench NAME`."""
