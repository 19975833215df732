# The README's two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export HOST ?= 127.0.0.1
export PORT ?= 8000

.PHONY: run test install lint format lock bench clean audit lock-check sbom

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required (found %s); set PYTHON=/path/to/python3.11" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

## Run the whole product: migrate, demo data, web (+ Celery worker and beat when a broker is configured).
run: install
	@scripts/run.sh

## Lint and type-check, then the whole test suite against PostgreSQL and Redis.
test: install
	@scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-pin every transitive dependency after changing pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable --exclude merchant-portal | sed '/^-e /d' > requirements.lock

## Supply chain: the lock matches pyproject.toml and the venv, and no locked pin has a known
## vulnerability (pip-audit; skipped with a message when the advisory source is unreachable).
audit: install lock-check
	@scripts/audit.sh

lock-check: install
	@$(BIN)/python scripts/check_lock.py

## A CycloneDX SBOM of the locked dependencies (validated against the schema by cyclonedx-py).
SBOM ?= var/sbom.cdx.json
sbom: install
	@mkdir -p $(dir $(SBOM))
	set -o pipefail; $(BIN)/cyclonedx-py requirements --pyproject pyproject.toml --of JSON --output-reproducible \
		-o $(SBOM) requirements.lock 2>&1 | { grep -v 'UserWarning\|warn(' || true; }
	@echo "SBOM: $(SBOM)"

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache .mypy_cache
