# Two commands for a newcomer: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small

.PHONY: fuzz demo test setup migrate seed serve lint typecheck format worker beat clean erp erp-venv lock bench-smoke messages

## Installs exactly what requirements-dev.lock says (hashes checked), so two installs a
## month apart run the same code. requirements*.txt say what we accept; `make lock`
## turns them into the lock files.
$(STAMP): requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	mkdir -p var
	$(PY) manage.py migrate --noinput

## Every e-mail the demo sends (new POs, proposals, reminders, invitations), from the
## seed, the server and the periodic tasks alike, is written to var/mail/, one file per
## batch sent; nothing is delivered and no raw e-mail fills the terminal.
DEMO_MAIL_DIR := var/mail
DEMO_ENV := EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH=$(CURDIR)/$(DEMO_MAIL_DIR)

seed: migrate
	mkdir -p $(DEMO_MAIL_DIR)
	$(DEMO_ENV) $(PY) manage.py seed_demo --scale $(SCALE)

## The seeded demo on the embedded default (SQLite in var/, tasks in-process). It prints
## the logins and where mail goes; the seed's full report is in var/seed.log. The periodic
## tasks (outbox retries, nightly reconciliation, reminders) run beside the server
## in-process, logging to var/schedule.log: the embedded default has no beat.
demo: setup
	@mkdir -p var $(DEMO_MAIL_DIR)
	@$(PY) manage.py migrate --noinput -v 0
	@$(DEMO_ENV) $(PY) manage.py seed_demo --scale $(SCALE) > var/seed.log 2>&1 || (cat var/seed.log; exit 1)
	@sed -n '/^Demo logins/,$$p' var/seed.log
	@echo "E-mail (new POs, proposals, reminders, invitations) is written to $(DEMO_MAIL_DIR)/, one file per batch sent."
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl-C to stop); periodic tasks log to var/schedule.log"
	@$(DEMO_ENV) $(PY) manage.py run_schedule > var/schedule.log 2>&1 & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite: SQLite by default; PostgreSQL and Redis when DATABASE_URL and
## CELERY_BROKER_URL are set.
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

## Longer, random exploration of the property and schema tests (make test is
## derandomized); failures are saved under var/hypothesis and replayed next time.
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz FUZZ_FACTOR=20 $(PY) -m pytest tests/api/test_schemathesis.py tests/integrations/x12 tests/integrations/test_outbox_ordering_property.py tests/inventory/test_uom_conversion.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## Every benchmark in bench/ in its smoke size (PostgreSQL: DATABASE_URL must point there);
## CI runs it so a benchmark that no longer starts fails. Full runs: bench/README.md.
bench-smoke: setup
	bench/smoke.sh

## The German catalogs (docs/architecture.md "Languages and time zones"): the project's
## (locale/: portal, integrations, inventory and every template outside templates/suppliers)
## and the suppliers app's (suppliers/locale/, its own script), then the compiled .mo files.
## Translate every new msgid in both .po files before committing: tests/portal/test_i18n.py
## fails on an empty or fuzzy one, or on a .mo older than its .po.
MESSAGES_IGNORE := --ignore 'suppliers/*' --ignore 'templates/suppliers/*' --ignore '.venv*' \
	--ignore 'bench/*' --ignore 'tests/*' --ignore 'var/*' --ignore 'erp/*' --ignore 'deploy/*' \
	--ignore 'static/*' --ignore 'docs/*'
messages: setup
	$(PY) manage.py makemessages -l de --no-obsolete $(MESSAGES_IGNORE)
	$(SHELL) suppliers/locale/makemessages.sh
	$(PY) manage.py compilemessages -l de --ignore '.venv*' --ignore 'var/*'

## mypy with django-stubs: strict on every services/ package and on integrations/.
typecheck: setup
	$(VENV)/bin/mypy

## Regenerate the lock files (with hashes) after changing a requirements*.txt. Extras are
## kept: pip in --require-hashes mode needs them (trytond asks for pwdlib[argon2]).
LOCK_FLAGS := --quiet --generate-hashes --no-strip-extras --allow-unsafe --no-header --no-emit-index-url --no-emit-find-links
lock: setup
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements.lock requirements.txt
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements-dev.lock requirements-dev.txt
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements-erp.lock requirements-erp.txt

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: setup
	$(VENV)/bin/celery -A portal worker --loglevel INFO --concurrency 2

beat: setup
	$(VENV)/bin/celery -A portal beat --loglevel INFO

clean:
	rm -rf var/portal.sqlite3* .pytest_cache

## A local Tryton ERP with the demo's suppliers, products, warehouses and confirmed
## purchases, and the portal's `tryton` connector (beside the seeded ones) pointing at it
## (erp/README.md). On PostgreSQL, as in production, when DATABASE_URL points there
## (database "tryton" on the same server); SQLite otherwise.
ERP_VENV := .venv-erp
ERP_PORT ?= 8069
TRYTON_PASSWORD ?= admin
ERP_ON_PG := $(filter postgres://% postgresql://%,$(DATABASE_URL))
ERP_CONF := $(if $(ERP_ON_PG),var/erp/trytond-postgresql.conf,erp/trytond.conf)
ERP_DB := $(if $(ERP_ON_PG),var/erp/tryton.pg,var/erp/tryton.sqlite)
## The ERP's own virtualenv (trytond and its modules, from requirements-erp.lock): the erp
## tests and bench/peer_tryton.py run a real trytond from it.
erp-venv:
	test -x $(ERP_VENV)/bin/trytond || ($(PYTHON) -m venv $(ERP_VENV) && $(ERP_VENV)/bin/pip install --quiet --require-hashes -r requirements-erp.lock)

erp: seed erp-venv
	$(PY) manage.py configure_tryton_connector --url http://127.0.0.1:$(ERP_PORT) --write-spec var/erp/demo-spec.json
	$(if $(ERP_ON_PG),mkdir -p var/erp && sed "s|^uri = sqlite://|uri = postgresql://$(word 2,$(subst /, ,$(DATABASE_URL)))/|" erp/trytond.conf > $(ERP_CONF))
	test -f $(ERP_DB) || TRYTON_PASSWORD=$(TRYTON_PASSWORD) $(ERP_VENV)/bin/python erp/build_db.py --spec var/erp/demo-spec.json --config $(ERP_CONF) --output $(ERP_DB)
	@echo "trytond on http://127.0.0.1:$(ERP_PORT)/ (user admin, password $(TRYTON_PASSWORD)); Ctrl-C to stop."
	@echo "Run the portal with TRYTON_PASSWORD=$(TRYTON_PASSWORD) in its environment (make demo)."
	TRYTOND_DATABASE__PATH=$(CURDIR)/var/erp TRYTOND_WEB__LISTEN=127.0.0.1:$(ERP_PORT) $(ERP_VENV)/bin/trytond -c $(ERP_CONF)
