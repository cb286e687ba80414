"""Mend's benchmarks, kept out of the application: `make bench` runs review.py,
`make bench-load` load.py (with locustfile.py), `make bench-notify` notify.py
and `make bench-import` imports.py, through `python -m tests.bench NAME`."""
