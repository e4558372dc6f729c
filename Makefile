# creditpilot — the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# uv from PATH, else the one pip installs for this Python (`python3 -m uv`).
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export UV_SYSTEM_CERTS := 1
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
# the suite runs on every core (pytest-xdist); WORKERS=0 runs it in one process
WORKERS ?= auto

.PHONY: install run test test-sqlite test-postgres check lint format bench vendor messages clean

$(BIN)/creditpilot: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode
	@$(BIN)/python -m compileall -q src >/dev/null
	@touch $(BIN)/creditpilot

install: $(BIN)/creditpilot

run: install
	$(BIN)/creditpilot init
	$(BIN)/creditpilot demo --end $$(date +%F)
	$(BIN)/creditpilot serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then the store tests again on PostgreSQL when it answers
# (CI sets CREDITPILOT_REQUIRE_POSTGRES=1: then PostgreSQL must answer).
test: install
	$(BIN)/pytest -q -n $(WORKERS)
	@if $(BIN)/python -m creditpilot.testing.pg_ready "$(PG_URL)"; then \
		echo "== store tests on PostgreSQL"; \
		CREDITPILOT_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -n $(WORKERS) -m store tests; \
	elif [ "$$CREDITPILOT_REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (CREDITPILOT_REQUIRE_POSTGRES=1) but does not answer at $(PG_URL)"; exit 1; \
	else \
		echo "== SKIPPED: the PostgreSQL store tests (no server at $(PG_URL))"; \
	fi

check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Browser libraries (pinned in frontend/package-lock.json) copied into the static files;
# the copies are committed, so running the product needs no npm and no CDN.
vendor:
	cd frontend && npm ci --no-audit --no-fund
	cp frontend/node_modules/echarts/dist/echarts.common.min.js src/creditpilot/web/static/web/vendor/echarts.min.js
	cp frontend/node_modules/echarts/LICENSE src/creditpilot/web/static/web/vendor/echarts.LICENSE

# The French catalogue: extract the marked strings, translate the new entries, compile.
messages: install
	cd src/creditpilot && ../../$(BIN)/python -P -m django makemessages -l fr --no-obsolete --add-location file --settings=creditpilot.settings
	cd src/creditpilot && ../../$(BIN)/python -P -m django compilemessages --settings=creditpilot.settings

bench: install
	$(BIN)/python bench/ledger_bench.py
	$(BIN)/python bench/web_bench.py
	$(BIN)/python bench/dunning_bench.py
	$(BIN)/python bench/sending_bench.py
	$(BIN)/python bench/risk_bench.py
	$(BIN)/python bench/forecast_bench.py
	$(BIN)/python bench/litigation_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
