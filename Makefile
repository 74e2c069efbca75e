# Casusregie — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN := $(BIN)/python manage.py
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install assets browser messages demo demo-data totp test lint typecheck migrations-check pytest ci deploy-check clean bench-sweep loadtest fuzz scaleout-test deploy-tools deploy-validate

help:
	@echo "make demo   - install, migrate (SQLite), load demo data, start web app + Celery worker"
	@echo "make test   - install, then lint, type checks, migration check and the test suite"
	@echo "make totp   - current second-factor codes of the demo users"
	@echo "make ci     - what .ci/run does: make test on PostgreSQL + Redis, check --deploy"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Casusregie heeft Python 3.11 of nieuwer nodig (PYTHON=$(PYTHON))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po | $(VENV)/.installed
	$(BIN)/pybabel compile --domain=django --directory=locale --locale=en --statistics

assets: node_modules/.package-lock.json locale/en/LC_MESSAGES/django.mo

# Re-extract the translatable strings (needs GNU gettext; installed when missing).
messages: install
	@command -v xgettext >/dev/null || apt-get install -y gettext
	CASUSREGIE_MODE=test $(RUN) makemessages --locale=en --ignore='node_modules/*' --ignore='.venv/*' --ignore='tests/*'

# --- demo -------------------------------------------------------------------------------------
demo-data: install assets
	CASUSREGIE_MODE=demo $(RUN) migrate --noinput
	CASUSREGIE_MODE=demo $(RUN) load_demo

demo: demo-data
	CASUSREGIE_MODE=demo ./bin/demo

totp: install
	@CASUSREGIE_MODE=demo $(RUN) demo_totp

# --- checks -----------------------------------------------------------------------------------
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	CASUSREGIE_MODE=test $(BIN)/mypy .

migrations-check: install
	CASUSREGIE_MODE=test $(RUN) makemigrations --check --dry-run

# Browser tests drive Debian's Chromium (never a downloaded browser).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get install -y --no-install-recommends chromium \
		|| { $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends chromium; }; }

pytest: install assets browser
	$(BIN)/pytest $(PYTEST_ARGS)

test: install assets lint typecheck migrations-check pytest

# Production settings must pass Django's deployment checklist without warnings.
deploy-check: install assets
	./bin/deploy-check

ci: install assets browser deploy-tools
	./bin/ci

# Validators for deploy/ (bin/deploy-validate): hadolint and kubernetes-validate are dev
# extras; docker-compose (the compose file), nginx (its configuration) and openssl (a
# throw-away certificate for that check) come from Debian. No container engine is needed.
DEPLOY_TOOLS := docker-compose nginx-light openssl
deploy-tools:
	@command -v docker-compose >/dev/null && command -v nginx >/dev/null && command -v openssl >/dev/null || { \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get install -y --no-install-recommends $(DEPLOY_TOOLS) \
		|| { $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends $(DEPLOY_TOOLS); }; }

deploy-validate: install deploy-tools
	./bin/deploy-validate

# --- hardening --------------------------------------------------------------------------------
# make loadtest: gunicorn with several workers on PostgreSQL, concurrent users for a few
# minutes (docs/security.md). LOAD_ARGS e.g. "--users 30 --minutes 5".
loadtest: install assets
	./bin/loadtest $(LOAD_ARGS)

# make scaleout-test: two gunicorn instances, two Celery workers and one beat on PostgreSQL
# and Redis; journeys alternate between the instances, a worker is killed (docs/operations.md).
scaleout-test: install assets
	./bin/scaleout-test $(SCALEOUT_ARGS)

# make fuzz: schemathesis over /api/schema/ with a longer budget than the suite's.
fuzz: install assets
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-1000} $(BIN)/pytest -p no:xdist tests/hardening/test_fuzz.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles .mypy_cache .ruff_cache .pytest_cache

