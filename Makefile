# ecociv — `make demo` runs the Quzhou demo, `make test` runs every check. `make help` lists all.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help demo test serve lint types arch unit messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.runtime: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

demo: $(VENV)/.runtime ## set up and serve the Quzhou demo on http://127.0.0.1:8000 (SQLite in var/)
	$(BIN)/ecociv demo

serve: $(VENV)/.runtime ## serve without loading anything
	$(BIN)/ecociv serve

lint: $(VENV)/.test ## ruff lint and format check
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

types: $(VENV)/.test ## mypy on src/
	$(BIN)/mypy

arch: $(VENV)/.test ## import-linter layering contracts
	$(BIN)/lint-imports

test: lint types arch ## every check and the whole test suite (SQLite; PostgreSQL if ECOCIV_TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

unit: $(VENV)/.test ## unit tests only (no database)
	$(BIN)/python -m pytest tests/unit -q

messages: $(VENV)/.test ## re-extract UI messages and rewrite the zh_CN catalogue
	$(BIN)/python tools/update_messages.py

clean: ## remove the virtualenv and caches (keeps var/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
