# opmodel — `make demo` runs the main job on the bundled example; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint system-deps bench clean web-vendor

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/opmodel demo

# System packages the tests drive for real (headless Chromium, PostgreSQL, LibreOffice).
system-deps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

# The suite spreads over the machine's cores with pytest-xdist (docs/testing.md);
# `make test XDIST=` runs it in one process.
XDIST ?= -n auto --dist loadfile

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -q $(XDIST)

bench: $(STAMP)
	$(BIN)/python bench/load.py

# The web app's vendored JavaScript (htmx, vega, vega-lite, vega-embed) from the npm
# registry; run by hand when upgrading, never at install or test time.
web-vendor:
	sh scripts/fetch-web-vendor.sh

clean:
	rm -rf $(VENV) opmodel-demo build dist .pytest_cache .hypothesis
