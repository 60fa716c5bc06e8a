# The targets the README and CI call; everything installs itself on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: setup demo test lint unit integration system-deps bench reset

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian's clickhouse-server (18.16): the tests run every query on it as well as on chDB;
# Debian's chromium: the wallboard's browser test.
system-deps:
	@command -v clickhouse-server >/dev/null && command -v chromium >/dev/null || { \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $(SUDO) apt-get install -y -qq clickhouse-server chromium >/dev/null; }

demo: setup
	$(BIN)/cckpi demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup system-deps
	$(BIN)/pytest -q tests/integration

test: setup system-deps lint
	$(BIN)/pytest -q

bench: setup system-deps
	$(BIN)/cckpi bench --json bench-results.json

reset:
	rm -rf data
