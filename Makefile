# The project's commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast bench athena-local lint format clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: serve the app on http://127.0.0.1:8050 (demo data is generated on first run)
run: $(VENV)/.runtime
	$(PY) app.py

## test: the whole suite, browser tests included (installs Debian's chromium when missing)
test: $(VENV)/.dev
	@command -v chromium >/dev/null 2>&1 || scripts/install-chromium
	$(PY) -m pytest

## test-fast: everything but the browser tests
test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not browser"

## bench: print the performance figures (python -m bench --help for options)
bench: $(VENV)/.dev
	$(PY) -m bench

## athena-local: a local Athena-compatible service (DuckDB + moto S3) on loopback; prints the ENGINE=athena settings
athena-local: $(VENV)/.dev
	$(PY) -m athena_local --data var/data

## lint: ruff's rules (the code is wrapped by hand at 110 columns, not by a formatter)
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

## format: ruff's safe fixes (import order and the like)
format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/cache var/test
