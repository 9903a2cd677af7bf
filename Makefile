# The quick start is `make run` and `make test`: each creates or refreshes .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Loopback only by default: `make run HOST=0.0.0.0` serves the team, and then the app asks for a login
# (README, "Serving to a team").
HOST ?= 127.0.0.1
# Debian packages the tests need, installed by `make test` when missing: Chromium for the browser tests,
# openssl for the certificate of the SMTP-over-TLS tests, a Java runtime for the Spark tests (Debian's default
# JRE: OpenJDK 17 on Debian 12, 21 on Debian 13; PySpark 4 runs on both).
APT_TEST_PACKAGES := chromium openssl default-jre-headless
export LLM_COST_DB ?= $(CURDIR)/data/llm-cost.duckdb

.PHONY: run test test-deps shell bench lint notebooks venv venv-dev clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "llm-cost needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
# An editable install has no bytecode until an import writes it, and PYTHONDONTWRITEBYTECODE (set on some
# machines, ours included) stops that: compiled here, `llm-cost count` does not compile ~50 modules each run.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q analytics
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	$(BIN)/python -m compileall -q analytics
	@touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

run: venv
	$(BIN)/llm-cost demo --if-empty
	$(BIN)/streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

# The system packages first: a machine without them stops at once with the command to run.
test-deps:
	@scripts/ensure_apt_packages.sh $(APT_TEST_PACKAGES)

test: test-deps
	@$(MAKE) --no-print-directory venv-dev
	$(BIN)/python -m pytest -q

# A shell with .venv on PATH, so `llm-cost ...` works as in the README (exit it to leave).
shell: venv
	@echo "llm-cost $(VENV) is on PATH in this shell; type exit to leave it."
	@VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH=$(CURDIR)/$(BIN):$$PATH $${SHELL:-/bin/sh} -i

$(VENV)/.installed-peers: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,peers]'
	@touch $@

bench: venv-dev $(VENV)/.installed-peers
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

$(VENV)/.installed-notebooks: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	@touch $@

# JupyterLab on the notebooks, against the same store as `make run` (filled with demo data if empty).
notebooks: $(VENV)/.installed-notebooks
	$(BIN)/llm-cost demo --if-empty
	$(BIN)/jupyter lab notebooks/ --ip 127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root)

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache
