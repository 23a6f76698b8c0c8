# Dealerdesk — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-dev lint format check-types check-imports check-migrations \
        test-sqlite test-postgres bench serve worker clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Dealerdesk needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## demo: install, migrate the embedded SQLite database, load demo data, then run the portal
## on :8000, the worker and the ERP simulator on :8001 together (Ctrl+C stops all three)
demo: install
	$(BIN)/dealerdesk migrate --noinput
	$(BIN)/dealerdesk seed-demo --scale small
	HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) scripts/demo.sh

serve: install
	$(BIN)/uvicorn dealerdesk.asgi:application --host $(HOST) --port $(PORT) --lifespan off

worker: install
	DEALERDESK_TASKS_BACKEND=database $(BIN)/dealerdesk db_worker

## test: lint, types, import contracts, migrations, then the suite on SQLite and PostgreSQL
test: install-dev
	@scripts/ensure-test-tools.sh
	$(MAKE) --no-print-directory lint check-types check-imports check-migrations
	@scripts/run-tests.sh

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format:
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

check-types:
	$(BIN)/mypy

check-imports:
	$(BIN)/lint-imports

check-migrations:
	DEALERDESK_DATA_DIR=$$(mktemp -d) $(BIN)/dealerdesk makemigrations --check --dry-run

test-sqlite: install-dev
	DATABASE_URL= $(BIN)/pytest

test-postgres: install-dev
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/dealerdesk $(BIN)/pytest

## bench: load the large demo data set plus 1M customer prices into the configured database, time it
bench: install-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
