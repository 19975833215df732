#!/usr/bin/env bash
# `make test`: lint, types, then the whole suite against real PostgreSQL and Redis.
# Takes DATABASE_URL / REDIS_URL from the environment, or the localhost defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORTAL_ENV=test
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal}
# A Redis database of its own (tests flush it); the broker of worker tests uses the next one.
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/9}
unset CELERY_BROKER_URL
# The suite starts ~100 Python processes (xdist workers, gunicorn, Celery, manage.py): with
# bytecode caching off each one compiled the project's modules again (~0.5 s apiece).
unset PYTHONDONTWRITEBYTECODE
PY=.venv/bin/python

echo "== lint (ruff)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== supply chain (lock check, pip-audit)"
$PY scripts/check_lock.py
# Skips with "skip: advisory source unreachable (…)" when offline: never fails for the network.
scripts/audit.sh

echo "== types (mypy)"
# payments/ with the Django and DRF plugins (pyproject.toml); they import the settings above
.venv/bin/mypy

echo "== services"
$PY scripts/check_services.py

if [ -f tests/contract/package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "== npm ci (contract tests)"
    npm ci --prefix tests/contract --no-audit --no-fund --silent
  else
    echo "!! npm not found: the fincode SDK contract tests will be skipped"
  fi
fi

# In parallel unless the caller says otherwise (-n N, -n 0, -p no:xdist): one process per CPU,
# each with its own test database and Redis databases (tests/workers.py).
workers_given=false
for arg in "$@"; do
  case "$arg" in
    -n | -n[0-9a-z]* | --numprocesses | --numprocesses=* | no:xdist) workers_given=true ;;
  esac
done
if ! $workers_given; then
  workers=$($PY -c 'from tests.workers import default_workers; print(default_workers())')
  if [ "$workers" -gt 1 ]; then set -- -n "$workers" "$@"; fi
fi

echo "== pytest"
exec $PY -m pytest "$@"
