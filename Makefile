# Certify: the two commands of CONTRACTS.md section 1, and a few more.
#   make demo    serve the demo at http://127.0.0.1:$(PORT) (SQLite, eager Celery, nothing else to run)
#   make test    run the whole test suite (DATABASE_URL selects the database; default SQLite)
#   make bench   run the benchmarks, write bench/results.json (BENCH=name runs one)
#   make lint    ruff, template check, migrations check
#   make serve   production processes: gunicorn, a Celery worker and beat (environment configured)
#   make audit   known vulnerabilities of requirements.txt (pip-audit; see scripts/audit.sh)
#   make fuzz    Hypothesis on every importer and on grading, FUZZ_EXAMPLES (10000) inputs each
#   make smoke   the production stack on loopback plays the main path, plus the fault tests
#                (needs DATABASE_URL=postgres://... and redis-server)

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.requirements-installed

.PHONY: demo test bench lint serve venv system-deps system-deps-test messages clean audit smoke node-deps fuzz

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

# The demo's staff accounts may open the admin without setting up an authenticator app first;
# production always requires multi-factor authentication for staff (CERTIFY_REQUIRE_STAFF_MFA).
demo: export CERTIFY_REQUIRE_STAFF_MFA ?= false
demo: system-deps venv messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Certify is at http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "Staff multi-factor authentication is off in this demo; production always requires it."
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# axe-core (package-lock.json) for the accessibility tests in tests/e2e/test_a11y.py.
node-deps:
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
	  command -v npm >/dev/null || { echo "npm is needed for the accessibility tests (apt-get install npm), then run make node-deps"; exit 1; }; \
	  npm ci --no-audit --no-fund; \
	fi

test: system-deps-test venv messages node-deps
	CERTIFY_ENV=test $(VENV)/bin/pytest $(PYTEST_ARGS)

# The load benchmarks (exam_day, pdf, verify) start their own production stack on loopback:
# PostgreSQL and Redis must be running (BENCH_PG, BENCH_REDIS); verify needs wrk (apt-get install wrk).
bench: venv messages
	@scripts/system-deps.sh bench
	@command -v wrk >/dev/null || echo "note: wrk is not installed (apt-get install wrk); the verify benchmark needs it"
	$(PY) bench/run.py $(if $(BENCH),--only $(BENCH),)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	CERTIFY_ENV=test $(PY) manage.py makemigrations --check --dry-run -v0

serve: system-deps venv messages
	scripts/serve.sh

audit: venv
	scripts/audit.sh

# `make test` runs the same fuzz tests with CERTIFY_FUZZ_EXAMPLES (default 300) inputs each.
FUZZ_EXAMPLES ?= 10000
fuzz: venv
	CERTIFY_ENV=test CERTIFY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/question_bank/test_fuzz.py \
	  -p no:randomly --durations=0 --hypothesis-show-statistics $(PYTEST_ARGS)

smoke: system-deps-test venv messages
	CERTIFY_ENV=test CERTIFY_REQUIRE_STACK=1 $(VENV)/bin/pytest tests/smoke tests/faults $(PYTEST_ARGS)

clean:
	rm -rf var/ .pytest_cache .ruff_cache
