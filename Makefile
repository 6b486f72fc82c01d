# World Café, live. `make run` starts a demo café; `make test` runs every test.
# Both create .venv and install what they need on first use (Python >= 3.11, pip and npm).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?= --demo
PYTEST_ARGS ?=
# Three workers that steal tests from each other (an idle worker takes another's next test, so
# the long fuzz file holds no one up). Most browser and server tests wait on real servers and
# Chromium rather than compute, so on two cores three workers finish first: the whole suite took
# 9m12 with three, 11m58 with two and 9m23 with four (where timing-bound fault tests began to
# fail); 8m12 with three once test clients stopped waiting 3 s on each close (tests/server.py).
# `make test PYTEST_XDIST=` runs in one process.
PYTEST_XDIST ?= -n 3 --dist worksteal

.PHONY: run test lint setup setup-test clean

run: setup
	$(BIN)/python run.py $(ARGS)

test: setup-test lint
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# ruff's rules and format, and what mypy checks strictly (the engine, the clock, the services), are in
# pyproject.toml; a finding fails `make test` and CI.
lint: setup-test
	$(BIN)/ruff check cafe tests bench run.py
	$(BIN)/ruff format --check cafe tests bench run.py
	$(BIN)/mypy

setup: $(VENV)/.app static/vendor/socket.io.min.js

# Tests also read axe-core (an npm devDependency) straight from node_modules; it is never served.
setup-test: $(VENV)/.test static/vendor/socket.io.min.js node_modules/.package-lock.json

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "World Café, live needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.app: $(VENV)/.python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test: $(VENV)/.app pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,redis,eventlet]'
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# The Socket.IO browser client comes from npm, never from a CDN: the venue may be offline.
static/vendor/socket.io.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js $@

clean:
	rm -rf $(VENV) node_modules static/vendor test-artifacts .pytest_cache
