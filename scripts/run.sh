#!/usr/bin/env bash
# `make run`: prepare the database and start the product.
# Without DATABASE_URL / REDIS_URL / CELERY_BROKER_URL it runs on an embedded PostgreSQL
# server (a pip wheel; data in var/postgres), an embedded Redis stand-in and eager Celery. With CELERY_BROKER_URL set it
# starts web, Celery worker and beat together (Procfile, via honcho).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://$HOST:$PORT}
PY=.venv/bin/python

$PY manage.py migrate --noinput -v0
# Credit checks need a live rule set and model: train/load them once if missing.
$PY manage.py credit_setup -v0
if [ "${PORTAL_ENV:-development}" != "production" ]; then
  $PY manage.py load_demo -v0 2>/dev/null || $PY manage.py load_demo
  $PY manage.py load_budgets_demo -v0 >/dev/null 2>&1 || $PY manage.py load_budgets_demo
fi
$PY manage.py collectstatic --noinput -v0

if [ -n "${DATABASE_URL:-}" ]; then db="PostgreSQL (DATABASE_URL)"; else db="embedded PostgreSQL in var/postgres (stop it: .venv/bin/python -m portal.embedded stop)"; fi
cat <<BANNER

  Merchant Portal is starting on http://$HOST:$PORT/
    sign-up page        http://$HOST:$PORT/signup/
    merchant sign-in    http://$HOST:$PORT/login/       owner@example.com / demo-password-123
    operators (admin)   http://$HOST:$PORT/admin/       operator@example.com / demo-password-123
                                                         reviewer@example.com / demo-password-123
    budgets (FinOps)    http://$HOST:$PORT/budgets/     finance@example.com / demo-password-123
    API docs            http://$HOST:$PORT/docs/        (OpenAPI: /v1/openapi.json)
    demo test keys      m_test_DemoSecretKeyForLocalDevelopmentOnly000 (secret: the API)
                        p_test_DemoPublicKeyForLocalDevelopmentOnly000 (public: card tokens)
    database: $db · redis: ${REDIS_URL:-embedded stand-in} · celery: ${CELERY_BROKER_URL:-eager (no broker)}

BANNER

if [ -n "${CELERY_BROKER_URL:-}" ]; then
  exec .venv/bin/honcho start -f Procfile -p "$PORT"
fi
# Without Redis the admission state lives in each process: run one (threaded) process.
if [ -z "${REDIS_URL:-}" ]; then export WEB_CONCURRENCY=${WEB_CONCURRENCY:-1}; fi
exec .venv/bin/gunicorn portal.wsgi --config python:portal.gunicorn_conf --bind "$HOST:$PORT"
