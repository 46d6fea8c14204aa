# Two commands matter: `make run` (serve the demo) and `make test` (everything CI checks).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tt_platform
PO := $(wildcard tt_platform/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: install run test test-sqlite test-postgres lint system-deps translations-update assets bench bench-load bench-faults bench-auction

install: $(VENV)/.installed $(MO)

$(VENV)/.installed: setup.cfg constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

# Compiled catalogues are build products: rebuilt whenever their .po changes.
%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

# PORT=5001 make run serves on another port (always on 127.0.0.1).
PORT ?= 5000
run: install
	TT_DEMO=$${TT_DEMO:-1} $(FLASK) bootstrap
	TT_DEMO=$${TT_DEMO:-1} $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Debian packages the tests need (PostgreSQL 15, Chromium, a CJK font); quick when already present.
system-deps:
	bash scripts/install-system-deps.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

test: install system-deps lint test-sqlite test-postgres

test-sqlite: install
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider --cov --cov-report=term

test-postgres: install
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -n 2 -p no:cacheprovider -m "not e2e"

# Benchmarks (method and figures in bench/README.md): matching quality on the public dev set.
bench: install
	$(BIN)/python bench/quality.py

translations-update: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i messages.pot -d tt_platform/translations --no-fuzzy-matching --ignore-obsolete
	rm -f messages.pot

# Refresh vendored front-end files from the pinned npm packages (not needed to run or test).
assets:
	npm install --no-audit --no-fund
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js tt_platform/static/vendor/bootstrap/
	mkdir -p tt_platform/static/vendor/echarts
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE tt_platform/static/vendor/echarts/

# Load benchmark (issue 21; method and figures in bench/README.md): gunicorn with 2 workers, PostgreSQL, the
# demo scaled to 100k listings, the mix at rising concurrency (60 s a level), then a 10-minute soak.
bench-load: install
	$(BIN)/python bench/load.py --listings 100000 --duration 60 --only browse,match --soak 600

# Fault proof (issue 21; figures in bench/README.md): the search outbox's Hypothesis state machine, long
# profile (at least 1,000 operations with injected engine failures, killed drains, concurrent drains), on
# SQLite and then on a throwaway PostgreSQL with the race tests (concurrent approvals, stage moves, 50
# registrations at one office); each run's counts land in bench/out/faults-<database>.json.
FAULTS_TESTS := tests/tt_platform/indexing/test_outbox_faults.py
RACE_TESTS := tests/tt_platform/listings/test_concurrency.py tests/tt_platform/brokerage/test_concurrency.py \
	tests/tt_platform/contracts/test_concurrency.py
bench-faults: install
	TT_FAULTS_PROFILE=long $(BIN)/python -m pytest -p no:cacheprovider -q -s $(FAULTS_TESTS)
	TT_FAULTS_PROFILE=long bash scripts/with-postgres.sh $(BIN)/python -m pytest -p no:cacheprovider -q -s \
		$(FAULTS_TESTS) $(RACE_TESTS)

# Auction load (issue 18; figures in bench/README.md): 50 bidders by API token against gunicorn (2 workers) and
# PostgreSQL for 60 s, then every stored bid checked (increasing, none lost or invented, ends by the rule).
bench-auction: install
	$(BIN)/python bench/auction_load.py --bidders 50 --seconds 60