# --- benchmark --------------------------------------------------------------------------------
# make bench-access: the need-to-know case list on a large generated data set (docs/benchmarks.md).
# Database: DATABASE_URL when set (a database with cases needs BENCH_ARGS=--yes); else the
# PostgreSQL database casusregie_bench on $(BENCH_PG_HOST) (created when missing); else SQLite,
# smaller.
# More options through BENCH_ARGS, e.g. BENCH_ARGS="--cases 1000000" or "--explain".
BENCH_PG_HOST ?= 127.0.0.1
BENCH_PG_PORT ?= 5432
.PHONY: bench-access
bench-access: install
	@set -euo pipefail; \
	if [ -n "$${DATABASE_URL:-}" ]; then \
		url="$$DATABASE_URL"; extra=""; echo "bench-access: database uit DATABASE_URL"; \
	elif $(BIN)/python -c 'import psycopg; c = psycopg.connect(host="$(BENCH_PG_HOST)", port=$(BENCH_PG_PORT), user="postgres", dbname="postgres", autocommit=True, connect_timeout=3); found = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", ("casusregie_bench",)).fetchone(); found or c.execute("CREATE DATABASE casusregie_bench")' 2>/dev/null; then \
		url="postgres://postgres@$(BENCH_PG_HOST):$(BENCH_PG_PORT)/casusregie_bench"; extra="--yes"; \
		echo "bench-access: PostgreSQL $(BENCH_PG_HOST):$(BENCH_PG_PORT), database casusregie_bench"; \
	else \
		url="sqlite:///$(CURDIR)/var/bench.sqlite3"; extra="--yes --cases 10000"; \
		echo "bench-access: PostgreSQL op $(BENCH_PG_HOST):$(BENCH_PG_PORT) niet bereikbaar; terugval op SQLite (var/bench.sqlite3), standaard 10.000 casussen. Deze cijfers zeggen niets over PostgreSQL."; \
	fi; \
	export CASUSREGIE_MODE=test DATABASE_URL="$$url"; \
	$(RUN) migrate --noinput >/dev/null; \
	$(RUN) bench_access --reuse $$extra $(BENCH_ARGS)

# make bench-audit: the cost of access logging per request and chain verification speed
# (docs/benchmarks.md). Same database choice as bench-access; the keys stay in var/bench-keys
# so that a log seeded in one run still verifies in the next.
.PHONY: bench-audit
bench-audit: install
	@set -euo pipefail; \
	if [ -n "$${DATABASE_URL:-}" ]; then \
		url="$$DATABASE_URL"; extra=""; \
	elif $(BIN)/python -c 'import psycopg; c = psycopg.connect(host="$(BENCH_PG_HOST)", port=$(BENCH_PG_PORT), user="postgres", dbname="postgres", autocommit=True, connect_timeout=3); found = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", ("casusregie_bench",)).fetchone(); found or c.execute("CREATE DATABASE casusregie_bench")' 2>/dev/null; then \
		url="postgres://postgres@$(BENCH_PG_HOST):$(BENCH_PG_PORT)/casusregie_bench"; extra=""; \
		echo "bench-audit: PostgreSQL $(BENCH_PG_HOST):$(BENCH_PG_PORT), database casusregie_bench"; \
	else \
		url="sqlite:///$(CURDIR)/var/bench.sqlite3"; extra="--events 100000"; \
		echo "bench-audit: PostgreSQL niet bereikbaar; SQLite met 100.000 gebeurtenissen."; \
	fi; \
	$(BIN)/python -m core.keygen var/bench-keys >/dev/null; \
	export CASUSREGIE_MODE=test DATABASE_URL="$$url" \
		SECRET_KEY_FILE=var/bench-keys/secret_key ENCRYPTION_KEYS_FILE=var/bench-keys/encryption_keys \
		INDEX_KEY_FILE=var/bench-keys/index_key AUDIT_KEY_FILE=var/bench-keys/audit_key; \
	$(RUN) migrate --noinput >/dev/null; \
	$(RUN) bench_audit $$extra $(BENCH_ARGS)

# make bench-sweep: the stall sweep over a million actions (docs/benchmarks.md). PostgreSQL
# only: the sweep's statements are checked with EXPLAIN for sequential scans.
bench-sweep: install
	@set -euo pipefail; \
	url="$${DATABASE_URL:-postgres://postgres@$(BENCH_PG_HOST):$(BENCH_PG_PORT)/casusregie_sweep_bench}"; \
	$(BIN)/python -c 'import psycopg; c = psycopg.connect(host="$(BENCH_PG_HOST)", port=$(BENCH_PG_PORT), user="postgres", dbname="postgres", autocommit=True, connect_timeout=3); found = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", ("casusregie_sweep_bench",)).fetchone(); found or c.execute("CREATE DATABASE casusregie_sweep_bench")'; \
	$(BIN)/python -m core.keygen var/bench-keys >/dev/null; \
	export CASUSREGIE_MODE=test DATABASE_URL="$$url" \
		SECRET_KEY_FILE=var/bench-keys/secret_key ENCRYPTION_KEYS_FILE=var/bench-keys/encryption_keys \
		INDEX_KEY_FILE=var/bench-keys/index_key AUDIT_KEY_FILE=var/bench-keys/audit_key; \
	$(RUN) migrate --noinput >/dev/null; \
	$(RUN) bench_sweep --reuse $(BENCH_ARGS)
