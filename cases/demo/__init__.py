"""The demo `make run` loads: data.yaml, read by loader.py (`manage.py seed_demo`)."""
