# Two commands on a fresh machine: `make serve` starts the mock, `make test` passes the tests.
# Each installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=
BASE_URL ?=

# Compiled modules (and pytest's rewritten test modules) are cached: a machine that sets
# PYTHONDONTWRITEBYTECODE would compile them again in every one of the tests' subprocesses (~2 s each).
unexport PYTHONDONTWRITEBYTECODE

SEED   ?= 20260211
# One test worker more than the cores (at most 8): many of the tests spend their time waiting on a
# served mock, a backend or an injected latency, and a third worker uses that time on 2 cores.
WORKERS ?= $(shell $(PYTHON) -c "import os; print(min((os.cpu_count() or 1) + 1, 8))")
CORES ?= $(shell $(PYTHON) -c "import os; print(min(os.cpu_count() or 1, 8))")

.PHONY: install serve test hunt lint contract fuzz verify compat bench clean

$(STAMP): pyproject.toml
	@echo "installing into $(VENV) (about 30 s, once; again only when pyproject.toml changes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/novunt-mock serve $(ARGS)

# The mock's own tests (they also run the whole suite over HTTP, in each live mode, against a served
# mock: tests/proof/test_live_safety.py) and the contract suite in-process, in one run spread over the
# cores; then over HTTP what only HTTP shows (start-up, transport, CORS, the wire form of errors, a
# whole admin session).
# A fixed Hypothesis seed keeps CI reproducible; `make hunt` and `make fuzz` explore with fresh seeds.
# The tests run on every core and one more (pytest-xdist: test by test, except the files whose tests share
# one module fixture, marked xdist_group, each kept on one worker; WORKERS=1 for one).
HTTP_CASES ?= tc01 or tc04 or tc06 or tc13 or tc22 or tx07
test: $(STAMP)
	$(BIN)/python -m pytest tests --pyargs contract_tests --hypothesis-seed=$(SEED) -n $(WORKERS) --dist loadgroup
	$(BIN)/python -m pytest --pyargs contract_tests.cases --serve-mock -k "$(HTTP_CASES)"

# Property tests with fresh seeds and more examples (make test runs them with the fixed SEED), and the
# contract's and the control API's fuzz deeper.
hunt: $(STAMP)
	RUNNER_EXAMPLES=$${RUNNER_EXAMPLES:-300} $(BIN)/python -m pytest tests/test_runner_properties.py -p no:randomly
	CONTRACT_FUZZ_EXAMPLES=$${CONTRACT_FUZZ_EXAMPLES:-100} CONTRACT_FUZZ_METHODS=$${CONTRACT_FUZZ_METHODS:-all} $(BIN)/python -m pytest --pyargs contract_tests.fuzz
	CONTROL_FUZZ_EXAMPLES=$${CONTROL_FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest tests/test_hostile_input.py -k control_api

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@out=$$($(BIN)/radon cc -n D -s mock_server contract_tests); test -z "$$out" || { echo "functions above grade C:"; echo "$$out"; exit 1; }
	$(BIN)/lint-imports --no-cache
	$(BIN)/openapi-spec-validator openapi/contract.yaml openapi/control.yaml
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tools --silent --no-audit --no-fund && \
	  tools/node_modules/.bin/spectral lint --fail-severity=warn openapi/contract.yaml openapi/control.yaml; \
	else echo "npm not found: skipping the Spectral lint of openapi/"; fi

# In-process, each core runs a mock of its own: the fuzz's three parts and the cases spread over them.
contract: $(STAMP)
	$(BIN)/python -m pytest --pyargs contract_tests -n $(CORES) --dist loadgroup

fuzz: $(STAMP)
	CONTRACT_FUZZ_EXAMPLES=$${CONTRACT_FUZZ_EXAMPLES:-300} CONTRACT_FUZZ_METHODS=$${CONTRACT_FUZZ_METHODS:-all} $(BIN)/python -m pytest --pyargs contract_tests.fuzz

verify: $(STAMP)
	@test -n "$(BASE_URL)" || { echo "usage: make verify BASE_URL=https://backend [ARGS='--allow-writes']"; exit 2; }
	$(BIN)/python -m pytest --pyargs contract_tests --base-url "$(BASE_URL)" $(ARGS)

# The suite beside pytest-base-url (pytest-playwright's dependency, which also owns --base-url), in a
# venv of its own: in-process, then over HTTP against a served mock through pytest-base-url's option.
COMPAT := .venv-compat
compat:
	$(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/python -m pip install --quiet --upgrade pip
	$(COMPAT)/bin/python -m pip install --quiet -e . pytest-base-url
	$(COMPAT)/bin/python -m pytest --pyargs contract_tests.cases -q -p no:cacheprovider -k "tc01 or tc13 or tc22"
	$(COMPAT)/bin/python tools/compat_check.py

# Throughput against a bare Starlette ceiling and Prism (installed here when npm is), suite and year timings.
bench: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tools --silent --no-audit --no-fund; fi
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(COMPAT) reports
