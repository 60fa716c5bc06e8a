# The targets the README and CI call; everything installs itself on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: setup demo test lint unit integration system-deps bench reset lock catalogs

# The tested set: every package pinned in requirements-dev.lock (written by `make lock` from
# pyproject.toml), then cckpi itself without resolving anything again.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Debian's clickhouse-server (18.16): the tests run every query on it as well as on chDB;
# Debian's chromium: the wallboard's browser test; Debian's zookeeper: the replicated cluster's test;
# Debian's stunnel4 and openssl: Kafka over TLS.
system-deps:
	@command -v clickhouse-server >/dev/null && command -v chromium >/dev/null \
	  && command -v stunnel4 >/dev/null && command -v openssl >/dev/null \
	  && test -f /usr/share/java/zookeeper.jar || { \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $(SUDO) apt-get install -y -qq clickhouse-server chromium zookeeper stunnel4 openssl >/dev/null; }

demo: setup
	$(BIN)/cckpi demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup system-deps
	$(BIN)/pytest -q tests/integration

# Three test processes on two cores: an integration test mostly waits on its broker, worker and
# ClickHouse; an idle process takes tests queued for another (--dist worksteal): long ones spread.
test: setup system-deps lint
	$(BIN)/pytest -q -n 3 --dist worksteal --durations=20  # the slowest: keep the suite well under 15 minutes

bench: setup system-deps
	$(BIN)/cckpi bench --json bench-results.json

# After adding or changing a message in the code: the templates extracted again and merged into
# every language's catalog (schemas/locales); the new messages then wait for a translator.
catalogs: setup
	$(BIN)/python -m schemas.catalogs

reset:
	rm -rf data

# Pin the whole transitive set again after a change to pyproject.toml: production (the image) and
# development (the demo, the tests, CI).
lock: setup
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra embedded --extra dev --python-version 3.11 --quiet \
	  -o requirements-dev.lock
