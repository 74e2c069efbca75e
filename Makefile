# Casusregie — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN := $(BIN)/python manage.py
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install assets messages demo demo-data totp test lint typecheck migrations-check pytest ci deploy-check clean

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

pytest: install assets
	$(BIN)/pytest $(PYTEST_ARGS)

test: install assets lint typecheck migrations-check pytest

# Production settings must pass Django's deployment checklist without warnings.
deploy-check: install assets
	./bin/deploy-check

ci: install assets
	./bin/ci

clean:
	rm -rf $(VENV) node_modules staticfiles .mypy_cache .ruff_cache .pytest_cache
