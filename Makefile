# Two commands set everything up on a fresh machine (Python 3.11+):
#   make run    install, migrate, load territories, the software catalogue and demo data,
#               serve on http://127.0.0.1:8000
#   make test   the whole test suite (browser tests need Debian's chromium and npm; see README)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install lock check-deploy collectstatic clean bench bench-smoke

$(VENV)/.installed: requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est requis (PYTHON=python3.12 make …).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed

# axe-core for the accessibility checks of the browser tests (pinned in package-lock.json).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_territories
	$(BIN)/python manage.py load_catalogue
	$(BIN)/python manage.py load_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.installed; \
	else echo "npm absent : les tests navigateur (axe-core) seront ignorés."; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Style (ruff) and the layers of the code (import-linter, contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the lock files after editing the dependency ranges in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --upgrade -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --upgrade --extra dev -o requirements-dev.lock pyproject.toml

# What production checks: `manage.py check --deploy` with production-like settings.
check-deploy: install
	DEBUG=0 SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=annuaire.example $(BIN)/python manage.py check --deploy --fail-level WARNING

# The benchmark (bench/README.md): gunicorn with production settings on PostgreSQL, driven by
# wrk (Debian's package, installed here when missing and run as root), /robots.txt as the
# floor in the same run; JSON results in bench/results/. BENCH_ARGS="--providers 2000 …".
bench: install
	@command -v wrk >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null \
		|| { echo "wrk manque : apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# What CI runs: every URL of the mix for a second each on the demo data, no thresholds.
bench-smoke:
	$(MAKE) --no-print-directory bench BENCH_ARGS="--smoke --database $${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/annuaire_bench_smoke} $(BENCH_ARGS)"

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache .test-db.sqlite3*
