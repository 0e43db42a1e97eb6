#!/usr/bin/env bash
# The production processes on one machine: gunicorn, a Celery worker and Celery beat.
# Configuration comes from the environment (see README, "Running it for real"); with
# CERTIFY_ENV=production the settings refuse to start without SECRET_KEY and ALLOWED_HOSTS.
# Stops every process when one of them exits or on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin
bind=${BIND:-127.0.0.1:${PORT:-8000}}
workers=${WEB_WORKERS:-$(( $(nproc) * 2 + 1 ))}
# gthread: a worker keeps answering while one of its requests waits on PostgreSQL (row locks,
# commit fsync); see README, "Production tuning". WEB_WORKER_CLASS=sync for one request per process.
worker_class=${WEB_WORKER_CLASS:-gthread}
threads=${WEB_THREADS:-4}
[ "$worker_class" = "gthread" ] || threads=1  # gunicorn turns sync into gthread when threads > 1

$venv/python manage.py migrate --noinput
# Several web nodes share one build of the static files: SKIP_COLLECTSTATIC=1 on all but one.
if [ "${SKIP_COLLECTSTATIC:-0}" != "1" ]; then
  $venv/python manage.py collectstatic --noinput -v0
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait' EXIT INT TERM
$venv/gunicorn certify.wsgi --bind "$bind" --workers "$workers" --worker-class "$worker_class" --threads "$threads" \
  --timeout 30 --graceful-timeout 20 --backlog 2048 --access-logfile - & pids+=($!)
if [ -n "${CELERY_BROKER_URL:-${REDIS_URL:-}}" ]; then
  $venv/celery -A certify worker -Q default,certificates --concurrency "${CELERY_CONCURRENCY:-2}" \
    --loglevel INFO & pids+=($!)
  $venv/celery -A certify beat --loglevel INFO --schedule "${CELERY_BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}" & pids+=($!)
else
  echo "No CELERY_BROKER_URL: tasks run inside the web processes; no worker or beat started." >&2
fi
wait -n
