# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-cluster test-fast fuzz lint format load-generator bench bench-cluster bench-tokens bench-scale screenshots clean

# The virtualenv is rebuilt whenever a requirements file changes.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed  ## serve on http://127.0.0.1:$${PORT:-5000}
	$(BIN)/python serve.py

test: $(BIN)/.installed  ## the whole suite against real PostgreSQL and Redis
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The cluster (3 primaries, 3 replicas on loopback, tests/support/cluster.py) is removed however pytest ends.
test-cluster: $(BIN)/.installed  ## the whole suite against a throwaway Redis Cluster (REDIS_CLUSTER_NODES)
	$(BIN)/python -m tests.support.cluster run $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(BIN)/.installed  ## the unit tier only: pure functions, no stores, seconds
	$(BIN)/python -m pytest tests/unit -q $(PYTEST_ARGS)

# The seed makes a campaign repeatable; FUZZ_SEED and FUZZ_EXAMPLES (per target) change it.
FUZZ_SEED ?= 20261207
FUZZ_EXAMPLES ?= 1500
fuzz: $(BIN)/.installed  ## a seeded fuzz campaign (minutes): requests and 5xx per target, any failure shrunk
	FUZZ_PROFILE=campaign FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q -p no:cacheprovider \
		--hypothesis-seed=$(FUZZ_SEED) --timeout=3600 $(PYTEST_ARGS)

screenshots: $(BIN)/.installed  ## regenerate docs/screenshots/*.png from the browser tests
	SCREENSHOTS=1 $(BIN)/python -m pytest -m browser -q

lint: $(BIN)/.installed  ## ruff, and the import rules of pyproject.toml (no cycles, arrows one way)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# wrk when it is installed or installable (root + apt-get), else a Python load generator.
load-generator:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }; } || \
		echo "wrk is not available: using the Python load generator"

bench: $(BIN)/.installed load-generator  ## load the API hot path and compare it with one Redis GET
	$(BIN)/python bench/run.py
	$(BIN)/python bench/instrumentation.py

# The same cases on a throwaway Redis Cluster (tests/support/cluster.py), removed however the bench ends.
bench-cluster: $(BIN)/.installed load-generator  ## `make bench`'s cases on a Redis Cluster of 3 primaries and 3 replicas
	$(BIN)/python -m tests.support.cluster run $(BIN)/python bench/run.py

bench-tokens: $(BIN)/.installed  ## Redis bytes per grant as a family grows, and the time of revoking one
	$(BIN)/python bench/token_growth.py

bench-scale: $(BIN)/.installed  ## the protected call and the stores' cost at 10^4, 10^5, 10^6 live tokens (minutes)
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) .pytest_cache
