# Mend: `make run` to try it, `make test` to prove it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test lint format audit bench bench-load bench-notify bench-import install clean

run: $(RUN_STAMP) .env
	$(PY) manage.py migrate --noinput
	@bin/run

# In parallel: one pytest-xdist worker per CPU, each with a test database and
# a Celery queue of its own; tests go to whichever worker is free (worksteal,
# since a few take far longer than the rest). TEST_WORKERS=0 runs them in one
# process. The Hypothesis statistics say how many examples each property ran.
TEST_WORKERS ?= auto

test: $(DEV_STAMP) .env
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --hypothesis-show-statistics $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# `make audit`: pip-audit on the pinned requirements (PyPI's vulnerability
# records). Fails on a known vulnerability that has a fixed version, reports one
# without a fix; README, "Updating pins".
audit: $(DEV_STAMP)
	$(PY) bin/audit.py -r requirements.txt -r requirements-dev.txt

# `make bench`: the review pages against the admin's pages on 100,000 cases;
# BENCH_CASES=1000000 for a million, in a database of its own (mend_bench_1m)
# so that both sizes stay loaded. PostgreSQL only, in databases of their own
# so tests and the dev data stay as they are; a postgres DATABASE_URL wins.
# BENCH_ARGS passes options (--reload, --runs 15, --explain).
BENCH_CASES ?= 100000
BENCH_NAME := mend_bench$(if $(filter 100000,$(BENCH_CASES)),,$(if $(filter 1000000,$(BENCH_CASES)),_1m,_$(BENCH_CASES)))
BENCH_DB := postgres://postgres@127.0.0.1:5432/$(BENCH_NAME)
BENCH_URL := $(if $(filter postgres://% postgresql://%,$(DATABASE_URL)),$(DATABASE_URL),$(BENCH_DB))

bench: $(DEV_STAMP) .env
	@if [ "$(BENCH_URL)" = "$(BENCH_DB)" ]; then \
		createdb -h 127.0.0.1 -U postgres $(BENCH_NAME) 2>/dev/null || true; fi
	DATABASE_URL=$(BENCH_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_URL) $(PY) -m tests.bench review --cases $(BENCH_CASES) $(BENCH_ARGS)

# `make bench-load`: gunicorn as deployed, on 127.0.0.1, against the same data
# (loaded first if need be), driven by Locust: 50 people, then saturation, then
# the admin's changelist. BENCH_CASES as above; LOAD_ARGS passes options
# (--duration 60, --users 50, --saturation-users 16, --max-requests N).
bench-load: $(DEV_STAMP) .env
	@if [ "$(BENCH_URL)" = "$(BENCH_DB)" ]; then \
		createdb -h 127.0.0.1 -U postgres $(BENCH_NAME) 2>/dev/null || true; fi
	DATABASE_URL=$(BENCH_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_URL) $(PY) -m tests.bench review --cases $(BENCH_CASES) --load-only
	DATABASE_URL=$(BENCH_URL) $(PY) -m tests.bench load $(LOAD_ARGS)

# `make bench-notify`: 10,000 due follow-ups swept and sent to a local SMTP server
# (sweep_due + send_due against a naive loop), each reminder's lateness from its
# due time (BENCH_ARGS: --count, --senders, --sweep-delay). In
# a database of its own too: the review benchmark's 100,000 cases were never
# swept, so everything due in them since would come due in the same sweep.
NOTIFY_DB := postgres://postgres@127.0.0.1:5432/mend_bench_notify
NOTIFY_URL := $(if $(filter postgres://% postgresql://%,$(DATABASE_URL)),$(DATABASE_URL),$(NOTIFY_DB))

bench-notify: $(DEV_STAMP) .env
	@if [ "$(NOTIFY_URL)" = "$(NOTIFY_DB)" ]; then \
		createdb -h 127.0.0.1 -U postgres mend_bench_notify 2>/dev/null || true; fi
	DATABASE_URL=$(NOTIFY_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(NOTIFY_URL) $(PY) -m tests.bench notify $(BENCH_ARGS)

# `make bench-import`: 10,000 clients imported from a Salesforce-style CSV
# through the import's own path (preview, confirm, import in one transaction),
# then the same file again (all unchanged). In a database of its own too.
IMPORT_DB := postgres://postgres@127.0.0.1:5432/mend_bench_import
IMPORT_URL := $(if $(filter postgres://% postgresql://%,$(DATABASE_URL)),$(DATABASE_URL),$(IMPORT_DB))

bench-import: $(DEV_STAMP) .env
	@if [ "$(IMPORT_URL)" = "$(IMPORT_DB)" ]; then \
		createdb -h 127.0.0.1 -U postgres mend_bench_import 2>/dev/null || true; fi
	DATABASE_URL=$(IMPORT_URL) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(IMPORT_URL) $(PY) -m tests.bench imports $(BENCH_ARGS)

install: $(DEV_STAMP) .env

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Mend needs Python 3.11 or newer (found: $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv: on Debian or Ubuntu, apt-get install python3-venv."; exit 1; }
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(RUN_STAMP)

# A development .env with a fresh random secret; never committed.
.env:
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env for development (DEBUG on, random SECRET_KEY)."

clean:
	rm -rf $(VENV) var staticfiles db.sqlite3 .env
