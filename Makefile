# Certify: the two commands of CONTRACTS.md section 1, and a few more.
#   make demo    serve the demo at http://127.0.0.1:$(PORT) (SQLite, eager Celery, nothing else to run)
#   make test    run the whole test suite (DATABASE_URL selects the database; default SQLite)
#   make bench   run the benchmarks, write bench/results.json (BENCH=name runs one)
#   make lint    ruff, template check, migrations check
#   make serve   production processes: gunicorn, a Celery worker and beat (environment configured)

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.requirements-installed

.PHONY: demo test bench lint serve venv system-deps system-deps-test messages clean

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(VENV)/bin/pip install --quiet -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

messages: $(STAMP)
	@$(PY) manage.py compilemessages --ignore=.venv -v0

demo: system-deps venv messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Certify is at http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: system-deps-test venv messages
	CERTIFY_ENV=test $(VENV)/bin/pytest $(PYTEST_ARGS)

bench: system-deps venv messages
	$(PY) bench/run.py $(if $(BENCH),--only $(BENCH),)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	CERTIFY_ENV=test $(PY) manage.py makemigrations --check --dry-run -v0

serve: system-deps venv messages
	scripts/serve.sh

clean:
	rm -rf var/ .pytest_cache .ruff_cache
