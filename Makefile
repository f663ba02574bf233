# Two commands for a newcomer: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small

.PHONY: demo test setup migrate seed serve lint format worker beat clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --scale $(SCALE)

## The seeded demo on the embedded default (SQLite in var/, tasks in-process).
demo: seed
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite: SQLite by default; PostgreSQL and Redis when DATABASE_URL and
## CELERY_BROKER_URL are set.
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: setup
	$(VENV)/bin/celery -A portal worker --loglevel INFO --concurrency 2

beat: setup
	$(VENV)/bin/celery -A portal beat --loglevel INFO

clean:
	rm -rf var/portal.sqlite3* .pytest_cache
