# The commands of the README. `make test` installs first when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test check run demo bench bench-peer clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -qq -e '.[test]'
	touch $(STAMP)

# Parallel (pytest-xdist): most tests wait on sockets and subprocesses, so more workers than
# cores pays (at 4 workers the suite used 1.1 of 2 cores). Each test has its own tmp dir,
# ephemeral ports and uuid-named databases.
TEST_WORKERS ?= 8

# Bytecode is cached (under .venv, not in the source tree) even where the environment sets
# PYTHONDONTWRITEBYTECODE: otherwise every xdist worker rewrites and compiles every test module
# and every `syndication` subprocess compiles the project afresh.
test: export PYTHONDONTWRITEBYTECODE :=
test: export PYTHONPYCACHEPREFIX := $(CURDIR)/$(VENV)/pycache
test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff format --check syndication feeds bots tests bench
	$(BIN)/ruff check syndication feeds bots tests bench
	$(BIN)/mypy

run: $(STAMP)
	$(BIN)/syndication --config config.toml run

demo: $(STAMP)
	$(BIN)/python -m syndication.demo

bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_delivery.py

# syndication against the reader library on the same local feeds; BENCH_ARGS="--feeds 1000"
bench-peer: $(STAMP)
	$(BIN)/python bench/bench_peer.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var public .mypy_cache .ruff_cache
