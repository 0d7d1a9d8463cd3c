# Two entry points: `make run` and `make test`. Both create .venv when it is missing.
# `make check` is the quick inner loop: the tests but the browser, live and slow ones, no lint.
# The tests run on every core (pytest-xdist, each file on one worker); JOBS=0 runs them in one
# process (to see their output with ARGS=-s, or to debug with ARGS=--pdb).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=
JOBS ?= auto
PYTEST = $(BIN)/pytest -n $(JOBS) --dist loadfile

.PHONY: run test check lint chromium bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[tls]'
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/sandbox serve $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check sandbox tests bench
	$(BIN)/ruff format --check sandbox tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The browser tests (tests/browser) drive Debian's Chromium: installed here when it is missing.
chromium:
	@test -x /usr/bin/chromium || { \
		command -v apt-get >/dev/null || { echo "No apt-get: install Chromium as /usr/bin/chromium;" \
			"without it the browser tests are skipped (and fail in CI)."; exit 0; }; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

test: lint chromium
	$(PYTEST) $(ARGS)

check: $(VENV)/.installed-test
	$(PYTEST) -m "not browser and not live and not slow" $(ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
