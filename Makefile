# warroom — the two commands a newcomer needs: `make run` and `make test`.
# Needs only python3 (3.11+) and make; everything else is installed into .venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Two test processes by default (each gets its own databases and servers); 0 runs serially.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: run demo test lint typecheck install bench bench-status bench-clocks bench-notify clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "warroom needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "cannot create a virtual environment: install python3-venv (Debian/Ubuntu)"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

## Serve on http://127.0.0.1:8000 with the embedded SQLite database under ./var/ (migrated on start).
run: install
	@echo "warroom on http://127.0.0.1:8000 — make an API token with:"
	@echo "  WARROOM_DEV=1 $(BIN)/warroom token create --role admin --name $$USER"
	WARROOM_DEV=$${WARROOM_DEV:-1} $(BIN)/warroom serve $(ARGS)

## The same, with a few realistic incidents in different stages and a demo admin token.
demo: install
	WARROOM_DEV=$${WARROOM_DEV:-1} $(BIN)/warroom serve --demo $(ARGS)

## Lint, type-check and run every test tier (PostgreSQL when WARROOM_TEST_DATABASE_URL is set).
test: install lint typecheck
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run_core.py

## Status page throughput against a bare Starlette handler and nginx (needs Debian wrk, nginx).
bench-status: install
	$(BIN)/python bench/run_status.py

## One customer update to 10,000 email subscribers (Postfix's smtp-sink: apt-get install -y postfix).
bench-notify: install
	$(BIN)/python -m bench.notify_bench --runs 3

## Clock benchmarks (add BENCH_ARGS=--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
bench-clocks: install
	$(BIN)/python bench/clocks_tick.py $(BENCH_ARGS)
	$(BIN)/python bench/clocks_rate.py $(BENCH_ARGS)
	$(BIN)/python bench/clocks_lateness.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache test-artifacts
