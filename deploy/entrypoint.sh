#!/bin/sh
# The container's entrypoint (Containerfile, compose.yaml): one image, one role per container.
#   web            gunicorn with portal/gunicorn_conf.py (as scripts/run.sh and the Procfile run it)
#   worker         a Celery worker
#   beat           Celery beat (its schedule file in /tmp: CELERY_BEAT_SCHEDULE_FILENAME)
#   migrate [ARGS] one-shot: database migrations, then the credit score model (on the uploads
#                  volume; ARGS go to credit_setup, e.g. --samples 20000)
#   collectstatic  build time only: static files (hashed, compressed) into STATIC_ROOT
#   manage ARGS    any manage.py command; anything else is run as given
# The root filesystem is read-only: writable are only /tmp (PORTAL_VAR_DIR, the beat schedule,
# Prometheus' multiprocess files) and the uploads volume (MEDIA_ROOT, CREDIT_MODEL_DIR).
set -eu
cd "$(dirname "$0")/.."

: "${PORTAL_VAR_DIR:=/tmp/portal}"
: "${CELERY_BEAT_SCHEDULE_FILENAME:=$PORTAL_VAR_DIR/celerybeat-schedule}"
export PORTAL_VAR_DIR CELERY_BEAT_SCHEDULE_FILENAME
mkdir -p "$PORTAL_VAR_DIR"

# Only gunicorn's workers share metrics through files (portal/gunicorn_conf.py); elsewhere
# prometheus_client keeps them in memory, as `make run` does.
[ "${1:-web}" = web ] || unset PROMETHEUS_MULTIPROC_DIR

role=${1:-web}
[ "$#" -gt 0 ] && shift

case "$role" in
  web)
    # gunicorn's on_starting empties and recreates it; never under the (read-only) app directory.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PORTAL_VAR_DIR/prometheus}"
    exec gunicorn portal.wsgi --config python:portal.gunicorn_conf \
      --bind "${HOST:-0.0.0.0}:${PORT:-8000}" --worker-tmp-dir "${WORKER_TMP_DIR:-/tmp}" "$@"
    ;;
  worker)
    exec celery -A portal worker --loglevel "${LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "worker@%h" "$@"
    ;;
  beat)
    exec celery -A portal beat --loglevel "${LOG_LEVEL:-INFO}" --schedule "$CELERY_BEAT_SCHEDULE_FILENAME" "$@"
    ;;
  migrate)
    python manage.py migrate --noinput
    # A live credit score model (trained once, into CREDIT_MODEL_DIR on the shared volume).
    exec python manage.py credit_setup "$@"
    ;;
  collectstatic)
    # Build time: production settings (the manifest storage) with placeholder secrets that
    # never leave this command; nothing is connected to.
    build_secret=build-time-only-placeholder-never-used-at-run-time-0123456789abcdef
    exec env PORTAL_ENV=production SECRET_KEY="$build_secret" ALLOWED_HOSTS=build.invalid \
      DATABASE_URL=postgres://build@build.invalid/build REDIS_URL=redis://build.invalid:6379/0 \
      CELERY_BROKER_URL=memory:// CARD_ENCRYPTION_KEYS="k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" \
      CARD_HASH_KEY="$build_secret" METRICS_TOKEN="$build_secret" \
      python manage.py collectstatic --noinput -v0 "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
